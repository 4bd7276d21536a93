"""Poll cycles the way `nordwire poll` runs them, against a local feed server, with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.io.fetch import Fetcher
from nordwire.pipeline.poller.cycles import CycleReport, run_cycle
from nordwire.pipeline.poller.state import PollerState
from nordwire.pipeline.read.query import connect
from nordwire.transforms.feed.dates import OSLO

from tests.helpers.feedserver import FeedServer


class Poller:
    """Runs cycles the way `nordwire poll` does, with a clock the test can move."""

    def __init__(self, tmp: Path, server: FeedServer, paths: list[str]) -> None:
        self.output = str(tmp / "out")
        self.state = PollerState(tmp / "out" / "_state")
        self.fetcher = Fetcher(read_timeout=1.0, total_timeout=3.0)
        self.feeds = [Feed(p.strip("/"), server.url(p)) for p in paths]
        self.config = JobConfig(
            "poll",
            output=self.output,
            timezone=OSLO,
            feeds=tuple(self.feeds),
            interval=30.0,
            dedup_memory=timedelta(days=30),
        )
        self.now = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)

    def cycle(self, advance: float = 60.0) -> CycleReport:
        self.now += timedelta(seconds=advance)
        return run_cycle(self.config, self.state, self.fetcher, now=lambda: self.now)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return connect(self.output).execute(sql).fetchall()

    def close(self) -> None:
        self.fetcher.close()
        self.state.close()
