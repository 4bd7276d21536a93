"""Output edge: WriteTables commits articles (with their entities, quotes and revisions), rejects
and, for jobs that poll, the feeds' fetch log into the output's Delta tables, each story once in
its newest revision (pipeline/io/revise.py).

The two faces of the sink commit through the same code, `commit_rows`:
- bounded runs buffer rows per worker and commit every FLUSH_ROWS rows and at bundle end;
- windowed streams group each window's rows by day and commit each group once per firing
  (pane). A commit carries an application id derived from its rows, and for a firing from its
  window and pane index too (bundle.bundle_id), so a retried bundle or a firing that already
  landed is a no-op. The rows are part of the id because a runner that restarts from a
  checkpoint (Flink) fires the same pane again with what it fetched anew: skipping that by
  window and pane alone would lose it, while committing it is safe, every row being
  idempotent by its key and revision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue
from nordwire.pipeline.counting import tally
from nordwire.pipeline.io.bundle import FetchRow, Outcome, RejectRow, Story
from nordwire.pipeline.io.delta import Tables, borrow, give_back, release_memory
from nordwire.pipeline.io.revise import commit
from nordwire.pipeline.windowing import windowed
from nordwire.schemas import PIPELINE_VERSION, articles, entities, quotes
from nordwire.schemas.feeds import FeedFetch
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.dates import local_date
from nordwire.transforms.partition import item_partition
from nordwire.transforms.revisions import first_version

# Rows (articles or rejects; an article's entity and quote rows ride along) a worker buffers
# before a bounded run commits: it bounds the memory and sets how many commits a large run makes.
# Converting and writing a buffer costs about 0.3 MB a row at its peak (measured: 10,000 rows
# took a run to 3.9 GB, 2,000 to 1.4 GB, with ~0.7 GB of models), so the buffer is kept small.
FLUSH_ROWS = 2_000

Rows = Story | RejectRow | FetchRow
Keyed = tuple[str, Rows]  # day -> a story, a reject or a fetch


def story_of(item: Item, tz: ZoneInfo) -> Story:
    """A finished item as the rows the sink commits, in the item's first version."""
    day, topic = item_partition(item, tz)
    version = first_version(item)
    return Story(
        day=day,
        topic=topic,
        row=articles.to_row(item, PIPELINE_VERSION, version),
        entities=entities.to_rows(item, PIPELINE_VERSION, version.content_hash),
        quotes=quotes.to_rows(item, PIPELINE_VERSION, version.content_hash),
        version=version,
    )


def reject_of(reject: Reject, tz: ZoneInfo) -> RejectRow:
    """A reject as the row the sink commits, under the day it was fetched."""
    return RejectRow(local_date(reject.fetched_at, tz), reject.to_row(PIPELINE_VERSION))


def fetch_of(fetch: FeedFetch, tz: ZoneInfo) -> FetchRow:
    """A feed's fetch as the row the sink commits, under the day it was fetched."""
    return FetchRow(local_date(fetch.fetched_at, tz), fetch.to_row(PIPELINE_VERSION))


def commit_rows(tables: Tables, rows: Iterable[Rows], scope: str = "") -> Outcome:
    """Commit stories, rejects and fetches (one bundle, firing or poll); count what it did."""
    stories: list[Story] = []
    rejected: list[RejectRow] = []
    fetches: list[FetchRow] = []
    for row in rows:
        if isinstance(row, Story):
            stories.append(row)
        elif isinstance(row, RejectRow):
            rejected.append(row)
        else:
            fetches.append(row)
    out = commit(tables, stories, rejected, fetches, scope)
    release_memory()
    for topic, n in (out.new + out.revised).items():
        Metrics.counter("write", f"articles:{topic}").inc(n)
    if sum(out.revised.values()):
        Metrics.counter("write", "revisions:revised").inc(sum(out.revised.values()))
    if out.unchanged + out.older:
        Metrics.counter("write", "articles:already_present").inc(out.unchanged + out.older)
    for reason, n in out.rejects.items():
        Metrics.counter("write", f"rejects:{reason}").inc(n)
    if out.rejects_present:
        Metrics.counter("write", "rejects:already_present").inc(out.rejects_present)
    if out.fetches:
        Metrics.counter("write", "feeds:fetches").inc(out.fetches)
    if out.attempts > 1:
        Metrics.counter("write", "conflicts:retried").inc(out.attempts - 1)
    return out


def summary(out: Outcome) -> str:
    """One line per commit, the sink's output element."""
    return (
        f"{sum(out.new.values())} new, {sum(out.revised.values())} revised, "
        f"{out.unchanged + out.older} already present, {sum(out.rejects.values())} rejects"
        + (" (retried bundle)" if out.skipped else "")
    )


def written_counts(result: Any) -> tuple[Counter[str], Counter[str]]:
    """(articles by topic, rejects by reason) a finished run stored (new or revised rows only)."""
    stored: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    try:
        counters = result.metrics().query(MetricsFilter().with_namespace("write"))["counters"]
    except (NotImplementedError, AttributeError, KeyError):
        return stored, rejected
    for c in counters:
        table, _, name = c.key.metric.name.partition(":")
        if name == "already_present":
            continue
        if table == "articles":
            stored[name] += c.committed or 0
        elif table == "rejects":
            rejected[name] += c.committed or 0
    return stored, rejected


class _TablesFn(beam.DoFn):
    """A writer holding the output's tables for the worker's life: borrowed at setup from the
    process's pool (the poller runs a pipeline a cycle), given back at teardown."""

    def __init__(self, output: str) -> None:
        self._output = output
        self._tables: Tables | None = None

    def setup(self) -> None:
        self._tables = borrow(self._output)

    def teardown(self) -> None:
        if self._tables is not None:
            give_back(self._tables)
            self._tables = None


class _WriteDayFn(_TablesFn):
    """Windowed streams: commits one day's rows of one window firing (pane)."""

    def process(
        self,
        element: tuple[str, Iterable[Rows]],
        window: Any = beam.DoFn.WindowParam,
        pane: Any = beam.DoFn.PaneInfoParam,
    ) -> Iterator[str]:
        assert self._tables is not None
        day, rows = element
        scope = f"{window.start.micros}-{window.end.micros}/{pane.index}/{day}"
        yield summary(commit_rows(self._tables, rows, scope))


class _WriteBufferedFn(_TablesFn):
    """Bounded runs: buffers rows and commits every FLUSH_ROWS rows and at bundle end.

    Memory stays at one buffer however large the run. The tables are opened once per worker
    (kept for the process's next pipeline: the poller runs one a cycle) and brought up to
    date before each commit.
    """

    def __init__(self, output: str, flush_rows: int = FLUSH_ROWS) -> None:
        super().__init__(output)
        self._flush_rows = flush_rows
        self._buffer: list[Rows] = []

    def start_bundle(self) -> None:
        self._buffer = []

    def process(self, element: Keyed) -> Iterator[str]:
        self._buffer.append(element[1])
        if len(self._buffer) >= self._flush_rows:
            yield from self._flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for line in self._flush():
            yield GlobalWindows.windowed_value(line)

    def _flush(self) -> Iterator[str]:
        buffer, self._buffer = self._buffer, []
        if buffer:
            assert self._tables is not None
            yield summary(commit_rows(self._tables, buffer))


def _article_value(item: Item, tz: ZoneInfo) -> Keyed:
    story = story_of(item, tz)
    Metrics.counter("articles", story.topic).inc()  # made this run; `write` counts what landed
    tally("articles")
    return story.day, story


def _reject_value(reject: Reject, tz: ZoneInfo) -> Keyed:
    Metrics.counter("rejects", reject.reason).inc()
    row = reject_of(reject, tz)
    return row.day, row


def _fetch_value(fetch: FeedFetch, tz: ZoneInfo) -> Keyed:
    row = fetch_of(fetch, tz)
    return row.day, row


class WriteTables(beam.PTransform):
    """(articles, rejects[, fetches]) -> the Delta tables under output/<table>; yields one line
    per commit. Jobs that poll feeds pass their FeedFetch records as the third.

    In windows (a stream) each window's rows are grouped by day and committed once per firing;
    in the global window (bounded runs) rows are committed from a bounded buffer per worker.
    """

    def __init__(self, output: str, tz: ZoneInfo, *, flush_rows: int = FLUSH_ROWS) -> None:
        super().__init__()
        if not output:
            raise ValueError("WriteTables needs an output folder")
        self._output = output
        self._tz = tz
        self._flush_rows = flush_rows

    def expand(self, pcolls: tuple[Any, ...]) -> Any:
        items, reject_rows, *fetches = pcolls
        keyed_articles = items | "ArticleRows" >> beam.Map(_article_value, self._tz)
        keyed_rejects = reject_rows | "RejectRows" >> beam.Map(_reject_value, self._tz)
        kinds = [("Articles", keyed_articles), ("Rejects", keyed_rejects)]
        if fetches:
            kinds.append(("Fetches", fetches[0] | "FetchRows" >> beam.Map(_fetch_value, self._tz)))
        if windowed(items):
            return (
                [rows for _, rows in kinds]
                | "AllRows" >> beam.Flatten()
                | "GroupByDay" >> beam.GroupByKey()
                | "WriteDay" >> beam.ParDo(_WriteDayFn(self._output))
            )
        # One writer per kind and no Flatten before them: a local runner materialises a
        # Flatten's inputs, which would hold every article row of the run at once.
        written = [
            rows | f"Write{name}" >> beam.ParDo(_WriteBufferedFn(self._output, self._flush_rows))
            for name, rows in kinds
        ]
        return written | "Written" >> beam.Flatten()
