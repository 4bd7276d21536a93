"""kill -9 `nordwire poll` at arbitrary moments and start it again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from nordwire.pipeline.read.query import connect

from tests.conftest import ROOT
from tests.helpers.feedserver import feed_server, poll_command, rss, send

WINDOW = 10  # items stay in the feed for this many requests, as on a real feed


def test_kill_9_at_any_moment_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    served: list[str] = []

    def growing(h) -> None:  # type: ignore[no-untyped-def]
        served.append(f"sak-{len(served):04d}")
        send(h, 200, rss([(guid, f"Sak {guid}") for guid in served[-WINDOW:]]))

    out = tmp_path / "out"
    with feed_server() as server:
        server.routes["/feed"] = growing
        command = poll_command(server.url("/feed"), out, "--interval", "1")
        # Each kill comes at a different moment after the process has polled at least once,
        # however slowly a loaded machine starts it (landing, processing, writing, committing).
        for delay in (0.0, 0.3, 0.7, 1.1, 1.6):
            before = len(served)
            proc = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 120
            while len(served) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        final = subprocess.run(
            [*command, "--once"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert final.returncode == 0, final.stderr
    con = connect(str(out))
    guids = [r[0] for r in con.execute("SELECT guid FROM articles ORDER BY guid").fetchall()]
    assert len(guids) == len(set(guids)), "an article was written twice"
    assert guids == sorted(set(served)), f"lost: {sorted(set(served) - set(guids))}"
    assert len(served) >= 6  # the kills really happened across several polls


def test_sigterm_finishes_the_cycle_and_exits_0(tmp_path: Path) -> None:
    with feed_server() as server:
        server.routes["/feed"] = lambda h: send(h, 200, rss([("sak-9001", "Siste sak")]))
        proc = subprocess.Popen(
            poll_command(server.url("/feed"), tmp_path / "out", "--interval", "60"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not list((tmp_path / "out").rglob("*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    start, cycle, stop = stdout.strip().splitlines()  # a start line, one cycle, a stop line
    assert "nordwire poll: started; 1 feeds" in start
    assert "Z cycle 1: 1 feeds fetched" in cycle
    assert stop.endswith("nordwire poll: stopped after 1 cycle; state saved")
