"""Output edge: Parquet tables in Hive partitions, written idempotently through Beam FileSystems."""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue
from nordwire.pipeline.progress import tally
from nordwire.pipeline.windowing import windowed
from nordwire.pipeline.writelock import write_lock
from nordwire.schemas import PIPELINE_VERSION, articles, entities, quotes, rejects
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.schemas.topics import UNCLASSIFIED
from nordwire.transforms.dates import local_date
from nordwire.transforms.partition import item_partition, partition_path

# table -> (schema, key column): a key already present in a date's partitions is never written again.
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

Row = dict[str, Any]
Keyed = tuple[str, tuple[str, str, Row]]  # date -> (table, topic, row)


def existing_keys(output: str, table: str, date: str) -> set[str]:
    """Keys already written for this table and day, in any topic partition."""
    key = TABLES[table][1]
    pattern = FileSystems.join(output, table, f"date={date}", "topic=*", "*.parquet")
    found: set[str] = set()
    for meta in FileSystems.match([pattern])[0].metadata_list:
        with FileSystems.open(meta.path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            data = handle.read()
        found.update(pq.read_table(pa.BufferReader(data), columns=[key]).column(key).to_pylist())
    return found


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
    """Write one day's (table, topic, row) values, skipping keys in `seen` (table -> keys).

    A table missing from `seen` has its keys on disk read first; keys written are added to
    `seen`. Yields the paths of the files written.
    """
    groups: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    for table, topic, row in values:
        groups[(table, topic)][row[TABLES[table][1]]] = row
    for (table, topic), by_key in sorted(groups.items()):
        if table not in seen:
            seen[table] = existing_keys(output, table, date)
        present = seen[table]
        fresh = [row for k, row in by_key.items() if k not in present]
        skipped = len(by_key) - len(fresh)
        if skipped:
            Metrics.counter("write", f"{table}:already_present").inc(skipped)
        if not fresh:
            continue
        # Children first: if the run dies before the article file, a re-run writes the same
        # child files again (same keys, same names) instead of leaving orphans or duplicates.
        children: dict[str, list[Row]] = defaultdict(list)
        for row in fresh:
            for child_table, child_rows in row.pop(_CHILDREN, {}).items():
                children[child_table].extend(child_rows)
        for child_table, child_rows in sorted(children.items()):
            if child_rows:
                yield _write(output, child_table, date, topic, child_rows)
        yield _write(output, table, date, topic, fresh)
        present.update(by_key)
        if table == "rejects":
            for row in fresh:
                Metrics.counter("write", f"rejects:{row['reason']}").inc()
        else:
            Metrics.counter("write", f"{table}:{topic}").inc(len(fresh))


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
    partition it touches. Keys already on disk (read once per day per bundle) or written in
    this bundle are skipped. The keys are read again for each bundle, so a retried bundle
    sees what its failed attempt wrote, wherever that ran, and adds nothing twice.
    """

    def __init__(self, output: str, flush_rows: int = FLUSH_ROWS) -> None:
        self._output = output
        self._flush_rows = flush_rows
        self._seen: dict[str, dict[str, set[str]]] = {}  # date -> table -> keys
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
                written += write_rows(self._output, date, values, self._seen.setdefault(date, {}))
        yield from written


def _article_value(item: Item, tz: ZoneInfo) -> Keyed:
    date, topic = item_partition(item, tz)
    Metrics.counter("articles", topic).inc()
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
