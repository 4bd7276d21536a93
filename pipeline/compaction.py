"""Compaction: Delta's optimize (a partition's small files into a few) and vacuum, for every table.

`nordwire compact` and the poller's roll call `compact`. For each table and the partitions
chosen (days before a date, or named partitions):

1. **Sweep** the entity and quote rows of superseded revisions a killed writer left (a row
   whose content_hash is a revision older than the article's current one). Readers never see
   them; a plain Parquet or Delta reader without nordwire's join would.
2. **Optimize**: rewrite each partition's files into files of about `target_bytes`. It is one
   Delta commit that adds the new files and removes the old ones (no data change), so readers
   see either, never both, and writers appending meanwhile do not conflict; one that rewrites a
   file being compacted makes the compaction retry that table.
3. **Vacuum**: delete files no snapshot younger than the retention needs (Delta's default,
   7 days: time travel reaches back that far), and files no commit ever named (a killed write).
4. **Checkpoint** the log, and delete log entries older than the log retention (7 days too):
   writers leave that to compaction (see delta.py, POST_COMMIT).

Killed at any moment, nothing is lost or doubled: an uncommitted optimize leaves files no
snapshot names, which the next vacuum deletes. It works the same on gs:// as on a folder.
"""

from __future__ import annotations

import errno
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from nordwire.pipeline.io.delta import (
    DELETED_FILE_RETENTION_HOURS,
    WRITER,
    check_not_plain,
    partition_columns,
    quoted,
    table_uri,
)
from nordwire.schemas.tables import TABLES

TARGET_BYTES = 128 * 1024 * 1024
ATTEMPTS = 5
_SPEC = re.compile(r"^date=(\d{4}-\d{2}-\d{2})(?:/topic=([a-z0-9-]+))?$")
CHILDREN = ("entities", "quotes")
# A test passes a hook that raises at a named step, to play a process killed right there.
StepHook = Callable[[str], None]


def _no_hook(step: str) -> None:
    return None


@dataclass
class CompactReport:
    """What a compaction did, for the one summary line."""

    tables: int = 0
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    vacuumed: int = 0
    swept: int = 0
    retried: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line: partitions, files before -> after, sizes, files vacuumed."""
        mb = 1024 * 1024
        text = (
            f"compacted {self.partitions} partitions in {self.tables} tables: "
            f"{self.files_before} files -> {self.files_after}, "
            f"{self.bytes_before / mb:.1f} MB -> {self.bytes_after / mb:.1f} MB; "
            f"vacuumed {self.vacuumed} files"
        )
        if self.swept:
            text += f"; swept {self.swept} rows of superseded revisions"
        if self.retried:
            text += f"; retried {self.retried} times after concurrent writes"
        if self.skipped:
            text += f"; skipped {'; '.join(self.skipped)}"
        return text


def filters_of(spec: str) -> list[tuple[str, str, str]]:
    """`date=D[/topic=T]` as Delta partition filters; ValueError for anything else."""
    match = _SPEC.match(spec.rstrip("/"))
    if not match:
        raise ValueError(f"{spec!r}: expected date=YYYY-MM-DD or date=YYYY-MM-DD/topic=SLUG")
    found = [("date", "=", match.group(1))]
    if match.group(2):
        found.append(("topic", "=", match.group(2)))
    return found


def _selections(
    table: str, before: str | None, specs: tuple[str, ...]
) -> list[list[tuple[str, str, str]]]:
    if specs:
        chosen = [filters_of(s) for s in specs]
        if "topic" not in partition_columns(table):
            chosen = [[f for f in fs if f[0] != "topic"] for fs in chosen]
        return chosen
    return [[("date", "<", before)]] if before else [[]]


def _days(handle: DeltaTable, selection: list[tuple[str, str, str]]) -> set[str]:
    """The days the partitions a selection names hold."""
    return {
        p["date"]
        for p in handle.partitions(file_pruning_predicate=selection or None)
        if p.get("date")
    }


def _size(metrics: dict[str, object], key: str) -> int:
    value = metrics.get(key) or {}
    if isinstance(value, str):  # delta-rs gives these as JSON text
        value = json.loads(value)
    return int(value.get("totalSize", 0)) if isinstance(value, dict) else 0


def sweep(output: str, days: list[str]) -> int:
    """Delete child rows of superseded revisions in these days; returns the rows deleted.

    A row is superseded when its content_hash is a revision of its article older than the
    article's current one. Rows of a revision claimed but not yet applied (a writer in flight)
    are newer than the current revision and are kept.
    """
    if not days:
        return 0
    handles: dict[str, DeltaTable] = {}
    for name in ("articles", "revisions", *CHILDREN):
        try:
            handles[name] = DeltaTable(table_uri(output, name))
        except TableNotFoundError:
            if name in ("articles", "revisions"):
                return 0
    predicate = f"date IN ({quoted(days)})"
    current = {
        r["article_id"]: (r["revision"], r["content_hash"])
        for r in handles["articles"]
        .to_pyarrow_dataset(file_pruning_predicate=predicate)
        .to_table(columns=["article_id", "revision", "content_hash"])
        .to_pylist()
    }
    superseded = {
        (r["article_id"], r["content_hash"])
        for r in handles["revisions"]
        .to_pyarrow_dataset(file_pruning_predicate=predicate)
        .to_table(columns=["article_id", "revision", "content_hash"])
        .to_pylist()
        if r["article_id"] in current
        and r["revision"] < current[r["article_id"]][0]
        and r["content_hash"] != current[r["article_id"]][1]
    }
    deleted = 0
    for name in CHILDREN:
        handle = handles.get(name)
        if handle is None or not superseded:
            continue
        rows = handle.to_pyarrow_dataset(file_pruning_predicate=predicate).to_table(
            columns=["article_id", "content_hash"]
        )
        stale = sorted(
            set(zip(*(rows.column(c).to_pylist() for c in rows.column_names), strict=True))
            & superseded
        )
        for i in range(0, len(stale), 200):
            pairs = " OR ".join(
                f"(article_id = {quoted([a])} AND content_hash = {quoted([h])})"
                for a, h in stale[i : i + 200]
            )
            try:
                metrics = handle.delete(f"{predicate} AND ({pairs})", writer_properties=WRITER)
            except CommitFailedError:
                continue  # a writer changed these files meanwhile: the next compaction sweeps
            deleted += int(metrics.get("num_deleted_rows", 0))
    return deleted


def _optimize(
    handle: DeltaTable,
    selection: list[tuple[str, str, str]],
    target_bytes: int,
    report: CompactReport,
) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            metrics = handle.optimize.compact(
                partition_filters=selection or None,
                target_size=target_bytes,
                writer_properties=WRITER,
            )
        except CommitFailedError:
            # A writer replaced a file this compaction read: start over from the new snapshot.
            if attempt == ATTEMPTS:
                raise
            report.retried += 1
            time.sleep(0.2 * attempt)
            handle.update_incremental()
            continue
        report.partitions += int(metrics.get("partitionsOptimized", 0))
        report.files_before += int(metrics.get("numFilesRemoved", 0))
        report.files_after += int(metrics.get("numFilesAdded", 0))
        report.bytes_before += _size(metrics, "filesRemoved")
        report.bytes_after += _size(metrics, "filesAdded")
        return


def compact(
    output: str,
    tables: tuple[str, ...] = (),
    before: str | None = None,
    specs: tuple[str, ...] = (),
    *,
    target_bytes: int = TARGET_BYTES,
    retention_hours: int = DELETED_FILE_RETENTION_HOURS,
    vacuum: bool = True,
    hook: StepHook = _no_hook,
) -> CompactReport:
    """Sweep, optimize and vacuum each table (all when none are named).

    `before` keeps to days before that date; `specs` (`date=D[/topic=T]`) to those partitions.
    A retention under Delta's 7 days shortens how far back time travel reaches.
    """
    check_not_plain(output)
    report = CompactReport()
    for name in tables or tuple(TABLES):
        try:
            handle = DeltaTable(table_uri(output, name))
        except TableNotFoundError:
            continue
        report.tables += 1
        selections = _selections(name, before, specs)
        if name in CHILDREN:
            days = sorted(set().union(*(_days(handle, s) for s in selections)))
            report.swept += sweep(output, days)
            handle.update_incremental()
        hook(f"{name}:swept")
        for selection in selections:
            _optimize(handle, selection, target_bytes, report)
        hook(f"{name}:optimized")
        if vacuum:
            report.vacuumed += len(
                handle.vacuum(
                    retention_hours=retention_hours,
                    dry_run=False,
                    enforce_retention_duration=retention_hours >= DELETED_FILE_RETENTION_HOURS,
                    full=True,
                )
            )
        hook(f"{name}:vacuumed")
        handle.create_checkpoint()
        # Writers leave the log's cleanup here (delta.py: POST_COMMIT): entries older than the
        # table's log retention, up to the newest checkpoint before them, are deleted.
        handle.cleanup_metadata()
    return report


def days_written_since(output: str, since: float) -> list[str]:
    """The days (partitions) of files added to any table at or after `since` (epoch seconds)."""
    days: set[str] = set()
    for name in TABLES:
        try:
            actions = DeltaTable(table_uri(output, name)).get_add_actions(flatten=True)
        except TableNotFoundError:
            continue
        added = actions.column("modification_time").to_pylist()
        for day, at in zip(actions.column("partition.date").to_pylist(), added, strict=True):
            if day is not None and at is not None and at / 1000 >= since:
                days.add(str(day))
    return sorted(days)


def disk_full(exc: BaseException) -> bool:
    """Whether an error (ours, the OS's or delta-rs's) is a full disk."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return (
        "No space left on device" in text or "os error 28" in text or "Disk quota exceeded" in text
    )
