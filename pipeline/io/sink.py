"""Output edge: Parquet tables in Hive partitions, written idempotently through Beam FileSystems."""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue
from nordwire.pipeline.io.lock import write_lock
from nordwire.pipeline.progress import tally
from nordwire.pipeline.windowing import windowed
from nordwire.schemas import PIPELINE_VERSION, articles, entities, quotes, rejects
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.schemas.topics import UNCLASSIFIED
from nordwire.transforms.dates import local_date
from nordwire.transforms.partition import item_partition, partition_path

# table -> (schema, key column): a key already present is never written again. An article id
# is looked for under every date (a pubDate moved across midnight must not write the story
# twice); other keys under their own date, where their content puts them.
TABLES: dict[str, tuple[pa.Schema, str]] = {
    "articles": (articles.SCHEMA, "article_id"),
    "rejects": (rejects.SCHEMA, "reject_id"),
    "entities": (entities.SCHEMA, "entity_id"),
    "quotes": (quotes.SCHEMA, "quote_id"),
}
# Rows (articles or rejects; an article's entity and quote rows ride along) a worker buffers
# before a bounded run writes: it bounds the memory and sets how many files a large run makes.
FLUSH_ROWS = 10_000
ZSTD_MIN_ROWS = 100
# Entity and quote rows ride on their article's row and are written only when it is new.
_CHILDREN = "_children"
ACROSS_DATES = frozenset({"articles"})

Row = dict[str, Any]
Keyed = tuple[str, tuple[str, str, Row]]  # date -> (table, topic, row)


def existing_keys(output: str, table: str, date: str) -> set[str]:
    """Keys already written for this table and day (any day for articles), in any topic."""
    return read_keys(output, table, "*" if table in ACROSS_DATES else date)


def read_keys(output: str, table: str, date: str) -> set[str]:
    """Keys in the files of `table` under `date=<date>` (a glob), every topic."""
    key = TABLES[table][1]
    pattern = FileSystems.join(output, table, f"date={date}", "topic=*", "*.parquet")
    found: set[str] = set()
    for meta in FileSystems.match([pattern])[0].metadata_list:
        found.update(_file_keys(meta.path, meta.size_in_bytes, key))
    return found


# A file's name is the digest of its keys and files are only ever renamed into place, so a
# file's keys never change: a poller that checks article ids across every date each cycle
# reads each file once per process, not once per cycle. Bounded; cleared when full.
_KEY_CACHE: dict[tuple[str, int, str], frozenset[str]] = {}
_KEY_CACHE_FILES = 50_000


def _file_keys(path: str, size: int, key: str) -> frozenset[str]:
    cached = _KEY_CACHE.get((path, size, key))
    if cached is not None:
        return cached
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        data = handle.read()
    keys = frozenset(pq.read_table(pa.BufferReader(data), columns=[key]).column(key).to_pylist())
    if len(_KEY_CACHE) >= _KEY_CACHE_FILES:
        _KEY_CACHE.clear()
    _KEY_CACHE[(path, size, key)] = keys
    return keys


def written_counts(result: Any) -> tuple[Counter[str], Counter[str]]:
    """(articles by topic, rejects by reason) a finished run actually wrote (new rows only)."""
    articles: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    try:
        counters = result.metrics().query(MetricsFilter().with_namespace("write"))["counters"]
    except (NotImplementedError, AttributeError, KeyError):
        return articles, rejected
    for c in counters:
        table, _, name = c.key.metric.name.partition(":")
        if name == "already_present":
            continue
        if table == "articles":
            articles[name] += c.committed or 0
        elif table == "rejects":
            rejected[name] += c.committed or 0
    return articles, rejected


def write_table(directory: str, rows: list[Row], schema: pa.Schema, key: str) -> str:
    """Write rows as one zstd Parquet file named by their keys; atomic: temp file, then rename."""
    rows = sorted(rows, key=lambda r: r[key])
    digest = hashlib.sha256("\n".join(r[key] for r in rows).encode()).hexdigest()[:20]
    final = FileSystems.join(directory, f"part-{digest}.parquet")
    buffer = io.BytesIO()
    # zstd costs 0.8 ms more per file than snappy to set up (a context per column) and saves
    # nothing on a few rows; on large files it halves the size at the same speed.
    codec = "zstd" if len(rows) >= ZSTD_MIN_ROWS else "snappy"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer, compression=codec)
    write_atomically(
        final, buffer.getvalue(), FileSystems.join(directory, f".tmp-{uuid.uuid4().hex}")
    )
    return final


def write_atomically(final: str, data: bytes, temp: str) -> None:
    """Write `data` to `temp`, then rename it to `final`: readers never see a half file."""
    handle = FileSystems.create(
        temp, mime_type="application/octet-stream", compression_type=CompressionTypes.UNCOMPRESSED
    )
    try:
        try:
            handle.write(data)
        finally:
            handle.close()
        FileSystems.rename([temp], [final])
    except Exception:
        # Disk full, permissions: leave nothing a reader could take, then fail loudly.
        with contextlib.suppress(Exception):
            FileSystems.delete([temp])
        raise


def write_rows(
    output: str, date: str, values: Iterable[tuple[str, str, Row]], seen: dict[str, set[str]]
) -> Iterator[str]:
    """Write one day's (table, topic, row) values, skipping keys in `seen`.

    `seen` maps a scope (`articles` for every date, `<table>/<date>` otherwise) to keys on
    disk; a scope missing from it is read first, and keys written are added. Articles are
    written before their entity and quote rows, so a reader never meets a child without
    its article; an article found on disk in this same date gets its missing children
    written (a run that died between the two files). Yields the paths of the files written.
    """
    groups: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    for table, topic, row in values:
        groups[(table, topic)][row[TABLES[table][1]]] = row
    for (table, topic), by_key in sorted(groups.items()):
        present = _seen(output, table, date, seen)
        fresh = [row for k, row in by_key.items() if k not in present]
        skipped = [row for k, row in by_key.items() if k in present]
        if skipped:
            Metrics.counter("write", f"{table}:already_present").inc(len(skipped))
        if fresh:
            children = _children(fresh)
            yield _write(output, table, date, topic, fresh)
            present.update(row[TABLES[table][1]] for row in fresh)
            for child_table, child_rows in sorted(children.items()):
                if child_rows:
                    yield _write(output, child_table, date, topic, child_rows)
                    if f"{child_table}/{date}" in seen:  # loaded by a repair: keep it true
                        seen[f"{child_table}/{date}"].update(
                            r[TABLES[child_table][1]] for r in child_rows
                        )
            if table == "rejects":
                for row in fresh:
                    Metrics.counter("write", f"rejects:{row['reason']}").inc()
            else:
                Metrics.counter("write", f"{table}:{topic}").inc(len(fresh))
        if skipped and table == "articles":
            yield from _repair_children(output, date, topic, skipped, seen)


def _seen(output: str, table: str, date: str, seen: dict[str, set[str]]) -> set[str]:
    scope = table if table in ACROSS_DATES else f"{table}/{date}"
    if scope not in seen:
        seen[scope] = existing_keys(output, table, date)
    return seen[scope]


def _children(rows: list[Row]) -> dict[str, list[Row]]:
    children: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for child_table, child_rows in row.pop(_CHILDREN, {}).items():
            children[child_table].extend(child_rows)
    return children


def _repair_children(
    output: str, date: str, topic: str, skipped: list[Row], seen: dict[str, set[str]]
) -> Iterator[str]:
    """Children of articles already in this date's partitions that never reached the disk."""
    scope = f"articles@{date}"
    if scope not in seen:
        seen[scope] = read_keys(output, "articles", date)
    here = [row for row in skipped if row["article_id"] in seen[scope]]
    for child_table, child_rows in sorted(_children(here).items()):
        if not child_rows:
            continue
        key = TABLES[child_table][1]
        on_disk = _seen(output, child_table, date, seen)
        missing = [r for r in child_rows if r[key] not in on_disk]
        if missing:
            Metrics.counter("write", f"{child_table}:repaired").inc(len(missing))
            yield _write(output, child_table, date, topic, missing)
            on_disk.update(r[key] for r in missing)


def _write(output: str, table: str, date: str, topic: str, rows: list[Row]) -> str:
    schema, key = TABLES[table]
    directory = FileSystems.join(output, table, *partition_path(date, topic).split("/"))
    return write_table(directory, rows, schema, key)


class _WriteDayFn(beam.DoFn):
    """Writes one day's grouped rows of every table (windowed streams: one file set per window)."""

    def __init__(self, output: str) -> None:
        self._output = output

    def process(self, element: tuple[str, Iterable[tuple[str, str, Row]]]) -> Iterator[str]:
        date, values = element
        with write_lock(self._output):  # compaction never swaps a partition mid-write
            written = list(write_rows(self._output, date, values, {}))
        yield from written


class _WriteBufferedFn(beam.DoFn):
    """Bounded runs: buffers rows and writes them every FLUSH_ROWS rows and at bundle end.

    Memory stays at one buffer however large the run; each flush writes one file per
    partition it touches. Keys already on disk (read once per scope per bundle) or written
    in this bundle are skipped. The keys are read again for each bundle, so a retried bundle
    sees what its failed attempt wrote, wherever that ran, and adds nothing twice.
    """

    def __init__(self, output: str, flush_rows: int = FLUSH_ROWS) -> None:
        self._output = output
        self._flush_rows = flush_rows
        self._seen: dict[str, set[str]] = {}  # scope -> keys (see write_rows)
        self._buffer: dict[str, list[tuple[str, str, Row]]] = defaultdict(list)
        self._count = 0

    def start_bundle(self) -> None:
        self._buffer, self._count, self._seen = defaultdict(list), 0, {}

    def process(self, element: Keyed) -> Iterator[str]:
        date, value = element
        self._buffer[date].append(value)
        self._count += 1
        if self._count >= self._flush_rows:
            yield from self._flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for path in self._flush():
            yield GlobalWindows.windowed_value(path)

    def _flush(self) -> Iterator[str]:
        buffer, self._buffer, self._count = self._buffer, defaultdict(list), 0
        written: list[str] = []
        with write_lock(self._output):  # compaction never swaps a partition mid-write
            for date, values in sorted(buffer.items()):
                written += write_rows(self._output, date, values, self._seen)
        yield from written


def _article_value(item: Item, tz: ZoneInfo) -> Keyed:
    date, topic = item_partition(item, tz)
    Metrics.counter("articles", topic).inc()  # made this run; `write` counts the new ones
    tally("articles")
    row = articles.to_row(item, PIPELINE_VERSION)
    row[_CHILDREN] = {
        "entities": entities.to_rows(item, PIPELINE_VERSION),
        "quotes": quotes.to_rows(item, PIPELINE_VERSION),
    }
    return date, ("articles", topic, row)


def _reject_value(reject: Reject, tz: ZoneInfo) -> Keyed:
    Metrics.counter("rejects", reject.reason).inc()
    return local_date(reject.fetched_at, tz), (
        "rejects",
        UNCLASSIFIED,
        reject.to_row(PIPELINE_VERSION),
    )


class WriteTables(beam.PTransform):
    """(articles, rejects) -> Parquet under output/<table>/date=.../topic=.../; yields file paths.

    In windows (a stream) each window's rows are grouped by day and written as one file per
    partition per window; in the global window (bounded runs) rows are written from a bounded
    buffer per worker.
    """

    def __init__(self, output: str, tz: ZoneInfo, *, flush_rows: int = FLUSH_ROWS) -> None:
        super().__init__()
        if not output:
            raise ValueError("WriteTables needs an output folder")
        self._output = output
        self._tz = tz
        self._flush_rows = flush_rows

    def expand(self, pcolls: tuple[Any, Any]) -> Any:
        items, reject_rows = pcolls
        keyed_articles = items | "ArticleRows" >> beam.Map(_article_value, self._tz)
        keyed_rejects = reject_rows | "RejectRows" >> beam.Map(_reject_value, self._tz)
        if windowed(items):
            return (
                (keyed_articles, keyed_rejects)
                | "AllRows" >> beam.Flatten()
                | "GroupByDay" >> beam.GroupByKey()
                | "WriteDay" >> beam.ParDo(_WriteDayFn(self._output))
            )
        # One writer per table and no Flatten before them: a local runner materialises a
        # Flatten's inputs, which would hold every article row of the run at once.
        written = [
            rows | f"Write{name}" >> beam.ParDo(_WriteBufferedFn(self._output, self._flush_rows))
            for name, rows in (("Articles", keyed_articles), ("Rejects", keyed_rejects))
        ]
        return written | "Written" >> beam.Flatten()
