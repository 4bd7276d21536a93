"""`nordwire query`: sandboxed DuckDB views over the Parquet tables, and the result rendered for people or tools.

By default a query can only read the output folder: statements other than SELECT (with
DESCRIBE, SHOW, SUMMARIZE and EXPLAIN of those) are refused before they run, and DuckDB
itself is locked down (`allowed_directories` = the output, `enable_external_access = false`,
no extension install or autoload, its temporary folder a private one of its own,
`lock_configuration = true`). The statement check matters: DuckDB allows a `COPY ... TO`
inside an allowed directory, which would add a file to a table. Every command runs its SQL
through it: `query` and the shell statement by statement (`execute`), and the commands that
compose SQL (`show --where`, `report`, `tables`) as exactly one statement (`select`).
`unrestricted=True` (the CLI's `--unrestricted`) gives the user's own rights back.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa
from nordwire.schemas.reference import TABLES
from nordwire.transforms.controls import json_safe, visible

FORMATS = ("table", "line", "markdown", "csv", "json")
DEFAULT_WIDTH = 60
_READ_ONLY = {duckdb.StatementType.SELECT}
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)


class QueryRefused(ValueError):
    """A statement the read-only sandbox does not run."""


@dataclass(frozen=True, slots=True)
class Result:
    """Column names and rows of one statement."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def parquet_files(folder: str) -> Iterator[str]:
    """The Parquet files below a local folder, hidden ones left out, as DuckDB's glob finds them.

    Links to folders are not followed (nor by DuckDB): a link loop inside the output made the
    standard library's recursive glob walk forever, and `nordwire tables` hang.
    """
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(".parquet") and not name.startswith("."):
                yield os.path.join(root, name)


def _has_files(pattern: str) -> bool:
    if "://" in pattern:
        return True  # remote stores: let DuckDB's own glob decide
    return next(parquet_files(pattern.split("**", 1)[0]), None) is not None


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sandbox(con: duckdb.DuckDBPyConnection, output: str) -> None:
    # Order matters: allowed_directories cannot change once external access is off, and
    # nothing can change once the configuration is locked.
    folder = output if "://" in output else os.path.abspath(output)
    # DuckDB lets a query read its temporary folder, by default `.tmp` below the working
    # directory, whatever else is kept there: give it a fresh one of its own (mode 0700),
    # removed with the connection.
    private = tempfile.mkdtemp(prefix="nordwire-duckdb-")
    weakref.finalize(con, shutil.rmtree, private, True)
    con.execute(f"SET temp_directory = {_quote(private)}")
    con.execute(f"SET allowed_directories = [{_quote(folder.rstrip('/') + '/')}]")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def connect(output: str, unrestricted: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table, sandboxed to `output` unless `unrestricted`."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # published_at is stored in UTC; show it as stored
    if "://" in output and not unrestricted:
        # Loaded before the lock (which forbids loading): remote outputs need it, nothing else.
        try:
            con.execute("LOAD httpfs")
        except duckdb.Error as exc:
            con.close()
            raise duckdb.IOException(
                f"reading {output} needs DuckDB's httpfs extension; install it once with "
                f'`nordwire query --unrestricted --output {output} "INSTALL httpfs"` '
                f"({str(exc).splitlines()[0]})"
            ) from exc
    for table, (schema, _, _) in TABLES.items():
        pattern = os.path.join(output, table, "**", "*.parquet")
        if _has_files(pattern):
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet({_quote(pattern)}, "
                "hive_partitioning = true, union_by_name = true)"
            )
        else:
            empty = pa.schema(
                [*schema, pa.field("date", pa.date32()), pa.field("topic", pa.string())]
            )
            con.register(f"_{table}_empty", empty.empty_table())
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM _{table}_empty")
    if not unrestricted:
        _sandbox(con, output)
    return con


def _allowed(con: duckdb.DuckDBPyConnection, statement: Any) -> bool:
    if statement.type in _READ_ONLY:
        return True
    if statement.type == duckdb.StatementType.EXPLAIN:
        # EXPLAIN ANALYZE runs its statement: check what is being explained.
        inner = _EXPLAIN.sub("", statement.query, count=1)
        try:
            parsed = con.extract_statements(inner)
        except duckdb.Error:
            return False
        return len(parsed) == 1 and parsed[0].type in _READ_ONLY
    return False


def statements(con: duckdb.DuckDBPyConnection, sql: str, unrestricted: bool = False) -> list[Any]:
    """The parsed statements of `sql`; in the sandbox, QueryRefused unless all are read-only."""
    parsed = con.extract_statements(sql)
    if not unrestricted:
        for statement in parsed:
            if not _allowed(con, statement):
                kind = str(statement.type).rsplit(".", 1)[-1]
                raise QueryRefused(
                    f"{kind} statements are not run: queries are read-only (SELECT, DESCRIBE, "
                    "SHOW, SUMMARIZE, EXPLAIN); pass --unrestricted to run any SQL with your rights"
                )
    return parsed


def select(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> duckdb.DuckDBPyConnection:
    """Run `sql` with `params` if it is exactly one read-only statement; QueryRefused if not.

    How the commands run SQL they compose from a user's words (`show --where`): a clause
    such as `TRUE); COPY (...) TO 'out/articles/...'; SELECT (1` is three statements and
    never runs, and what runs is the very statement that was checked.
    """
    parsed = con.extract_statements(sql)
    if len(parsed) != 1:
        kinds = ", ".join(str(p.type).rsplit(".", 1)[-1] for p in parsed)
        raise QueryRefused(f"one SQL statement runs here, not {len(parsed)} ({kinds})")
    if not _allowed(con, parsed[0]):
        kind = str(parsed[0].type).rsplit(".", 1)[-1]
        raise QueryRefused(f"{kind} statements are not run: only a read-only SELECT is")
    return con.execute(parsed[0], list(params))


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, unrestricted: bool = False
) -> Iterator[Result]:
    """Run every statement of `sql` in order; yield the result of each that returns rows."""
    for statement in statements(con, sql, unrestricted):
        cursor = con.execute(statement)
        columns = [d[0] for d in cursor.description or []]
        if columns:
            yield Result(columns, cursor.fetchall())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _number(value: float) -> str:
    # Four decimals are plenty to read a score; float32 noise (0.9993000030517578) goes.
    if math.isnan(value) or math.isinf(value):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _readable(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list | dict):
        return json.dumps(_round(_plain(value)), ensure_ascii=False)
    return str(_plain(value))


def _round(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        return float(_number(value))
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _clip(text: str, width: int) -> str:
    # A table row is one line: a newline is shown as ↵ (the line format keeps them).
    text = text.replace("\r\n", "\n").replace("\n", "↵").replace("\t", " ")
    return text if width <= 0 or len(text) <= width else text[: width - 1] + "…"


def _count(rows: Sequence[Any]) -> str:
    return f"({len(rows)} row{'s' if len(rows) != 1 else ''})"


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    max_width: int = DEFAULT_WIDTH,
) -> str:
    """Rows as an aligned table, `column = value` lines, Markdown, CSV or one JSON array.

    table, line and markdown are for reading: floats to four decimals, cells in table and
    markdown cut at `max_width` characters (0: never), with control characters shown as
    `\\x1b` (a feed's ESC sequence never reaches the terminal raw). csv and json are for
    tools: exact (json escapes every control character; csv at a terminal: `for_terminal`).
    """
    if fmt == "json":
        return json_safe(
            json.dumps(
                [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    json.dumps(_plain(v), ensure_ascii=False)
                    if isinstance(v, list | dict)
                    else _plain(v)
                    for v in row
                ]
            )
        return buffer.getvalue().rstrip("\n")
    columns = [visible(c) for c in columns]
    if fmt == "line":
        width = max((len(c) for c in columns), default=0)
        blocks = [
            "\n".join(
                f"{c.rjust(width)} = {visible(_readable(v))}".rstrip()
                for c, v in zip(columns, row, strict=True)
            )
            for row in rows
        ]
        return "\n\n".join([*blocks, _count(rows)])
    cells = [[_clip(visible(_readable(v)), max_width) for v in row] for row in rows]
    if fmt == "markdown":

        def md(values: Sequence[str]) -> str:
            return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

        return "\n".join([md(columns), md(["---"] * len(columns)), *(md(r) for r in cells)])
    if fmt != "table":
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [
        " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells
    ]
    lines.append(_count(rows))
    return "\n".join(lines)


def for_terminal(text: str, fmt: str, stream: Any) -> str:
    """Rendered rows as printed to `stream`: CSV shows control characters when that is a terminal."""
    isatty = getattr(stream, "isatty", None)
    return visible(text) if fmt == "csv" and isatty is not None and isatty() else text


def run_query(
    sql: str,
    output: str,
    fmt: str = "table",
    max_width: int = DEFAULT_WIDTH,
    unrestricted: bool = False,
) -> str:
    """Run `sql` (one or more statements) against the tables under `output`; render each result."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    con = connect(output, unrestricted)
    try:
        results = list(execute(con, sql, unrestricted))
    finally:
        con.close()
    return "\n\n".join(render(r.columns, r.rows, fmt, max_width) for r in results)


def table_stats(output: str) -> Result:
    """Per table: rows, partitions, files, bytes, first and last date."""
    con = connect(output)
    rows = []
    try:
        for table in TABLES:
            count, partitions, first, last = select(
                con,
                f"SELECT count(*), count(DISTINCT (date, topic)), min(date), max(date) FROM {table}",
            ).fetchone() or (0, 0, None, None)
            files = list(parquet_files(os.path.join(output, table)))
            size = sum(os.path.getsize(f) for f in files)
            rows.append((table, count, partitions, len(files), size, first, last))
    finally:
        con.close()
    return Result(
        ["table", "rows", "partitions", "files", "bytes", "first_date", "last_date"], rows
    )
