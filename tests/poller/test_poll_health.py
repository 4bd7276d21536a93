"""Feed health you can alert on: failing feeds named in cycle lines, HTML pages and empty feeds
counted as failing, `feeds status --check` exit codes, and the poller's roll of small files."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from deltalake import DeltaTable
from nordwire.pipeline.cli.feed_health import health, parse_duration
from nordwire.pipeline.poller.state import display_name

from tests.conftest import ROOT
from tests.helpers.cli import Lines, Ran, nordwire, wait_for
from tests.helpers.feedserver import FeedServer, feed_server, poll_args, poll_command, rss, send
from tests.helpers.poller import Poller

HTML = b"<!doctype html><html><head><title>Feil</title></head><body><p>Beklager</p></body></html>"
EMPTY = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tom</title>'
    b"<link>https://tom.example.no/</link></channel></rss>"
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as s:
        yield s


def status(out: Path, *extra: str) -> Ran:
    return nordwire("feeds", "status", "--output", str(out), *extra, check=False)


def test_html_pages_and_empty_feeds_fail_and_are_named(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/good"] = lambda h: send(h, 200, rss([("sak-1", "Skolen bygges ut")]))
    server.routes["/page"] = lambda h: send(h, 200, HTML, {"ETag": '"p1"'})
    server.routes["/empty"] = lambda h: send(h, 200, EMPTY)
    server.routes["/down"] = lambda h: send(h, 502, b"")
    poller = Poller(tmp_path, server, ["/good", "/page", "/empty", "/down"])
    try:
        report = poller.cycle()
        assert (report.fetched, report.failed) == (1, 3)
        assert report.problems == {"page": "html page", "empty": "no items", "down": "HTTP 502"}
        line = report.line(1)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ cycle 1: 1 feeds fetched", line)
        assert line.endswith("; failed: down (HTTP 502), empty (no items), page (html page)")
        rows = {r["name"]: r for r in poller.state.feed_rows()}
        assert rows["page"]["failures"] == 1 and rows["page"]["last_error"] == "html page"
        assert poller.state.validators(poller.feeds[1].url).etag is None  # no 304 for a bad page
        assert rows["good"]["failures"] == 0
        poller.cycle(advance=3600)
        page_requests = [h for p, h in server.requests if p == "/page"]
        assert len(page_requests) == 2 and "if-none-match" not in page_requests[1]
    finally:
        poller.close()


def test_feeds_status_check_exit_codes_and_narrow_view(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/good"] = lambda h: send(h, 200, rss([("sak-1", "Skolen bygges ut")]))
    server.routes["/page"] = lambda h: send(h, 200, HTML)
    poller = Poller(tmp_path, server, ["/good", "/page"])
    try:
        poller.cycle()
    finally:
        poller.close()
    out = tmp_path / "out"
    plain = status(out)
    assert plain.returncode == 0, plain.stderr  # without --check: a report, not an alarm
    lines = plain.stdout.splitlines()
    assert lines[0].split(" | ")[0].strip() == "feed"
    assert max(len(line) for line in lines) <= 120
    failing = status(out, "--check")
    assert failing.returncode == 3
    assert "nordwire: unhealthy: page" in failing.stderr
    assert re.search(r"page\s+\| failing .*\| html page", failing.stdout)
    wide = json.loads(status(out, "--format", "json").stdout)
    assert {r["name"]: r["health"] for r in wide} == {"good": "ok", "page": "failing"}
    assert "last_error" in wide[0] and "next_attempt_at" in wide[0]
    # Fix the page; after its backoff the next cycle clears it. Then only staleness is left.
    server.routes["/page"] = lambda h: send(h, 200, rss([("sak-2", "Ny ordfører")]))
    poller = Poller(tmp_path, server, ["/good", "/page"])
    try:
        poller.cycle(advance=3600)
    finally:
        poller.close()
    healthy = status(out, "--check", "--max-age", "1d")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    stale = status(out, "--check", "--max-age", "0s")
    assert stale.returncode == 3 and "stale" in stale.stdout
    bad = status(out, "--check", "--max-age", "soon")
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_health_rules_and_names() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    recent = (now - timedelta(minutes=10)).isoformat()
    old = (now - timedelta(hours=3)).isoformat()
    assert health({"failures": 0, "last_success_at": recent}, now, timedelta(hours=2)) == "ok"
    assert health({"failures": 2, "last_success_at": recent}, now, timedelta(hours=2)) == "failing"
    assert health({"failures": 0, "last_success_at": old}, now, timedelta(hours=2)) == "stale"
    assert health({"failures": 0, "last_success_at": None}, now, timedelta(hours=2)) == "stale"
    assert parse_duration("90") == parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("30m") == timedelta(minutes=30) and parse_duration("1d") == timedelta(1)
    url = "https://www.nrk.no/toppsaker.rss"
    assert display_name("www.nrk.no", url) == "www.nrk.no/toppsaker.rss"  # URL-only feeds
    assert display_name("NRK toppsaker", url) == "NRK toppsaker"


def test_the_poller_rolls_its_small_files(server: FeedServer, tmp_path: Path) -> None:
    items: list[tuple[str, str]] = []

    def grow(h: object) -> None:
        items.append((f"sak-{len(items)}", f"Sak nummer {len(items)}"))
        send(h, 200, rss(items))  # type: ignore[arg-type]

    server.routes["/feed"] = grow
    out = tmp_path / "out"
    args = ("--max-cycles", "3", "--interval", "1", "--compact-after", "0.001")
    run = nordwire(*poll_args(server.url("/feed"), out, *args))
    lines = run.stdout.splitlines()
    assert "compacting after 0.001 s" in lines[0]
    # Each cycle commits a file per table to the day's partition; each roll makes them one.
    assert any(" partitions (" in line and " files -> " in line for line in lines), run.stdout
    assert lines[-1].endswith("nordwire poll: stopped after 3 cycles; state saved")
    for table in ("articles", "revisions"):
        days = [u.split("date=")[1][:10] for u in DeltaTable(str(out / table)).file_uris()]
        assert days == ["2024-03-11"], table  # one file left in the one partition
    count = nordwire(
        "query", "SELECT count(*) AS n FROM articles", "--output", str(out), "--format", "csv"
    )
    assert count.stdout.splitlines()[1] == "3"


def test_ctrl_c_twice_abandons_the_cycle_and_the_next_start_finishes_it(
    server: FeedServer, tmp_path: Path
) -> None:
    release = threading.Event()

    def held(h: object) -> None:  # the feed answers only when the test lets it
        release.wait(60)
        send(h, 200, rss([("sak-77", "Sak som venter")]))  # type: ignore[arg-type]

    server.routes["/feed"] = held
    out = tmp_path / "out"
    proc = subprocess.Popen(
        poll_command(server.url("/feed"), out, "--interval", "60"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = Lines(proc.stdout), Lines(proc.stderr)
    try:
        stdout.wait_for("nordwire poll: started")
        wait_for(lambda: any(p == "/feed" for p, _ in server.requests), what="the cycle's fetch")
        proc.send_signal(signal.SIGINT)  # first: finish the cycle, then stop
        stderr.wait_for("stopping after this cycle")  # heard: the second is a second
        proc.send_signal(signal.SIGINT)  # second: stop now
        release.set()
        proc.wait(timeout=120)
    finally:
        release.set()
        proc.kill()
    assert proc.returncode == 130, stdout.text() + stderr.text()
    assert "interrupted (stopped in cycle 1); nothing lost" in stderr.text()
    assert "Traceback" not in stderr.text()
    # The next start is in this process: what is checked now is the state, not the process.
    nordwire(*poll_args(server.url("/feed"), out, "--once"))
    count = nordwire(
        "query", "SELECT count(*) FROM articles", "--output", str(out), "--format", "csv"
    )
    assert count.stdout.splitlines()[1] == "1"


def test_a_full_disk_fails_a_cycle_and_a_roll_not_the_poller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nordwire.pipeline.config import JobConfig
    from nordwire.pipeline.feedlist import Feed
    from nordwire.pipeline.poller import cycles
    from nordwire.transforms.feed.dates import OSLO

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    calls: list[int] = []

    def first_cycle_full(*args: object, **kwargs: object) -> cycles.CycleReport:
        calls.append(1)
        if len(calls) == 1:
            full()
        return cycles.CycleReport(started_at=datetime(2024, 3, 11, tzinfo=UTC))

    monkeypatch.setattr(cycles, "run_cycle", first_cycle_full)
    monkeypatch.setattr(cycles, "compact", full)
    monkeypatch.setattr(cycles, "days_written_since", lambda output, since: ["2024-03-11"])
    config = JobConfig(
        "poll",
        output=str(tmp_path / "out"),
        timezone=OSLO,
        feeds=(Feed("f", "http://127.0.0.1:9/feed"),),
        interval=0.01,
        max_cycles=2,
        compact_after=0.001,
    )
    lines: list[str] = []
    assert cycles.poll(config, echo=lines.append) == 0
    cycle_lines = [line for line in lines if " cycle " in line]
    assert len(cycle_lines) == 2  # it went on polling
    assert "not finished: the disk is full; what was fetched stays pending" in cycle_lines[0]
    assert all("compaction failed (disk full); retried at the next roll" in x for x in cycle_lines)
