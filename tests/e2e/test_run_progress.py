"""`nordwire run` at a terminal and under Ctrl-C: progress lines, --quiet, exit 130 and re-run."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from nordwire.pipeline import counting, progress

from tests.conftest import ROOT
from tests.helpers.cli import nordwire
from tests.helpers.feedserver import rss

RUN = [sys.executable, "-m", "nordwire.pipeline", "run"]


def inputs(folder: Path, files: int, items: int) -> Path:
    folder.mkdir()
    for n in range(files):
        (folder / f"f{n}.xml").write_bytes(
            rss([(f"sak-{n}-{i}", f"Sak {n} {i}") for i in range(items)])
        )
    return folder


def at_terminal(args: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start a command whose stderr is a terminal (a pty), as a person would see it."""
    master, slave = pty.openpty()
    env = {**os.environ, "NORDWIRE_PROGRESS_SECONDS": "0.2"}
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    return proc, master


def read_until(master: int, needle: bytes, proc: subprocess.Popen[bytes]) -> bytes:
    seen = b""
    while needle not in seen and proc.poll() is None:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    return seen


def drain(master: int) -> bytes:
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            return seen
        try:
            chunk = os.read(master, 4096)
        except OSError:
            return seen
        if not chunk:
            return seen
        seen += chunk


def count(out: Path) -> tuple[int, int]:
    pattern = out / "articles" / "**" / "*.parquet"
    con = duckdb.connect()
    row = con.execute(
        f"SELECT count(*), count(DISTINCT article_id) FROM read_parquet('{pattern}')"
    ).fetchone()
    con.close()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_exits_128_plus_signal_with_one_line_and_a_rerun_finishes(
    tmp_path: Path, sig: int
) -> None:
    src = inputs(tmp_path / "in", 150, 30)
    out = tmp_path / "out"
    proc, master = at_terminal([*RUN, "--input", str(src), "--output", str(out)])
    try:
        # The first progress line proves the run is under way; then the user presses Ctrl-C.
        assert b"progress:" in read_until(master, b"progress:", proc)
        proc.send_signal(sig)
        proc.wait(timeout=120)
        text = drain(master).decode()
    finally:
        os.close(master)
    assert proc.returncode == 128 + sig  # 130 for Ctrl-C, 143 for SIGTERM
    assert "nordwire: error: interrupted; nothing half-written; re-run to finish" in text
    assert "Traceback" not in text and "RuntimeError" not in text
    if sig == signal.SIGTERM:
        return
    nordwire("run", "--input", str(src), "--output", str(out))  # the rerun: no process needed
    assert count(out) == (4500, 4500)


def test_progress_lines_only_at_a_terminal_and_not_with_quiet(tmp_path: Path) -> None:
    src = inputs(tmp_path / "in", 40, 30)
    piped = nordwire("run", "--input", str(src), "--output", str(tmp_path / "a"))
    assert piped.stderr == ""  # not a terminal: no progress lines
    assert piped.stdout.count("\n") == 1 and piped.stdout.startswith("nordwire: 40 inputs read")
    for extra, expect in (([], True), (["--quiet"], False)):
        proc, master = at_terminal(
            [*RUN, "--input", str(src), "--output", str(tmp_path / f"t{len(extra)}"), *extra]
        )
        try:
            proc.wait(timeout=300)
            text = drain(master).decode()
        finally:
            os.close(master)
        assert proc.returncode == 0
        assert ("progress: " in text) is expect, text


def test_progress_line_and_reporter() -> None:
    counts = Counter({"inputs": 3, "parse": 400, "articles": 0})
    assert progress.line(counts, 2.0) == (
        "progress: 3 inputs read, 400 items, 0 articles; 200 items/s, 2 s"
    )
    counts["articles"] = 100
    assert progress.line(counts, 4.0).endswith("100 articles; 25 articles/s, 4 s")
    lines: list[str] = []
    with progress.reporting(lines.append, enabled=True, every=0.01):
        counting.tally("inputs", 2)
        while not lines or "2 inputs" not in lines[-1]:
            time.sleep(0.01)
    counting.tally("inputs")  # after the reporter stops, nothing is counted
    assert progress.snapshot()["inputs"] == 2
    quiet: list[str] = []
    with progress.reporting(quiet.append, enabled=False, every=0.01):
        counting.tally("inputs")
    assert quiet == []
