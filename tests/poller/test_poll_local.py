"""`nordwire poll` cycles against a real local HTTP server whose feeds change between polls."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nordwire.pipeline.feedlist import Feed, FeedsError, load_feeds
from nordwire.pipeline.read.query import connect
from nordwire.pipeline.read.report import sections as report_sections

from tests.conftest import ROOT
from tests.helpers.feedserver import (
    FeedServer,
    conditional,
    feed_server,
    gzipped,
    huge,
    redirect_loop,
    rss,
    send,
    slow,
)
from tests.helpers.poller import Poller


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as s:
        yield s


@pytest.fixture
def make_poller(tmp_path: Path, server: FeedServer) -> Iterator[object]:
    made: list[Poller] = []

    def make(paths: list[str]) -> Poller:
        made.append(Poller(tmp_path, server, paths))
        return made[-1]

    yield make
    for p in made:
        p.close()


def test_new_items_conditional_get_and_edited_titles(server: FeedServer, make_poller) -> None:  # type: ignore[no-untyped-def]
    items = [("sak-0001", "Skolen bygges ut"), ("sak-0002", "Ny ordfører valgt")]
    server.routes["/feed"] = conditional(
        lambda: rss(items), lambda: f'"v{len(items)}-{items[0][1]}"'
    )
    poller = make_poller(["/feed"])
    first = poller.cycle()
    assert (first.fetched, first.new_items, sum(first.articles.values())) == (1, 2, 2)

    second = poller.cycle()
    assert (second.fetched, second.not_modified, second.new_items) == (0, 1, 0)
    assert server.requests[-1][1]["if-none-match"] == '"v2-Skolen bygges ut"'
    assert "nordwire" in server.requests[-1][1]["user-agent"]

    items.insert(0, ("sak-0003", "Brannvesenet rykket ut"))
    items[1] = ("sak-0001", "Skolen bygges ut likevel")  # an edited title, same guid
    third = poller.cycle()
    # The new story, the edited one and sak-0002, whose pubDate the feed moved (this test
    # feed dates items by position): changed items are processed again, as revisions.
    assert (third.fetched, third.new_items) == (1, 3)
    assert poller.rows("SELECT count(*), count(DISTINCT article_id) FROM articles") == [(3, 3)]
    assert poller.rows("SELECT title, revision FROM articles WHERE guid = 'sak-0001'") == [
        ("Skolen bygges ut likevel", 2)
    ]
    fourth = poller.cycle()  # the same feed again: nothing new, nothing revised
    assert (fourth.new_items, sum(fourth.articles.values()), fourth.revised) == (0, 0, 0)


def test_failures_back_off_and_retry_after_is_respected(server: FeedServer, make_poller) -> None:  # type: ignore[no-untyped-def]
    server.routes["/broken"] = lambda h: send(h, 500, b"oops")
    server.routes["/busy"] = lambda h: send(h, 429, b"", {"Retry-After": "600"})
    poller = make_poller(["/broken", "/busy"])
    first = poller.cycle()
    assert (first.failed, first.backing_off) == (2, 0)
    second = poller.cycle(advance=40)  # /broken backs off 30 s, /busy 600 s
    assert (second.failed, second.backing_off) == (1, 1)
    third = poller.cycle(advance=40)  # /broken now waits 60 s
    assert (third.failed, third.backing_off) == (0, 2)
    status = {r["name"]: r for r in poller.state.feed_rows()}
    assert status["broken"]["failures"] == 2 and status["broken"]["last_error"] == "HTTP 500"
    assert status["busy"]["last_status"] == 429


def test_timeouts_redirect_loops_and_oversize_bodies_fail_cleanly(
    server: FeedServer, make_poller
) -> None:  # type: ignore[no-untyped-def]
    server.routes["/slow"] = slow(5)
    server.routes["/loop"] = redirect_loop
    server.routes["/huge"] = huge(50)
    server.routes["/gzip"] = gzipped(rss([("sak-0100", "Gzip virker")]))
    poller = make_poller(["/slow", "/loop", "/huge", "/gzip"])
    report = poller.cycle()
    assert (report.fetched, report.failed, report.new_items) == (1, 3, 1)
    errors = {r["name"]: r["last_error"] for r in poller.state.feed_rows()}
    assert errors["slow"].startswith("timeout") and errors["loop"] == "too many redirects"
    assert errors["huge"].startswith("too large") and errors["gzip"] is None


def test_a_feed_that_turns_into_an_html_page_is_a_reject(server: FeedServer, make_poller) -> None:  # type: ignore[no-untyped-def]
    body = {"value": rss([("sak-0200", "Før feilen")])}
    server.routes["/feed"] = lambda h: send(h, 200, body["value"])
    poller = make_poller(["/feed"])
    poller.cycle()
    body["value"] = b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>"
    report = poller.cycle()
    assert report.rejects == {"html_page": 1}
    assert poller.rows("SELECT count(*) FROM articles") == [(1,)]
    poller.cycle()  # the same page again: no second rejects row
    assert poller.rows("SELECT reason, count(*) FROM rejects GROUP BY 1") == [("html_page", 1)]


def test_raw_bodies_are_landed_and_can_be_processed_again(
    server: FeedServer, make_poller, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server.routes["/feed"] = lambda h: send(h, 200, rss([("sak-0300", "Rått")]))
    poller = make_poller(["/feed"])
    poller.cycle()
    landed = sorted((tmp_path / "out" / "_raw").rglob("*"))
    assert [p.suffix for p in landed if p.is_file()] == [".gz", ".json"]
    from nordwire.pipeline.config import parse
    from nordwire.pipeline.runner import run_job

    raw = str(tmp_path / "out" / "_raw" / "**" / "*.gz")
    summary = run_job(parse("run", {"input": [raw], "output": poller.output}))
    assert summary.already_present == 1 and sum(summary.articles.values()) == 1
    assert poller.rows("SELECT count(*) FROM articles") == [(1,)]


def test_feeds_file_validation(tmp_path: Path) -> None:
    good = tmp_path / "feeds.yaml"
    good.write_text(
        "feeds:\n  - name: NRK\n    url: https://www.nrk.no/toppsaker.rss\n  - url: https://www.nrk.no/toppsaker.rss\n"
    )
    assert load_feeds([str(good), "https://www.vg.no/rss/feed"]) == [
        Feed("NRK", "https://www.nrk.no/toppsaker.rss"),
        Feed("www.vg.no", "https://www.vg.no/rss/feed"),
    ]
    bad = tmp_path / "bad.yaml"
    for text in ("feeds: 3\n", "feeds:\n  - url: file:///etc/passwd\n", ": : :\n"):
        bad.write_text(text)
        with pytest.raises(FeedsError):
            load_feeds([str(bad)])
    with pytest.raises(FeedsError):
        load_feeds([str(tmp_path / "missing.yaml")])


def test_feeds_status_and_once(server: FeedServer, tmp_path: Path) -> None:
    import json

    from tests.helpers.cli import nordwire

    server.routes["/feed"] = lambda h: send(h, 200, rss([("sak-0400", "Status")]))
    server.routes["/down"] = lambda h: send(h, 503, b"", {"Retry-After": "30"})
    out = tmp_path / "out"
    feeds = ("--feeds", server.url("/feed"), "--feeds", server.url("/down"))
    once = nordwire("poll", *feeds, "--output", str(out), "--once", check=False)
    # A bounded poll with a failing feed exits 3 (documented) and says which feed and why.
    assert once.returncode == 3, once.stderr
    start, cycle, stop, failing = once.stdout.splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ nordwire poll: started; 2 feeds", start)
    assert re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ cycle 1: 1 feeds fetched, 0 not modified, 1 failed, "
        r"0 backing off; 1 new items",
        cycle,
    )
    assert cycle.endswith("; failed: 127.0.0.1/down (HTTP 503)"), cycle
    assert stop.endswith("nordwire poll: stopped after 1 cycle; state saved")
    assert failing.endswith("failing feeds: 127.0.0.1/down")
    status = nordwire("feeds", "status", "--output", str(out), "--format", "json")
    rows = {r["url"].rsplit("/", 1)[1]: r for r in json.loads(status.stdout)}
    assert (
        rows["feed"]["last_status"] == 200
        and rows["feed"]["new_items"] == 1
        and rows["feed"]["failures"] == 0
    )
    assert (
        rows["down"]["last_status"] == 503
        and rows["down"]["failures"] == 1
        and rows["down"]["next_attempt_at"]
    )
    missing = nordwire("feeds", "status", "--output", str(tmp_path / "nope"), check=False)
    assert missing.returncode == 2 and "no poller state" in missing.stderr
    bad = nordwire("poll", "--feeds", "ftp://x/y", "--once", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_run_with_feeds_fetches_each_feed_once_and_writes_what_it_got(
    server: FeedServer, tmp_path: Path
) -> None:
    from nordwire.pipeline.config import parse
    from nordwire.pipeline.runner import run_job

    server.routes["/feed"] = lambda h: send(
        h, 200, rss([("sak-0500", "Én gang"), ("sak-0501", "To")])
    )
    server.routes["/down"] = lambda h: send(h, 503, b"")
    out = tmp_path / "out"
    feeds = [server.url("/feed"), server.url("/feed"), server.url("/down")]
    summary = run_job(parse("run", {"feeds": feeds, "output": str(out)}))
    assert sum(summary.articles.values()) == 2
    assert [path for path, _ in server.requests].count("/feed") == 1  # named twice, fetched once
    again = run_job(parse("run", {"feeds": feeds, "output": str(out)}))
    assert summary.inputs == 1 and again.already_present == 2
    rows = connect(str(out)).execute("SELECT count(*), count(DISTINCT article_id) FROM articles")
    assert rows.fetchall() == [(2, 2)]
    command = [sys.executable, "-m", "nordwire.pipeline", "feeds", "status"]
    # No poller state here: feed health comes from the feeds table, one row per fetch.
    status = subprocess.run(
        [*command, "--output", str(out), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stderr
    health = {r["url"].rsplit("/", 1)[1]: r for r in json.loads(status.stdout)}
    assert health["feed"]["health"] == "ok" and health["feed"]["new_items"] == 2
    assert (health["feed"]["fetches"], health["feed"]["failures"]) == (2, 0)
    assert health["down"]["health"] == "failing" and health["down"]["failures"] == 2
    assert health["down"]["last_status"] == 503 and "503" in health["down"]["last_error"]
    _, sections = report_sections(str(out), None, out / "no-poller-state.sqlite")
    assert "feeds" in [section.key for section in sections]
    # The report of a cloud job's output reads the tables where they are (a URI, as gs://).
    page = tmp_path / "report.html"
    report = subprocess.run(
        [*command[:-2], "report", "--output", out.as_uri(), "--html", str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert report.returncode == 0, report.stderr
    assert "Feed health" in page.read_text() and "HTTP 503" in page.read_text()
