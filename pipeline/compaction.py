"""Compaction: rewrite each partition's many small Parquet files into a few, safely.

A partition (`<table>/date=D/topic=T`) is compacted under the output's exclusive lock:

1. read its files (a snapshot), drop repeated keys, sort by key, and write the rows into
   `_compact/work/<token>/new/` (invisible to readers: outside every table folder);
2. read the staged files back and check they hold exactly the snapshot's keys;
3. write `plan.json` (the commit point) naming the inputs and outputs;
4. swap the staged folder and the partition: one atomic `renameat2(RENAME_EXCHANGE)` on
   Linux, else two renames (the partition is absent for the time between them);
5. move back any file a writer added after the snapshot (none under the lock, but cheap),
   then delete the old files and the work folder.

Killed at any moment, `recover()` (run first by every compaction) finishes or undoes what a
plan started: before the plan nothing changed; after it the swap is done or rolled forward.
Writers take the same lock shared (`write_lock`), so the sink never lists a partition in the
middle of a swap and never renames a file into a folder being moved.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from nordwire.pipeline.io.lock import exclusive_lock
from nordwire.pipeline.io.sink import TABLES

WORK = "_compact"
TARGET_BYTES = 128 * 1024 * 1024
_DATE = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
# A test passes a hook that raises at a named step, to play a process killed right there.
StepHook = Callable[[str], None]


def _no_hook(step: str) -> None:
    return None


@dataclass(frozen=True)
class Partition:
    """One partition folder of one table."""

    table: str
    date: str
    topic: str

    @property
    def relative(self) -> str:
        """`<table>/date=D/topic=T`."""
        return f"{self.table}/date={self.date}/topic={self.topic}"


@dataclass
class CompactReport:
    """What a compaction did, for the one summary line."""

    partitions: int = 0
    already_compact: int = 0
    skipped: list[str] = field(default_factory=list)  # partition: why
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    recovered: int = 0

    def line(self) -> str:
        """One line: partitions, files before -> after, rows, sizes."""
        mb = 1024 * 1024
        text = (
            f"compacted {self.partitions} partitions: {self.files_before} files -> "
            f"{self.files_after}, {self.rows} rows, {self.bytes_before / mb:.1f} MB -> "
            f"{self.bytes_after / mb:.1f} MB; {self.already_compact} already compact"
        )
        if self.duplicates_dropped:
            text += f"; {self.duplicates_dropped} repeated rows dropped"
        if self.recovered:
            text += f"; recovered {self.recovered} interrupted compactions"
        if self.skipped:
            text += f"; skipped {len(self.skipped)}: {'; '.join(self.skipped)}"
        return text


def partitions(
    output: str,
    tables: tuple[str, ...] = (),
    before: str | None = None,
    only: tuple[str, ...] = (),
) -> list[Partition]:
    """Partition folders, filtered by table, by date (< before) or by `date=D[/topic=T]` specs."""
    found: list[Partition] = []
    for table in tables or tuple(TABLES):
        root = Path(output) / table
        for day in sorted(root.glob("date=*")) if root.is_dir() else []:
            match = _DATE.match(day.name)
            if not match or (before is not None and match.group(1) >= before):
                continue
            for topic in sorted(day.glob("topic=*")):
                part = Partition(table, match.group(1), topic.name.split("=", 1)[1])
                rel = part.relative.split("/", 1)[1]
                if only and not any(rel == s or rel.startswith(s.rstrip("/") + "/") for s in only):
                    continue
                found.append(part)
    return found


def parquet_files(folder: Path) -> list[Path]:
    """The table files of a folder (never temporary or hidden files)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".parquet" and p.name[0] not in "._")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _chunks(table: pa.Table, parts: int) -> list[pa.Table]:
    size = math.ceil(table.num_rows / parts)
    return [table.slice(i * size, size) for i in range(parts) if i * size < table.num_rows]


def _stage(
    part: Partition, inputs: list[Path], new: Path, target_bytes: int, report: CompactReport
) -> list[str] | None:
    """Write the partition's rows into `new`; returns the output names, None if not possible."""
    key = TABLES[part.table][1]
    try:
        tables = [pq.read_table(path) for path in inputs]
        merged = pa.concat_tables(tables, promote_options="default")
    except (pa.ArrowException, OSError) as exc:
        report.skipped.append(f"{part.relative}: {type(exc).__name__}: {str(exc)[:80]}")
        return None
    if merged.num_rows == 0:
        report.skipped.append(f"{part.relative}: no rows")
        return None
    # One row per key (a second copy, if two writers ever raced, is dropped), ordered by key
    # so the same rows always give the same files.
    merged = merged.sort_by([(key, "ascending")])
    keys = merged.column(key).to_pylist()
    keep = [i for i, k in enumerate(keys) if i == 0 or k != keys[i - 1]]
    report.duplicates_dropped += merged.num_rows - len(keep)
    merged = merged.take(pa.array(keep, pa.int64()))
    size = sum(p.stat().st_size for p in inputs)
    chunks = _chunks(merged, max(1, math.ceil(size / target_bytes)))
    digest = hashlib.sha256("\n".join(merged.column(key).to_pylist()).encode()).hexdigest()[:20]
    names = [f"compact-{digest}-{i}.parquet" for i in range(len(chunks))]
    new.mkdir(parents=True)
    for name, chunk in zip(names, chunks, strict=True):
        pq.write_table(chunk, new / name, compression="zstd")
        _fsync(new / name)
    staged = pa.concat_tables([pq.read_table(new / n, columns=[key]) for n in names])
    if sorted(staged.column(key).to_pylist()) != merged.column(key).to_pylist():
        raise RuntimeError(f"compaction of {part.relative} wrote other rows than it read")
    _fsync(new)
    report.rows += merged.num_rows
    return names


def _write_plan(work: Path, plan: dict[str, list[str] | str]) -> None:
    temp = work / "plan.json.tmp"
    temp.write_text(json.dumps(plan, indent=1))
    _fsync(temp)
    os.replace(temp, work / "plan.json")
    _fsync(work)


def _finish(output: Path, work: Path, plan: dict[str, list[str] | str], hook: StepHook) -> None:
    """After the swap: keep files a writer added after the snapshot, drop the old ones."""
    folder = output / str(plan["partition"])
    inputs = set(plan["inputs"])
    for side in ("new", "old"):
        for path in parquet_files(work / side):
            if path.name not in inputs:
                os.rename(path, folder / path.name)
    hook("rescued")
    for side in ("new", "old"):
        shutil.rmtree(work / side, ignore_errors=True)
    hook("old-deleted")
    (work / "plan.json").unlink()
    shutil.rmtree(work, ignore_errors=True)


def _swap(folder: Path, work: Path, hook: StepHook) -> None:
    if _exchange(folder, work / "new"):
        return
    os.rename(folder, work / "old")
    hook("half-swapped")  # the partition is absent until the next rename
    os.rename(work / "new", folder)


def recover(output: str, hook: StepHook = _no_hook) -> int:
    """Finish or undo the compactions a killed process left; call under the exclusive lock."""
    root = Path(output)
    done = 0
    for work in sorted((root / WORK / "work").glob("*")) if (root / WORK / "work").is_dir() else []:
        plan_path = work / "plan.json"
        if not plan_path.is_file():  # killed before the commit point: the partition is untouched
            shutil.rmtree(work, ignore_errors=True)
            continue
        plan = json.loads(plan_path.read_text())
        folder = root / plan["partition"]
        present = {p.name for p in parquet_files(folder)}
        if not folder.exists():
            os.rename(work / "new", folder)  # killed between the two renames: roll forward
        elif present & set(plan["inputs"]):
            shutil.rmtree(work, ignore_errors=True)  # not swapped yet: roll back
            done += 1
            continue
        _finish(root, work, plan, hook)
        done += 1
    return done


def compact_partition(
    output: str,
    part: Partition,
    report: CompactReport,
    target_bytes: int = TARGET_BYTES,
    hook: StepHook = _no_hook,
) -> None:
    """Compact one partition (the caller holds the exclusive lock and has run `recover`)."""
    root = Path(output)
    folder = root / part.relative
    inputs = parquet_files(folder)
    size = sum(p.stat().st_size for p in inputs)
    if len(inputs) <= max(1, math.ceil(size / target_bytes)):
        report.already_compact += 1
        return
    token = hashlib.sha256(part.relative.encode()).hexdigest()[:16]
    work = root / WORK / "work" / token
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    names = _stage(part, inputs, work / "new", target_bytes, report)
    if names is None:
        shutil.rmtree(work, ignore_errors=True)
        return
    hook("staged")
    plan: dict[str, list[str] | str] = {
        "partition": part.relative,
        "inputs": [p.name for p in inputs],
        "outputs": names,
    }
    _write_plan(work, plan)
    hook("planned")
    _swap(folder, work, hook)
    hook("swapped")
    _finish(root, work, plan, hook)
    report.partitions += 1
    report.files_before += len(inputs)
    report.files_after += len(names)
    report.bytes_before += size
    report.bytes_after += sum((folder / n).stat().st_size for n in names)


def compact(
    output: str,
    selected: list[Partition] | Callable[[], list[Partition]] | None = None,
    *,
    target_bytes: int = TARGET_BYTES,
    hook: StepHook = _no_hook,
) -> CompactReport:
    """Recover, then compact each partition (all of them when none are given; a callable is
    asked after the recovery, so a partition a killed run left mid-swap is listed).

    The lock is taken per partition, so writers wait for one partition at most.
    """
    report = CompactReport()
    with exclusive_lock(output):
        report.recovered = recover(output, hook)
    if selected is None:
        selected = partitions(output)
    elif callable(selected):
        selected = selected()
    for part in selected:
        with exclusive_lock(output):
            compact_partition(output, part, report, target_bytes, hook)
    with exclusive_lock(output):  # leave no empty work folders behind
        for empty in (Path(output) / WORK / "work", Path(output) / WORK):
            with contextlib.suppress(OSError):
                empty.rmdir()
    return report


def due_partitions(output: str, older_than: float, now: float) -> list[Partition]:
    """Partitions holding a file not compacted yet and older than `older_than` seconds.

    The poller's roll: each partition is rewritten at most once per `older_than`, so between
    rolls it holds its compacted files plus the few files of the last `older_than` seconds.
    """
    due: list[Partition] = []
    for part in partitions(output):
        files = parquet_files(Path(output) / part.relative)
        loose = [p for p in files if not p.name.startswith("compact-")]
        if len(files) > 1 and loose and min(p.stat().st_mtime for p in loose) <= now - older_than:
            due.append(part)
    return due
