"""Freshness: seconds from an item appearing in a served feed to its row being visible to a query.

`python -m tests.bench.freshness --interval 5 --interval 30` (what `make bench-freshness` runs):
serves a feed on 127.0.0.1, runs `nordwire stream` against it, adds an item once the stream is
warm, and polls DuckDB until the row is there. Goal: at most the interval plus 10 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nordwire.pipeline.read.query import connect

from tests.conftest import ROOT
from tests.helpers.feedserver import feed_server, poll_command, rss, send


def visible(output: Path, guid: str) -> bool:
    """Whether the article is queryable."""
    if not (output / "articles").is_dir():
        return False
    rows = (
        connect(str(output))
        .execute("SELECT count(*) FROM articles WHERE guid = ?", [guid])
        .fetchone()
    )
    return bool(rows and rows[0])


def measure(interval: float, timeout: float = 300.0) -> float:
    """Seconds until a newly served item is visible, with `nordwire stream --interval interval`."""
    items = [("sak-0001", "Første sak")]
    with tempfile.TemporaryDirectory() as tmp, feed_server() as server:
        server.routes["/feed"] = lambda h: send(h, 200, rss(items))
        output = Path(tmp) / "out"
        proc = subprocess.Popen(
            poll_command(server.url("/feed"), output, "--interval", str(interval)),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + timeout
            while not visible(output, "sak-0001"):  # warm: the first cycle has written
                if time.monotonic() > deadline:
                    raise RuntimeError("the stream never wrote its first item")
                time.sleep(0.1)
            items.insert(0, ("sak-0002", "Ny sak"))
            added = time.monotonic()
            while not visible(output, "sak-0002"):
                if time.monotonic() > added + timeout:
                    raise RuntimeError("the new item never became visible")
                time.sleep(0.1)
            return time.monotonic() - added
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of freshness per interval."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, action="append", default=None)
    args = parser.parse_args(argv)
    print("| --interval (s) | item -> queryable (s) | goal (s) |\n|---|---|---|")
    for interval in args.interval or [5.0, 30.0]:
        seconds = measure(interval)
        print(f"| {interval:g} | {seconds:.1f} | {interval + 10:g} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
