"""The HTTP edge as Beam sources: every feed fetched once (bounded) or on a timer (unbounded)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from nordwire.pipeline.io.fetch import Fetcher
from nordwire.schemas.items import RawDocument


class _FetchFn(beam.DoFn):
    """GET a feed; a failure is counted and logged, and the next tick tries again."""

    def __init__(self) -> None:
        self._fetcher: Fetcher | None = None
        self._ok = Metrics.counter("fetch", "ok")
        self._failed = Metrics.counter("fetch", "failed")

    def setup(self) -> None:
        self._fetcher = Fetcher()

    def teardown(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def process(self, url: str) -> Iterator[RawDocument]:
        assert self._fetcher is not None
        result = self._fetcher.fetch(url)
        if not result.ok or result.body is None:
            self._failed.inc()
            return
        self._ok.inc()
        yield RawDocument(
            input=url, data=result.body, fetched_at=result.fetched_at, headers=result.headers
        )


class FetchFeeds(beam.PTransform):
    """Every feed fetched once: a bounded PCollection of RawDocuments (a poll-once job)."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        if not urls:
            raise ValueError("FetchFeeds needs at least one feed URL")
        # Each feed once: the dedup relies on (input, item_index) naming one item.
        self._urls = list(dict.fromkeys(urls))

    def expand(self, pbegin: Any) -> PCollection:
        return (
            pbegin
            | "FeedUrls" >> beam.Create(self._urls)
            | "SpreadFeeds" >> beam.Reshuffle()
            | "Fetch" >> beam.ParDo(_FetchFn())
        )


class PollFeeds(beam.PTransform):
    """Every `interval` seconds, fetch every feed: an unbounded PCollection of RawDocuments."""

    def __init__(self, urls: list[str], interval: float) -> None:
        super().__init__()
        if not urls:
            raise ValueError("PollFeeds needs at least one feed URL")
        self._urls = list(urls)
        self._interval = interval

    def expand(self, pbegin: Any) -> PCollection:
        urls = self._urls
        return (
            pbegin
            | "Tick" >> PeriodicImpulse(fire_interval=self._interval, apply_windowing=False)
            | "EveryFeed" >> beam.FlatMap(lambda _: urls)
            | "SpreadFeeds" >> beam.Reshuffle()
            | "Fetch" >> beam.ParDo(_FetchFn())
        )
