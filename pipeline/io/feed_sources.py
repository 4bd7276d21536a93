"""The HTTP edge as Beam sources: every feed fetched once (bounded) or on a timer (unbounded).

Both yield (RawDocuments, rejects, fetches). A document's event time is its fetch time, so a
stream's windows are windows of fetch time and the poll source's watermark (its ticks, which
come before each fetch) never runs ahead of the data. A feed that fails is a reject of stage
`fetch` with a reason from a closed set, and a counter named after the feed, so the summary
of a run can say which feeds failed and why. Every fetch, good or bad, is also a FeedFetch
record for the `feeds` table: the feed health of jobs that run where no poller state is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.transforms.window import TimestampedValue
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.io.fetch import Fetcher, FetchResult
from nordwire.schemas.feeds import FeedFetch
from nordwire.schemas.items import RawDocument
from nordwire.schemas.rejects import REJECTS, Reject

FAILED_FEEDS = (
    "fetch_failed"  # counter namespace: one counter per failed feed, named "<reason> <url>"
)
FETCHES = "fetches"  # the tagged output of FeedFetch records


def fetch_reason(result: FetchResult) -> str:
    """The closed-set reason of a failed fetch (its detail keeps the fetcher's own words)."""
    error = result.error or ""
    if result.status is not None and result.status not in (200, 304):
        return "http_error"
    if error.startswith("timeout"):
        return "timeout"
    if error.startswith("too large"):
        return "too_large"
    if error.startswith("truncated"):
        return "truncated"
    if "redirect" in error:
        return "redirect"
    return "unreachable"  # refused, reset, no such host, invalid URL


def fetch_reject(result: FetchResult) -> Reject:
    """The reject row of a feed that gave no body."""
    return Reject(
        stage="fetch",
        reason=fetch_reason(result),
        input=result.url,
        fetched_at=result.fetched_at,
        detail=result.error or f"HTTP {result.status}",
    )


class _FetchFn(beam.DoFn):
    """GET a feed: its body stamped with the fetch time, or a `fetch` reject (the next tick of a
    stream tries again); either way a FeedFetch record of what happened."""

    def __init__(self, names: dict[str, str], job: str) -> None:
        self._names = names
        self._job = job
        self._fetcher: Fetcher | None = None
        self._ok = Metrics.counter("fetch", "ok")
        self._failed = Metrics.counter("fetch", "failed")

    def setup(self) -> None:
        self._fetcher = Fetcher()

    def teardown(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def process(self, url: str) -> Iterator[Any]:
        assert self._fetcher is not None
        result = self._fetcher.fetch(url)
        when = result.fetched_at.timestamp()
        record = FeedFetch(
            name=self._names.get(url, url),
            url=url,
            fetched_at=result.fetched_at,
            job=self._job,
            ok=result.ok,
            status=result.status,
            bytes=len(result.body) if result.body is not None else None,
        )
        if not result.ok or result.body is None:
            self._failed.inc()
            reject = fetch_reject(result)
            Metrics.counter(FAILED_FEEDS, f"{reject.reason} {url}").inc()
            yield TaggedOutput(REJECTS, TimestampedValue(reject, when))
            failed = replace(record, reason=reject.reason, detail=reject.detail)
            yield TaggedOutput(FETCHES, TimestampedValue(failed, when))
            return
        self._ok.inc()
        yield TaggedOutput(FETCHES, TimestampedValue(record, when))
        yield TimestampedValue(
            RawDocument(
                input=url, data=result.body, fetched_at=result.fetched_at, headers=result.headers
            ),
            when,
        )


def _fetch(urls: Any, feeds: list[Feed], job: str) -> Any:
    names = {f.url: f.name for f in feeds}
    return (
        urls
        | "SpreadFeeds" >> beam.Reshuffle()
        | "Fetch"
        >> beam.ParDo(_FetchFn(names, job)).with_outputs(REJECTS, FETCHES, main="documents")
    )


class FetchFeeds(beam.PTransform):
    """Every feed fetched once: bounded (RawDocuments, fetch rejects, fetches) for a poll-once job."""

    def __init__(self, feeds: list[Feed]) -> None:
        super().__init__()
        if not feeds:
            raise ValueError("FetchFeeds needs at least one feed")
        # Each feed once: the dedup relies on (input, item_index) naming one item.
        self._feeds = list({f.url: f for f in feeds}.values())

    def expand(self, pbegin: Any) -> Any:
        urls = pbegin | "FeedUrls" >> beam.Create([f.url for f in self._feeds])
        fetched = _fetch(urls, self._feeds, "poll-once")
        return fetched.documents, fetched[REJECTS], fetched[FETCHES]


class PollFeeds(beam.PTransform):
    """Every `interval` seconds, fetch every feed: unbounded (RawDocuments, fetch rejects, fetches)."""

    def __init__(self, feeds: list[Feed], interval: float) -> None:
        super().__init__()
        if not feeds:
            raise ValueError("PollFeeds needs at least one feed")
        self._feeds = list({f.url: f for f in feeds}.values())
        self._interval = interval

    def expand(self, pbegin: Any) -> Any:
        urls = [f.url for f in self._feeds]
        ticks = pbegin | "Tick" >> PeriodicImpulse(
            fire_interval=self._interval, apply_windowing=False
        )
        fetched = _fetch(ticks | "EveryFeed" >> beam.FlatMap(lambda _: urls), self._feeds, "stream")
        return fetched.documents, fetched[REJECTS], fetched[FETCHES]
