"""The true streaming graph for cloud runners: poll -> fetch -> parse -> identify -> window -> dedup -> stages -> write.

Elements carry their publication time as event time and are written in fixed windows (one
firing per window when the watermark passes it; a late firing only for items within the
allowed lateness). An item older than the allowed lateness is not dropped: its event time is
clamped to the oldest time still accepted, and its partition date is still its publication day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.pvalue import PCollection
from apache_beam.transforms.deduplicate import DeduplicatePerKey
from apache_beam.transforms.window import TimestampedValue
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.batch import Outputs, process_items
from nordwire.pipeline.graph.stages import REJECTS, AssignIds, ParseDocuments
from nordwire.pipeline.io.feed_sources import PollFeeds
from nordwire.pipeline.io.sink import WriteTables
from nordwire.pipeline.windowing import fixed_windows
from nordwire.schemas.items import Item
from nordwire.transforms.extract.metadata import best_date


def event_time(item: Item, lateness: timedelta, tz: ZoneInfo) -> datetime:
    """Publication time, or fetch time when unknown; never older than fetch time minus `lateness`."""
    # The same chain as the articles table's published_at: an undated item is at its fetch time.
    published, _, _ = best_date(item, tz)
    if published is None:
        return item.fetched_at
    return max(published, item.fetched_at - lateness)


def _timestamped(item: Item, lateness: timedelta, tz: ZoneInfo) -> TimestampedValue:
    return TimestampedValue(item, event_time(item, lateness, tz).timestamp())


class WindowAndDeduplicate(beam.PTransform):
    """Event time from publication, fixed windows, and each article_id once across polls."""

    def __init__(
        self, window: timedelta, lateness: timedelta, memory: timedelta, tz: ZoneInfo
    ) -> None:
        super().__init__()
        self._window, self._lateness, self._memory, self._tz = window, lateness, memory, tz

    def expand(self, items: PCollection) -> PCollection:
        return (
            items
            | "EventTime" >> beam.Map(_timestamped, self._lateness, self._tz)
            | "FixedWindows" >> fixed_windows(self._window, self._lateness)
            | "KeyById"
            >> beam.Map(lambda item: (item.article_id, item)).with_output_types(KV[str, Any])
            | "DedupAcrossPolls"
            >> DeduplicatePerKey(
                processing_time_duration=Duration(seconds=int(self._memory.total_seconds()))
            )
            | "DropKey" >> beam.Values()
        )


def stream_stages(documents: PCollection, config: JobConfig) -> Outputs:
    """The streaming face of the batch graph, from RawDocuments to windowed Parquet writes."""
    tz = config.timezone
    parsed = documents | "ParseDocuments" >> ParseDocuments()
    ids = parsed.items | "AssignIds" >> AssignIds()
    fresh = ids.items | "WindowAndDeduplicate" >> WindowAndDeduplicate(
        config.window, config.lateness, config.dedup_memory, tz
    )
    articles, item_rejects = process_items(fresh, tz)
    early = (parsed[REJECTS], ids[REJECTS]) | "EarlyRejects" >> beam.Flatten()
    early_windowed = (
        early
        | "RejectTime" >> beam.Map(lambda r: TimestampedValue(r, r.fetched_at.timestamp()))
        | "RejectWindows" >> fixed_windows(config.window, config.lateness)
    )
    rejects = (early_windowed, item_rejects) | "AllRejects" >> beam.Flatten()
    written = (articles, rejects) | "WriteTables" >> WriteTables(config.output, tz)
    return Outputs(articles=articles, rejects=rejects, written=written)


def build_streaming(p: beam.Pipeline, config: JobConfig) -> Outputs:
    """Add the unbounded graph to `p`: poll every feed each interval, then the stages."""
    documents = p | "PollFeeds" >> PollFeeds(config.feed_urls, config.interval)
    return stream_stages(documents, config)
