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

from schemas import PIPELINE_VERSION, articles, entities, quotes, rejects
from schemas.items import Item
from schemas.rejects import Reject
from schemas.topics import UNCLASSIFIED
from transforms.dates import OSLO, local_date
from transforms.partition import item_partition, partition_path

# table -> (schema, key column): a key already present in a date's partitions is never written again.
TABLES: dict[str, tuple[pa.Schema, str]] = {
    "articles": (articles.SCHEMA, "article_id"),
    "rejects": (rejects.SCHEMA, "reject_id"),
    "entities": (entities.SCHEMA, "entity_id"),
    "quotes": (quotes.SCHEMA, "quote_id"),
}
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
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer, compression="zstd")
    temp = FileSystems.join(directory, f".tmp-{uuid.uuid4().hex}")
    handle = FileSystems.create(
        temp, mime_type="application/octet-stream", compression_type=CompressionTypes.UNCOMPRESSED
    )
    try:
        try:
            handle.write(buffer.getvalue())
        finally:
            handle.close()
        FileSystems.rename([temp], [final])
    except Exception:
        # Disk full, permissions: leave nothing a query could read, then fail loudly.
        with contextlib.suppress(Exception):
            FileSystems.delete([temp])
        raise
    return final


class _WriteDayFn(beam.DoFn):
    """Writes one day's rows of every table; skips keys that earlier runs already wrote."""

    def __init__(self, output: str) -> None:
        self._output = output

    def process(self, element: tuple[str, Iterable[tuple[str, str, Row]]]) -> Iterator[str]:
        date, values = element
        groups: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
        for table, topic, row in values:
            groups[(table, topic)][row[TABLES[table][1]]] = row
        seen = {table: existing_keys(self._output, table, date) for table in {t for t, _ in groups}}
        for (table, topic), by_key in sorted(groups.items()):
            fresh = [row for k, row in by_key.items() if k not in seen[table]]
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
                    yield self._write(child_table, date, topic, child_rows)
            yield self._write(table, date, topic, fresh)
            if table == "rejects":
                for row in fresh:
                    Metrics.counter("write", f"rejects:{row['reason']}").inc()
            else:
                Metrics.counter("write", f"{table}:{topic}").inc(len(fresh))

    def _write(self, table: str, date: str, topic: str, rows: list[Row]) -> str:
        schema, key = TABLES[table]
        directory = FileSystems.join(self._output, table, *partition_path(date, topic).split("/"))
        return write_table(directory, rows, schema, key)


def _article_value(item: Item, tz: ZoneInfo) -> Keyed:
    date, topic = item_partition(item, tz)
    Metrics.counter("articles", topic).inc()
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
    """(articles, rejects) -> Parquet under output/<table>/date=.../topic=.../; yields file paths."""

    def __init__(self, output: str, tz: ZoneInfo = OSLO) -> None:
        super().__init__()
        if not output:
            raise ValueError("WriteTables needs an output folder")
        self._output = output
        self._tz = tz

    def expand(self, pcolls: tuple[Any, Any]) -> Any:
        items, reject_rows = pcolls
        keyed_articles = items | "ArticleRows" >> beam.Map(_article_value, self._tz)
        keyed_rejects = reject_rows | "RejectRows" >> beam.Map(_reject_value, self._tz)
        return (
            (keyed_articles, keyed_rejects)
            | "AllRows" >> beam.Flatten()
            | "GroupByDay" >> beam.GroupByKey()
            | "WriteDay" >> beam.ParDo(_WriteDayFn(self._output))
        )
