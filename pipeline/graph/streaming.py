"""The true streaming graph for cloud runners: poll -> fetch -> parse -> identify -> dedup -> stages -> window -> write.

Every element carries its fetch time as event time, and the poll source's watermark follows
its ticks, which come before each fetch: nothing is late on a healthy runner, and no time is
clamped. The dedup runs before the stages, in the global window, with keyed state per
article id: a copy is processed only when it is a new story or a newer revision of one
(changed content, and newer by the document's clock: `transforms/revisions.py`, the rule the
batch job, the poller and the sink use); every other copy is a `duplicate` reject. An event-time timer forgets an id `--dedup-days` after it was last seen.
Articles and rejects are then written in fixed windows of fetch time with explicit triggers
(`windowing.fetch_windows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection, TaggedOutput
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.batch import Outputs, analyse
from nordwire.pipeline.graph.stages import AssignIds, ParseDocuments
from nordwire.pipeline.io.feed_sources import PollFeeds
from nordwire.pipeline.io.sink import WriteTables
from nordwire.pipeline.windowing import fetch_windows
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import REJECTS
from nordwire.transforms.revisions import duplicate_of, newest_first, raw_digest

# (newest_first key of the kept copy, its raw digest): what the dedup remembers per story. The
# key's last two members are the copy's input and item index.
Kept = tuple[tuple[Any, ...], str]
_KEPT = ReadModifyWriteStateSpec("kept", PickleCoder())
_FORGET = TimerSpec("forget", TimeDomain.WATERMARK)
_KEPT_STATE = beam.DoFn.StateParam(_KEPT)
_FORGET_TIMER = beam.DoFn.TimerParam(_FORGET)


class _NewestRevisionFn(beam.DoFn):
    """(article_id, item) -> the item when it is new or a newer revision; else a duplicate reject.

    A copy is a newer revision when its content differs from the kept copy's (the feed's raw
    fields: an unchanged re-poll is never a revision, even when the clock falls back to the
    fetch time, which moves at every poll) and it is newer by the document's clock
    (`newest_first`). State per id is the copy last let through; an event-time timer `memory`
    after the id was last seen clears it. Keyed state is part of the runner's checkpoints, so
    a restarted job neither forgets what it let through nor lets a copy through twice.
    """

    def __init__(self, memory: timedelta) -> None:
        self._memory = Duration(seconds=int(memory.total_seconds()))
        self._new = Metrics.counter("dedup", "new")
        self._revisions = Metrics.counter("dedup", "revision")
        self._dupes = Metrics.counter("dedup", "duplicate")

    def process(
        self,
        element: tuple[str, Item],
        timestamp: Any = beam.DoFn.TimestampParam,
        kept_state: Any = _KEPT_STATE,
        forget: Any = _FORGET_TIMER,
    ) -> Iterator[Any]:
        _, item = element
        forget.set(timestamp + self._memory)  # remembered for --dedup-days after the last sighting
        kept: Kept | None = kept_state.read()
        key, digest = newest_first(item), raw_digest(item)
        if kept is not None and (digest == kept[1] or not key < kept[0]):
            self._dupes.inc()
            yield TaggedOutput(REJECTS, duplicate_of(item, kept[0][-2], kept[0][-1]))
            return
        (self._new if kept is None else self._revisions).inc()
        kept_state.write((key, digest))
        yield item

    @on_timer(_FORGET)
    def _forget(self, kept_state: Any = _KEPT_STATE) -> None:
        kept_state.clear()


class KeepNewestRevision(beam.PTransform):
    """Each story once across polls, and again only for a newer revision: main output `items`,
    `duplicate` rejects in `rejects`. Runs in the global window, before any stage's work."""

    def __init__(self, memory: timedelta) -> None:
        super().__init__()
        self._memory = memory

    def expand(self, items: PCollection) -> Any:
        return (
            items
            | "KeyById"
            >> beam.Map(lambda item: (item.article_id or "", item)).with_output_types(KV[str, Any])
            | "NewestRevision"
            >> beam.ParDo(_NewestRevisionFn(self._memory)).with_outputs(REJECTS, main="items")
        )


def early_firing(config: JobConfig) -> timedelta:
    """How often an open window writes what it has: after each poll, at most once a window."""
    return min(timedelta(seconds=config.interval), config.window)


def stream_stages(
    documents: PCollection,
    config: JobConfig,
    fetch_rejects: PCollection | None = None,
    fetches: PCollection | None = None,
) -> Outputs:
    """The streaming face of the batch graph, from fetch-timestamped RawDocuments to windowed
    writes (with the feeds' fetch log, when the documents come from PollFeeds)."""
    tz = config.timezone
    parsed = documents | "ParseDocuments" >> ParseDocuments()
    ids = parsed.items | "AssignIds" >> AssignIds()
    fresh = ids.items | "KeepNewestRevision" >> KeepNewestRevision(config.dedup_memory)
    articles, stage_rejects = analyse(fresh.items, tz)
    everything = [parsed[REJECTS], ids[REJECTS], fresh[REJECTS], *stage_rejects]
    if fetch_rejects is not None:
        everything.insert(0, fetch_rejects)
    rejects = everything | "AllRejects" >> beam.Flatten()
    windows = fetch_windows(config.window, early_firing(config), config.lateness)
    articles = articles | "ArticleWindows" >> windows
    rejects = rejects | "RejectWindows" >> windows
    logged = () if fetches is None else (fetches | "FetchWindows" >> windows,)
    written = (articles, rejects, *logged) | "WriteTables" >> WriteTables(config.output, tz)
    return Outputs(articles=articles, rejects=rejects, written=written)


def build_streaming(p: beam.Pipeline, config: JobConfig) -> Outputs:
    """Add the unbounded graph to `p`: poll every feed each interval, then the stages."""
    documents, fetch_rejects, fetches = p | "PollFeeds" >> PollFeeds(
        list(config.feeds), config.interval
    )
    return stream_stages(documents, config, fetch_rejects, fetches)
