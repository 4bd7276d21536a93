"""The true streaming graph for cloud runners: poll -> fetch -> parse -> identify -> window -> dedup -> stages -> write.

Elements carry their publication time as event time and are written in fixed windows (one
firing per window when the watermark passes it; a late firing only for items within the
allowed lateness). An item older than the allowed lateness is not dropped: its event time is
clamped to the oldest time still accepted, and its partition date is still its publication day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.pvalue import PCollection
from apache_beam.transforms.deduplicate import DeduplicatePerKey
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.transforms.window import FixedWindows, TimestampedValue
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration
from nordwire.pipeline.graph.batch import Outputs, process, process_items
from nordwire.pipeline.graph.stages import REJECTS, AssignIds, ParseDocuments
from nordwire.pipeline.io.fetch import Fetcher
from nordwire.pipeline.io.sink import WriteTables
from nordwire.pipeline.runner import offline_dry_run
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.dates import parse_date


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


def event_time(item: Item, lateness: timedelta) -> datetime:
    """Publication time, or fetch time when unknown; never older than fetch time minus `lateness`."""
    published, _ = parse_date(item.published_raw, item.published_fallback)
    floor = item.fetched_at - lateness
    if published is None or published > item.fetched_at + timedelta(days=1):
        return item.fetched_at
    return max(published, floor)


def _timestamped(item: Item, lateness: timedelta) -> TimestampedValue:
    return TimestampedValue(item, event_time(item, lateness).timestamp())


def fixed_windows(window: timedelta, lateness: timedelta) -> beam.WindowInto:
    """The windows every streaming output is written in (items and rejects alike)."""
    return beam.WindowInto(
        FixedWindows(int(window.total_seconds())),
        allowed_lateness=Duration(seconds=int(lateness.total_seconds())),
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


class WindowAndDeduplicate(beam.PTransform):
    """Event time from publication, fixed windows, and each article_id once across polls."""

    def __init__(self, window: timedelta, lateness: timedelta, memory: timedelta) -> None:
        super().__init__()
        self._window, self._lateness, self._memory = window, lateness, memory

    def expand(self, items: PCollection) -> PCollection:
        return (
            items
            | "EventTime" >> beam.Map(_timestamped, self._lateness)
            | "FixedWindows" >> fixed_windows(self._window, self._lateness)
            | "KeyById"
            >> beam.Map(lambda item: (item.article_id, item)).with_output_types(KV[str, Any])
            | "DedupAcrossPolls"
            >> DeduplicatePerKey(
                processing_time_duration=Duration(seconds=int(self._memory.total_seconds()))
            )
            | "DropKey" >> beam.Values()
        )


def build_streaming(
    documents: PCollection,
    output: str,
    tz: ZoneInfo,
    *,
    window: timedelta = timedelta(minutes=5),
    lateness: timedelta = timedelta(hours=6),
    memory: timedelta = timedelta(days=7),
) -> Outputs:
    """The streaming face of the batch graph, from RawDocuments to windowed Parquet writes."""
    parsed = documents | "ParseDocuments" >> ParseDocuments()
    ids = parsed.items | "AssignIds" >> AssignIds()
    fresh = ids.items | "WindowAndDeduplicate" >> WindowAndDeduplicate(window, lateness, memory)
    articles, item_rejects = process_items(fresh, tz, grouped=True)
    early = (parsed[REJECTS], ids[REJECTS]) | "EarlyRejects" >> beam.Flatten()
    early_windowed = (
        early
        | "RejectTime" >> beam.Map(lambda r: TimestampedValue(r, r.fetched_at.timestamp()))
        | "RejectWindows" >> fixed_windows(window, lateness)
    )
    rejects = (early_windowed, item_rejects) | "AllRejects" >> beam.Flatten()
    written = (articles, rejects) | "WriteTables" >> WriteTables(output, tz, grouped=True)
    return Outputs(articles=articles, rejects=rejects, written=written)


def cloud_runner_or_fail(options: PipelineOptions, what: str) -> None:
    """These graphs are for cloud runners; locally `nordwire stream` polls in cycles."""
    if options.view_as(StandardOptions).runner in (
        None,
        "DirectRunner",
        "direct",
        "BundleBasedDirectRunner",
    ):
        raise ValueError(
            f"{what} builds the cloud graph and needs a cloud runner (--runner DataflowRunner or "
            "PortableRunner for Flink); on this machine `nordwire stream` without --streaming polls in cycles"
        )


def _cloud_pipeline(argv: list[str], what: str, *, streaming: bool) -> beam.Pipeline:
    options = PipelineOptions(argv)
    cloud_runner_or_fail(options, what)
    if streaming:
        options.view_as(StandardOptions).streaming = True
    offline_dry_run(options)
    return beam.Pipeline(options=options)


def poll_once_pipeline(
    urls: list[str], output: str, tz: ZoneInfo, argv: list[str]
) -> tuple[beam.Pipeline, Outputs]:
    """A bounded job that fetches every feed once and writes what is new (for Cloud Scheduler)."""
    pipeline = _cloud_pipeline(argv, "--once on a cloud runner", streaming=False)
    documents = (
        pipeline
        # Each feed once: the dedup below relies on (input, item_index) naming one item.
        | "FeedUrls" >> beam.Create(list(dict.fromkeys(urls)))
        | "SpreadFeeds" >> beam.Reshuffle()
        | "Fetch" >> beam.ParDo(_FetchFn())
    )
    articles, rejects = process(documents, tz)
    written = (articles, rejects) | "WriteTables" >> WriteTables(output, tz)
    return pipeline, Outputs(articles=articles, rejects=rejects, written=written)


def streaming_pipeline(
    urls: list[str],
    output: str,
    tz: ZoneInfo,
    argv: list[str],
    *,
    interval: float,
    window: timedelta,
) -> tuple[beam.Pipeline, Outputs]:
    """The streaming job on the runner named in `argv` (built, not run)."""
    pipeline = _cloud_pipeline(argv, "--streaming", streaming=True)
    documents = pipeline | "PollFeeds" >> PollFeeds(urls, interval)
    return pipeline, build_streaming(documents, output, tz, window=window)
