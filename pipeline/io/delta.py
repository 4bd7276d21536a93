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

import ctypes
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import (
    CommitProperties,
    DeltaTable,
    PostCommitHookProperties,
    Transaction,
    WriterProperties,
    write_deltalake,
)
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from nordwire.pipeline.io.location import PLAIN_PATTERNS, is_remote, plain_output, table_uri
from nordwire.schemas.columns import partitions_of, with_partitions
from nordwire.schemas.tables import TABLES

# Bundle and day transactions older than this are dropped from the log's state: retries of a
# Beam bundle or a poll come within minutes, and rows are idempotent by key anyway.
SET_TXN_RETENTION = "interval 2 days"
# Files a commit replaced stay this long for time travel and for readers of an older snapshot;
# `nordwire compact` deletes them after (Delta's own default, 7 days).
DELETED_FILE_RETENTION_HOURS = 168
# Log entries (and checkpoints) older than this are deleted by `nordwire compact` (and the
# poller's roll), never by a writer's commit: delta-rs would list the whole `_delta_log` folder
# after every commit to look for them. Time travel reaches no further back than the files do.
LOG_RETENTION = f"interval {DELETED_FILE_RETENTION_HOURS // 24} days"
# A checkpoint every this many commits (Delta's default, written explicitly): opening a table
# reads the newest checkpoint and the commits after it, never the whole log.
CHECKPOINT_INTERVAL = 100
# Writers keep Delta's checkpoint every CHECKPOINT_INTERVAL commits but leave the log cleanup
# to `compact`.
POST_COMMIT = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)

WRITER = WriterProperties(compression="ZSTD")
APP_PREFIX = "nordwire-"


@cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to trim
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Give the heap pages a commit freed back to the system (glibc; elsewhere a no-op).

    delta-rs and Arrow encode from several threads, and glibc keeps what they free in its
    arenas: a batch writer grew by about 30 MB a commit (330 MB over 5,000 articles in 1,000-row
    commits) and kept it; trimming after each commit holds it level.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def physical_schema(table: str) -> pa.Schema:
    """The table's schema as Delta stores it: the file columns, then its partition columns."""
    return with_partitions(TABLES[table].schema)


def partition_columns(table: str) -> list[str]:
    """The table's Hive partition columns, in path order."""
    return list(partitions_of(TABLES[table].schema))


def configuration(table: str) -> dict[str, str | None]:
    """The Delta table properties a new table is created with."""
    # Statistics on one small column at most (the registry's `stats`); row counts for every file.
    stats = TABLES[table].stats
    return {
        **(
            {"delta.dataSkippingStatsColumns": stats}
            if stats
            else {"delta.dataSkippingNumIndexedCols": "0"}
        ),
        "delta.setTransactionRetentionDuration": SET_TXN_RETENTION,
        "delta.deletedFileRetentionDuration": f"interval {DELETED_FILE_RETENTION_HOURS} hours",
        "delta.logRetentionDuration": LOG_RETENTION,
        "delta.checkpointInterval": str(CHECKPOINT_INTERVAL),
    }


def check_not_plain(output: str) -> None:
    """Raise PlainParquetOutput when a table holds Parquet files but no Delta log."""
    # Imported here: pipeline/read/query.py checks a local output itself, without Beam.
    from apache_beam.io.filesystems import FileSystems

    for table in TABLES:
        root = table_uri(output, table)
        try:
            data, log = FileSystems.match([root + p for p in PLAIN_PATTERNS], limits=[1, 1])
        except ValueError:  # a store only delta-rs reads (file://): nordwire never wrote it plain
            return
        if data.metadata_list and not log.metadata_list:
            raise plain_output(output)


def quoted(values: Iterable[str]) -> str:
    """Values as a SQL list: 'a', 'b' (quotes doubled)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def day_app_id(day: str) -> str:
    """The application id that makes two commits touching one day conflict."""
    return f"{APP_PREFIX}day-{day}"


def _exists(path: str) -> bool:
    """A file test through Beam's filesystems, imported here so reading commands stay Beam-free."""
    from apache_beam.io.filesystems import FileSystems

    return bool(FileSystems.exists(path))


class Table:
    """One Delta table of an output, opened once and brought up to date before each use."""

    def __init__(self, output: str, name: str) -> None:
        self.output = output
        self.name = name
        self.uri = table_uri(output, name)
        self.key = TABLES[name].key
        self.schema = physical_schema(name)
        self._handle: DeltaTable | None = None

    def handle(self) -> DeltaTable | None:
        """The table at its newest version; None while nothing has been written to it."""
        if self._handle is not None and self._expired(self._handle):
            self._handle = None
        if self._handle is None:
            try:
                self._handle = DeltaTable(self.uri)
            except TableNotFoundError:
                return None
        elif self._behind(self._handle):
            self._handle.update_incremental()
        return self._handle

    def _behind(self, handle: DeltaTable) -> bool:
        """Whether a commit follows the version the handle holds.

        Delta writes version N+1 as `_delta_log/<N+1>.json`, created only if absent and only
        after N: on a folder, one file test answers what update_incremental answers by listing
        the whole `_delta_log` (its cost grows with the log). An object store lists from the
        version on, which is one request anyway.
        """
        if is_remote(self.output):
            return True
        return _exists(self._entry(handle.version() + 1))

    def _expired(self, handle: DeltaTable) -> bool:
        """Whether the handle's own log entry is gone: a handle kept longer than the log
        retention (compact deleted the entries after it too), or a table deleted under it.
        It is opened again then, from the newest checkpoint."""
        return not is_remote(self.output) and not _exists(self._entry(handle.version()))

    def _entry(self, version: int) -> str:
        return f"{self.uri.rstrip('/')}/_delta_log/{version:020d}.json"

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
        dataset = self._dataset(handle, f"date IN ({quoted(wanted_days)})")
        if ids is None:
            return dataset.to_table(columns=list(columns))
        key = id_column or self.key
        found = dataset.to_table(columns=list(dict.fromkeys([*columns, key])))
        # Filtered after the scan, not pushed into it: files `compact` rewrote hold their
        # strings as string_view, which a pushed-down comparison with a string value set
        # cannot bind (pyarrow raises ArrowNotImplementedError). The ids are random, so a
        # pushed filter prunes nothing anyway.
        wanted = pc.is_in(
            found.column(key).cast(pa.string()),
            value_set=pa.array(sorted(set(ids)), pa.string()),
        )
        return found.filter(wanted).select(list(columns))

    def _dataset(self, handle: DeltaTable, predicate: str) -> ds.Dataset:
        """The files of the partitions `predicate` names, as a pyarrow dataset.

        deltalake's own dataset first sizes every file of the table (a dict of all of them, on
        each read): on a folder the few files named are opened directly instead.
        """
        if is_remote(self.output):
            return handle.to_pyarrow_dataset(file_pruning_predicate=predicate)
        schema = pa.schema(handle.schema().to_arrow())
        paths = handle.file_uris(file_pruning_predicate=predicate)
        if not paths:
            return ds.dataset([], schema=schema, format="parquet")
        hive = pa.schema([schema.field(c) for c in partition_columns(self.name)])
        return ds.dataset(
            paths,
            schema=schema,
            format="parquet",
            partitioning=ds.partitioning(hive, flavor="hive"),
            # The table's folder as delta-rs names it: what precedes the partition folders.
            partition_base_dir=paths[0][: paths[0].rfind("/date=")],
        )

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
        handle = self._handle
        data = pa.Table.from_pylist(list(rows), schema=self._write_schema(handle))
        properties = CommitProperties(app_transactions=self._transactions(app_id, days))
        target: DeltaTable | str = handle if handle is not None else self.uri
        common: dict[str, Any] = {
            "partition_by": partition_columns(self.name),
            "schema_mode": "merge",
            "configuration": configuration(self.name) if handle is None else None,
            "writer_properties": WRITER,
            "commit_properties": properties,
            "post_commithook_properties": POST_COMMIT,
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
            post_commithook_properties=POST_COMMIT,
        )

    def _write_schema(self, handle: DeltaTable | None) -> pa.Schema:
        """The declared schema, carrying the column metadata the table already holds.

        delta-rs refuses to merge a column whose metadata (its description) differs from the
        table's: a description reworded in schemas/ would stop every write into an older
        output. The table keeps the descriptions it was created with; new columns bring theirs.
        """
        if handle is None:
            return self.schema
        stored = pa.schema(handle.schema().to_arrow())
        fields = []
        for declared in self.schema:
            at = stored.get_field_index(declared.name)
            if at < 0:
                # Rows written before the column existed read it as NULL, so the table must
                # take NULL there whatever the declaration says (delta-rs would add it as
                # NOT NULL, and then fail to compact or scan the older files).
                fields.append(declared.with_nullable(True))
                continue
            metadata = stored.field(at).metadata
            fields.append(
                declared.with_metadata(metadata) if metadata else declared.remove_metadata()
            )
        return pa.schema(fields, metadata=self.schema.metadata)


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


# Tables a process keeps open between pipelines, by output: the poller runs a pipeline every
# cycle, and opening replays each table's log (its cost grows with the table). A writer
# borrows a set for its life (DoFn setup to teardown), so no two use one set at once.
_KEPT: dict[str, list[Tables]] = {}
_KEPT_LOCK = threading.Lock()
KEPT_PER_OUTPUT = 4


def borrow(output: str) -> Tables:
    """A set of the output's tables kept open by an earlier writer of this process, else new."""
    with _KEPT_LOCK:
        kept = _KEPT.get(output)
        if kept:
            return kept.pop()
    return Tables(output)


def give_back(tables: Tables) -> None:
    """Keep the tables for the next writer of this output in this process."""
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(tables.output, [])
        if len(kept) < KEPT_PER_OUTPUT:
            kept.append(tables)


def as_date(day: str) -> date:
    """A partition value `YYYY-MM-DD` as the date the `date` column holds."""
    return date.fromisoformat(day)


__all__ = ["CommitFailedError", "Table", "Tables", "as_date", "borrow", "give_back", "table_uri"]
