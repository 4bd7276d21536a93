"""`nordwire query`: DuckDB views over the Parquet tables, and output as a table, CSV or JSON."""

from __future__ import annotations

import csv
import glob
import io
import json
import os
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
from nordwire.pipeline.io.sink import TABLES

FORMATS = ("table", "csv", "json")
_CELL = 60


def _has_files(pattern: str) -> bool:
    if "://" in pattern:
        return True  # remote stores: let DuckDB's own glob decide
    return any(True for _ in glob.iglob(pattern, recursive=True))


def connect(output: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table; an empty table is an empty view, not an error."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # published_at is stored in UTC; show it as stored
    for table, (schema, _) in TABLES.items():
        pattern = os.path.join(output, table, "**", "*.parquet")
        if _has_files(pattern):
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet("
                f"'{pattern.replace(chr(39), chr(39) * 2)}', hive_partitioning = true, "
                "union_by_name = true)"
            )
        else:
            empty = pa.schema(
                [*schema, pa.field("date", pa.date32()), pa.field("topic", pa.string())]
            )
            con.register(f"_{table}_empty", empty.empty_table())
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM _{table}_empty")
    return con


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(_plain(value) if not isinstance(value, str) else value)
    text = " ".join(text.split())
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    """Rows as an aligned text table, CSV, or one JSON array of objects."""
    if fmt == "json":
        return json.dumps(
            [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    _plain(v)
                    if not isinstance(v, list | dict)
                    else json.dumps(_plain(v), ensure_ascii=False)
                    for v in row
                ]
            )
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def run_query(sql: str, output: str, fmt: str = "table") -> str:
    """Run `sql` against the tables under `output` and render the result."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    con = connect(output)
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    finally:
        con.close()
    return render(columns, rows, fmt)
