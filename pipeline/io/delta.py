"""The output's Delta Lake tables: open once, read partitions, commit with application transactions.

Every table is `OUTPUT/<table>`: Parquet files in Hive folders (`date=D/topic=T/`) plus the
`_delta_log` transaction log, written and read through `deltalake` (delta-rs), on a local folder
or an object store (`gs://`, `s3://`: credentials from the environment, as delta-rs reads them).

Two kinds of application transaction (Delta's `txn` action) ride on each commit:
- the bundle's: `nordwire-<digest of the rows in hand>`, so a retried Beam bundle, window or
  poll that already committed is recognised and skipped (`Table.committed`);
- one per day the commit read or wrote, `nordwire-day-<date>`: Delta fails a commit whose app
  ids a concurrent commit also set, so two writers that looked at the same days cannot both
  add the same story: the later one gets CommitFailedError and starts over (see revise.py).
Both expire after SET_TXN_RETENTION (they carry their time), so the log does not keep them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.io.filesystems import FileSystems
from deltalake import CommitProperties, DeltaTable, Transaction, WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from nordwire.schemas import articles, entities, feeds, quotes, rejects, revisions
from nordwire.schemas.columns import partitions_of, with_partitions

# Bundle and day transactions older than this are dropped from the log's state: retries of a
# Beam bundle or a poll come within minutes, and rows are idempotent by key anyway.
SET_TXN_RETENTION = "interval 2 days"
# Files a commit replaced stay this long for time travel and for readers of an older snapshot;
# `nordwire compact` deletes them after (Delta's own default, 7 days).
DELETED_FILE_RETENTION_HOURS = 168
LOG_RETENTION = "interval 30 days"

# table -> (schema, row key, columns Delta keeps min/max statistics for). Statistics on one
# small column at most: every commit and every open replays them from the log (a long text
# column's would make that grow with the table), and a date partition already narrows reads
# by time. Row counts are kept for every file.
TABLES: dict[str, tuple[pa.Schema, str, str]] = {
    "articles": (articles.SCHEMA, "article_id", "published_at"),
    "entities": (entities.SCHEMA, "entity_id", ""),
    "quotes": (quotes.SCHEMA, "quote_id", ""),
    "revisions": (revisions.SCHEMA, "article_id", "seen_at"),
    "rejects": (rejects.SCHEMA, "reject_id", "fetched_at"),
    "feeds": (feeds.SCHEMA, "fetch_id", "fetched_at"),
}
WRITER = WriterProperties(compression="ZSTD")
APP_PREFIX = "nordwire-"


class PlainParquetOutput(RuntimeError):
    """The output holds tables written by an older nordwire (Parquet without a Delta log)."""


def is_remote(output: str) -> bool:
    """Whether the output is a URI (gs://, s3://, file://) that delta-rs's object stores open,
    rather than a folder name."""
    return "://" in output


def table_uri(output: str, table: str) -> str:
    """Where a table lives: OUTPUT/<table>."""
    if is_remote(output):
        return output.rstrip("/") + "/" + table
    return FileSystems.join(output, table)


def physical_schema(table: str) -> pa.Schema:
    """The table's schema as Delta stores it: the file columns, then its partition columns."""
    return with_partitions(TABLES[table][0])


def partition_columns(table: str) -> list[str]:
    """The table's Hive partition columns, in path order."""
    return list(partitions_of(TABLES[table][0]))


def configuration(table: str) -> dict[str, str | None]:
    """The Delta table properties a new table is created with."""
    stats = TABLES[table][2]
    return {
        **(
            {"delta.dataSkippingStatsColumns": stats}
            if stats
            else {"delta.dataSkippingNumIndexedCols": "0"}
        ),
        "delta.setTransactionRetentionDuration": SET_TXN_RETENTION,
        "delta.deletedFileRetentionDuration": f"interval {DELETED_FILE_RETENTION_HOURS} hours",
        "delta.logRetentionDuration": LOG_RETENTION,
    }


def check_not_plain(output: str) -> None:
    """Raise PlainParquetOutput when a table holds Parquet files but no Delta log."""
    for table in TABLES:
        root = table_uri(output, table)
        try:
            data, log = FileSystems.match(
                [f"{root}/date=*/*/*.parquet", f"{root}/_delta_log/*.json"], limits=[1, 1]
            )
        except ValueError:  # a store only delta-rs reads (file://): nordwire never wrote it plain
            return
        if data.metadata_list and not log.metadata_list:
            raise PlainParquetOutput(
                f"{output!r} holds tables written by an older nordwire (Parquet without a "
                f"Delta log); convert them once with `nordwire migrate --output {output}`"
            )


def quoted(values: Iterable[str]) -> str:
    """Values as a SQL list: 'a', 'b' (quotes doubled)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def day_app_id(day: str) -> str:
    """The application id that makes two commits touching one day conflict."""
    return f"{APP_PREFIX}day-{day}"


class Table:
    """One Delta table of an output, opened once and brought up to date before each use."""

    def __init__(self, output: str, name: str) -> None:
        self.output = output
        self.name = name
        self.uri = table_uri(output, name)
        self.key = TABLES[name][1]
        self.schema = physical_schema(name)
        self._handle: DeltaTable | None = None

    def handle(self) -> DeltaTable | None:
        """The table at its newest version; None while nothing has been written to it."""
        if self._handle is None:
            try:
                self._handle = DeltaTable(self.uri)
            except TableNotFoundError:
                return None
        else:
            self._handle.update_incremental()
        return self._handle

    def read(
        self,
        days: Iterable[str],
        columns: Sequence[str],
        ids: Iterable[str] | None = None,
        id_column: str | None = None,
    ) -> pa.Table:
        """Rows of these days' partitions (only), optionally only those whose id is in `ids`."""
        wanted_days = sorted(set(days))
        handle = self._handle  # read what the caller's last handle() saw, not newer
        if handle is None or not wanted_days:
            return self.schema.empty_table().select(list(columns))
        dataset = handle.to_pyarrow_dataset(
            file_pruning_predicate=f"date IN ({quoted(wanted_days)})"
        )
        condition = None
        if ids is not None:
            condition = pc.field(id_column or self.key).isin(
                pa.array(sorted(set(ids)), pa.string())
            )
        return dataset.to_table(columns=list(columns), filter=condition)

    def committed(self, app_id: str) -> bool:
        """Whether a commit carrying this bundle's application id is already in the table."""
        handle = self._handle
        return handle is not None and handle.transaction_version(app_id) is not None

    @staticmethod
    def _transactions(app_id: str | None, days: Iterable[str]) -> list[Transaction]:
        # A day's version is the commit time in milliseconds: it increases without reading the
        # previous one (the conflict check looks at the app id, not at the version).
        now = int(time.time() * 1000)
        txns = [Transaction(app_id=app_id, version=1, last_updated=now)] if app_id else []
        txns += [
            Transaction(app_id=day_app_id(day), version=now, last_updated=now)
            for day in sorted(set(days))
        ]
        return txns

    def write(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        app_id: str | None,
        days: Iterable[str],
        replace: str | None = None,
    ) -> None:
        """Commit `rows` (partition columns included) in one transaction.

        `replace` is a predicate: rows it matches are removed in the same commit (a story's
        previous revision); without it the rows are appended. `app_id`, the bundle's id, goes
        on the commit that completes the bundle's work in this table (see `committed`). `days` are the days this commit
        depends on (read or written): a concurrent commit on one of them fails this one with
        CommitFailedError. The schema merges: a column added to a table's declaration is added
        to the Delta table (older rows read it as NULL).
        """
        data = pa.Table.from_pylist(list(rows), schema=self.schema)
        properties = CommitProperties(app_transactions=self._transactions(app_id, days))
        handle = self._handle
        target: DeltaTable | str = handle if handle is not None else self.uri
        common: dict[str, Any] = {
            "partition_by": partition_columns(self.name),
            "schema_mode": "merge",
            "configuration": configuration(self.name) if handle is None else None,
            "writer_properties": WRITER,
            "commit_properties": properties,
        }
        if replace:
            write_deltalake(target, data, mode="overwrite", predicate=replace, **common)
        else:
            write_deltalake(target, data, mode="append", **common)
        if handle is None:
            self._handle = None  # created now: open it at the next use

    def delete(self, predicate: str, *, app_id: str | None, days: Iterable[str]) -> None:
        """Delete the rows `predicate` matches, in one transaction (see `write` for `days`)."""
        handle = self._handle
        if handle is None:
            return
        handle.delete(
            predicate,
            writer_properties=WRITER,
            commit_properties=CommitProperties(app_transactions=self._transactions(app_id, days)),
        )


class Tables:
    """The five tables of one output, each opened on first use (a writer keeps one of these)."""

    def __init__(self, output: str) -> None:
        check_not_plain(output)
        self.output = output
        self.tables = {name: Table(output, name) for name in TABLES}

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def refresh(self, names: Iterable[str]) -> None:
        """Bring these tables to their newest version (open them if they exist now).

        Opening replays each table's log (its cost grows with the table's files): the tables
        are opened side by side, delta-rs doing the work outside the GIL.
        """
        wanted = [self.tables[name] for name in names]
        with ThreadPoolExecutor(max_workers=len(wanted) or 1) as pool:
            list(pool.map(Table.handle, wanted))


def as_date(day: str) -> date:
    """A partition value `YYYY-MM-DD` as the date the `date` column holds."""
    return date.fromisoformat(day)


__all__ = ["CommitFailedError", "Table", "Tables", "as_date", "table_uri"]
