"""`nordwire migrate`: an output of plain Parquet tables (nordwire before Delta) into Delta tables, in place.

Per table, in the order the new tables depend on each other (articles, then revisions built
from them, then entities and quotes, which take their article's content_hash, then rejects):

1. **List** the old files into `OUTPUT/_migrate/<table>.json` (once: the list is what a
   resumed run converts, so files a killed run wrote are never taken for old ones).
2. **Convert**: read the listed files partition by partition (the partition values come from
   their folders), bring each row to the current schema (new columns filled: revision 1,
   content_hash from the stored text, first_seen_at and revised_at the fetch time) and write
   the whole table as one Delta commit, streamed, so memory holds one file at a time.
3. **Clean**: delete every file the new table does not name (the old files, and any a killed
   conversion left), then the list.

A table whose Delta log exists is converted; running again finishes its cleanup or does
nothing. Writers must be stopped while it runs.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pa_fs
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError
from nordwire.pipeline.io.delta import (
    WRITER,
    configuration,
    partition_columns,
    physical_schema,
    table_uri,
)
from nordwire.schemas import revisions
from nordwire.schemas.revisions import Version
from nordwire.transforms.revisions import content_hash, hashes_of

WORK = "_migrate"
OLD_TABLES = ("articles", "entities", "quotes", "rejects")
# Columns renamed in earlier schema versions: old name -> current name.
RENAMED = {"start": "char_start", "end": "char_end"}
# Values for columns older files lack where the current schema forbids NULL.
DEFAULTS: dict[str, object] = {
    "date_basis": "none",
    "date_precision": "none",
    "identity_basis": "text",
    "extraction_cut": 0,
    "quote_count": 0,
    "word_count": 0,
}


def _old_files(folder: Path) -> list[str]:
    """Parquet files under date=/topic= folders, relative to the table folder, sorted."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in names:
            if name.endswith(".parquet") and not name.startswith((".", "_")):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


def _partition_values(relative: str) -> dict[str, str]:
    values = {}
    for part in relative.split(os.sep)[:-1]:
        key, _, value = part.partition("=")
        values[key] = value
    return values


def _conform_value(value: Any, field: pa.Field) -> Any:
    """A value read from an older file, shaped like `field` (renamed struct members too)."""
    if value is None:
        return None
    kind = field.type
    if pa.types.is_list(kind) and pa.types.is_struct(kind.value_type):
        return [_conform_value(v, kind.value_field) for v in value]
    if pa.types.is_struct(kind) and isinstance(value, dict):
        renamed = {RENAMED.get(k, k): v for k, v in value.items()}
        return {kind.field(i).name: renamed.get(kind.field(i).name) for i in range(kind.num_fields)}
    return value


def _conform(row: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    row = {RENAMED.get(k, k): v for k, v in row.items()}
    out = {}
    for field in schema:
        value = _conform_value(row.get(field.name), field)
        if value is None and not field.nullable:
            value = DEFAULTS.get(field.name, "" if pa.types.is_string(field.type) else 0)
        out[field.name] = value
    return out


def _article_version(row: dict[str, Any]) -> Version:
    hashes = hashes_of(row, row.get("date_basis") or "none")
    polled = str(row.get("input") or "").lower().startswith(("http://", "https://"))
    return Version(
        revision=1,
        content_hash=content_hash(hashes),
        field_hashes=tuple(hashes.items()),
        revised_at=row["fetched_at"],
        clock_basis="fetched" if polled else "file_mtime",
        first_seen_at=row["fetched_at"],
    )


def _batches(
    table: str, folder: Path, files: list[str], hashes: dict[str, str], dropped: Counter[str]
) -> Iterator[pa.RecordBatch]:
    schema = physical_schema(table)
    for relative in files:
        path = folder / relative
        if not path.exists():
            continue
        values = _partition_values(relative)
        rows = []
        for raw in pq.read_table(path).to_pylist():
            raw.update(values)
            raw["date"] = date.fromisoformat(values["date"])
            if table == "articles":
                version = _article_version(raw)
                raw.update(
                    revision=1,
                    content_hash=version.content_hash,
                    first_seen_at=raw["fetched_at"],
                    revised_at=raw["fetched_at"],
                )
            elif table in ("entities", "quotes"):
                found = hashes.get(raw["article_id"])
                if found is None:  # a child whose article never reached the disk
                    dropped[table] += 1
                    continue
                raw["content_hash"] = found
            rows.append(_conform(raw, schema))
        if rows:
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()


def _revision_batches(articles: DeltaTable, folder: Path) -> Iterator[pa.RecordBatch]:
    schema = physical_schema("revisions")
    # Read with Arrow's own file system: this runs inside delta-rs's write, which cannot call
    # back into delta-rs's storage layer.
    local = pa_fs.SubTreeFileSystem(str(folder.resolve()), pa_fs.LocalFileSystem())
    for batch in articles.to_pyarrow_dataset(filesystem=local).to_batches(batch_size=5000):
        rows = []
        for row in batch.to_pylist():
            version = _article_version(row)
            rows.append(
                {
                    **revisions.to_row(row, row["topic"], version, row["pipeline_version"]),
                    "date": row["date"],
                }
            )
        yield from pa.Table.from_pylist(rows, schema=schema).to_batches()


def _write(table: str, batches: Iterator[pa.RecordBatch]) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(physical_schema(table), batches)


def _exists(uri: str) -> DeltaTable | None:
    try:
        return DeltaTable(uri)
    except TableNotFoundError:
        return None


def _create(output: str, table: str, reader: pa.RecordBatchReader) -> None:
    write_deltalake(
        table_uri(output, table),
        reader,
        partition_by=partition_columns(table),
        mode="error",
        configuration=configuration(table),
        writer_properties=WRITER,
    )


def _clean(output: str, table: str, manifest: Path) -> int:
    """Delete the files the Delta table does not name (old and half-written ones alike)."""
    handle = DeltaTable(table_uri(output, table))
    removed = handle.vacuum(
        retention_hours=0, dry_run=False, enforce_retention_duration=False, full=True
    )
    folder = Path(output) / table
    for root, dirs, _ in os.walk(folder, topdown=False):  # the emptied old folders
        for d in dirs:
            path = Path(root) / d
            if not d.startswith("_") and not any(path.iterdir()):
                path.rmdir()
    manifest.unlink(missing_ok=True)
    return len(removed)


def _article_hashes(output: str) -> dict[str, str]:
    handle = _exists(table_uri(output, "articles"))
    if handle is None:
        return {}
    found = handle.to_pyarrow_dataset().to_table(columns=["article_id", "content_hash"])
    return dict(
        zip(
            found.column("article_id").to_pylist(),
            found.column("content_hash").to_pylist(),
            strict=True,
        )
    )


def migrate_output(output: str) -> list[str]:
    """Convert every plain table of `output` (resumable); returns one line per table."""
    work = Path(output) / WORK
    lines: list[str] = []
    hashes: dict[str, str] = {}
    dropped: Counter[str] = Counter()
    for table in OLD_TABLES:
        folder = Path(output) / table
        manifest = work / f"{table}.json"
        handle = _exists(table_uri(output, table))
        if handle is None and folder.is_dir() and not manifest.exists():
            work.mkdir(exist_ok=True)
            temp = manifest.with_suffix(".tmp")
            temp.write_text(json.dumps(_old_files(folder)))
            os.replace(temp, manifest)
        if handle is None and manifest.exists():
            files = json.loads(manifest.read_text())
            if table in ("entities", "quotes") and not hashes:
                hashes = _article_hashes(output)
            _create(output, table, _write(table, _batches(table, folder, files, hashes, dropped)))
            lines.append(f"{table}: {len(files)} files converted into a Delta table")
        elif handle is not None and not manifest.exists():
            lines.append(f"{table}: already a Delta table")
        if manifest.exists():
            removed = _clean(output, table, manifest)
            lines.append(f"{table}: {removed} old files deleted")
        if table == "articles" and _exists(table_uri(output, "articles")) is not None:
            lines += _revisions(output)
    for table, n in dropped.items():
        lines.append(f"{table}: {n} rows without their article left out")
    if work.is_dir() and not any(work.iterdir()):
        work.rmdir()
    shutil.rmtree(Path(output) / "_compact", ignore_errors=True)  # the old compaction's work
    return lines


def _revisions(output: str) -> list[str]:
    """The revisions table, built from the converted articles when it is missing."""
    if _exists(table_uri(output, "revisions")) is not None:
        return []
    articles = DeltaTable(table_uri(output, "articles"))
    batches = _revision_batches(articles, Path(output) / "articles")
    _create(output, "revisions", _write("revisions", batches))
    return ["revisions: one revision per article written"]
