"""`nordwire query`: sandboxed DuckDB views over the Delta tables (the rendering is in render.py).

Each view reads its Delta table's current snapshot (or the one `as_of` names): `deltalake`
reads the log, DuckDB's Parquet reader the files it names (an object store: deltalake's Arrow
dataset). No DuckDB extension is needed (they download on install, and this runs offline). `entities` and `quotes` show the rows of each
article's current revision only (joined on article_id and content_hash), so an article's
quote_count and people always agree with them, even while a correction is being written.

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

import glob
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError
from nordwire.pipeline.io.location import (
    PLAIN_PATTERNS,
    BrokenTable,
    is_remote,
    plain_output,
    table_uri,
)
from nordwire.pipeline.read.render import DEFAULT_WIDTH, FORMATS, render
from nordwire.schemas.tables import TABLES

_READ_ONLY = {duckdb.StatementType.SELECT}
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)
# The child tables show the rows of each article's current revision only.
_CURRENT = (
    "SELECT c.* FROM _{t} c SEMI JOIN _articles a "
    "ON c.article_id = a.article_id AND c.content_hash = a.content_hash"
)


# What lists the views: a statement using any of these sees every table, not only those it names.
_CATALOG = re.compile(
    r"\b(?:show|pragma|information_schema|pg_catalog|sqlite_master|duckdb_\w+)\b", re.IGNORECASE
)


class QueryRefused(ValueError):
    """A statement the read-only sandbox does not run."""


class SnapshotNotFound(ValueError):
    """`--as-of` names a version or time the tables do not have (or no longer keep)."""


@dataclass(frozen=True, slots=True)
class Result:
    """Column names and rows of one statement."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


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


def _moment(as_of: str) -> int | datetime:
    """`as_of` as an articles version (an integer) or a UTC time (an ISO date or time)."""
    if as_of.isdigit():
        return int(as_of)
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise SnapshotNotFound(
            f"--as-of {as_of!r} is neither a version number nor a time (YYYY-MM-DD[THH:MM[:SS]])"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _commit_times(handle: DeltaTable) -> dict[int, datetime]:
    """When each version still in the log was committed (ask a handle at its newest version:
    delta-rs numbers the history of a time-travelled handle wrongly)."""
    return {
        e["version"]: datetime.fromtimestamp(e["timestamp"] / 1000, UTC)
        for e in handle.history()
        if "version" in e
    }


def _snapshot_moment(
    articles: dict[int, datetime], as_of: str
) -> tuple[int | None, datetime | None]:
    """(articles version, the time the other tables are read at) for `as_of`.

    For a version N: the moment just before version N+1 was committed (None when N is the
    newest), so the entities and quotes of every revision current at N are there.
    """
    moment = _moment(as_of)
    if isinstance(moment, datetime):
        return None, moment
    if moment not in articles:
        raise SnapshotNotFound(
            f"--as-of {as_of}: the articles table keeps versions {min(articles)} to {max(articles)}"
        )
    if moment == max(articles):
        return moment, None
    return moment, articles[moment + 1] - timedelta(milliseconds=1)


def _check_not_plain(output: str) -> None:
    """check_not_plain; a local output is globbed here, since Beam's filesystems (which read
    gs:// and s3:// with the pipeline's credentials) take 1.5 s to import, three times what a
    reading command may take to start (tests/e2e/test_startup.py)."""
    if is_remote(output):
        from nordwire.pipeline.io.delta import check_not_plain

        check_not_plain(output)
        return
    for table in TABLES:
        root = glob.escape(table_uri(output, table))
        data, log = (next(glob.iglob(root + p), None) is not None for p in PLAIN_PATTERNS)
        if data and not log:
            raise plain_output(output)


def open_tables(
    output: str, as_of: str | None = None, tables: Collection[str] | None = None
) -> dict[str, DeltaTable | None]:
    """Each table's Delta snapshot (of `tables`, by default all): the current one, or the one
    `as_of` names (None: no table).

    `as_of` is a version of the articles table, or a time: every table is read as it was
    then (for a version, until the next version was committed), so entities and quotes
    match the articles of that snapshot. Logs are kept 30 days, replaced files 7 days after
    a compaction: an older snapshot is refused.
    """
    _check_not_plain(output)
    handles: dict[str, DeltaTable | None] = {}
    wanted = set(TABLES if tables is None else tables)
    if as_of is not None:
        wanted.add("articles")  # the snapshot's moment is the articles table's
    for table in [t for t in TABLES if t in wanted]:
        try:
            handles[table] = DeltaTable(table_uri(output, table))
        except TableNotFoundError:
            handles[table] = None
        except (DeltaError, OSError) as exc:  # OSError: a log it cannot open as a folder
            raise _broken(f"the {table} table's Delta log", exc) from exc
    if as_of is None:
        return handles
    articles = handles["articles"]
    if articles is None:
        raise SnapshotNotFound(f"--as-of {as_of}: there is no articles table yet")
    version, moment = _snapshot_moment(_commit_times(articles), as_of)
    for table, handle in handles.items():
        if handle is None:
            continue
        if table == "articles" and version is not None:
            handle.load_as_version(version)
            continue
        if moment is None:
            continue
        times = _commit_times(handle)
        if moment < min(times.values()):
            if table == "articles":
                raise SnapshotNotFound(
                    f"--as-of {as_of}: the oldest articles snapshot kept is from "
                    f"{min(times.values()):%Y-%m-%dT%H:%M:%SZ}"
                )
            handles[table] = None  # that table did not exist yet then
            continue
        handle.load_as_version(moment)
    return handles


def _broken(what: str, exc: Exception) -> BrokenTable:
    """`what` cannot be read, with the first line of the reason (one line for the CLI)."""
    reason = str(exc).strip()
    first = reason.splitlines()[0] if reason else type(exc).__name__
    return BrokenTable(f"{what} cannot be read: {first}")


def _register(
    con: duckdb.DuckDBPyConnection, table: str, handle: DeltaTable | None, output: str
) -> None:
    """`_<table>`: the files of the snapshot, as the Delta log names them (no other file).

    A local table is read by DuckDB's own Parquet reader over exactly those files; DuckDB
    2.0.1 pushes some string filters into a pyarrow dataset as string_view values pyarrow
    cannot compare (duckdb-python issues 187, 227). An object store is read through
    deltalake's Arrow dataset (its own credentials; no DuckDB extension needed).
    """
    files = handle.file_uris() if handle is not None else []
    if handle is None or not files:
        from nordwire.pipeline.io.delta import physical_schema  # pyarrow: only for this case

        con.register(f"_{table}", physical_schema(table).empty_table())
    elif is_remote(output):
        con.register(f"_{table}", handle.to_pyarrow_dataset())
    else:
        listed = ", ".join(_quote(f) for f in files)
        try:
            con.execute(
                f"CREATE VIEW _{table} AS SELECT * FROM read_parquet([{listed}], "
                "hive_partitioning = true, union_by_name = true)"
            )
        except duckdb.IOException as exc:  # a file the log names is gone or is not Parquet
            raise _broken(f"the {table} table", exc) from exc


def named_tables(sql: str, default: Collection[str] = TABLES) -> set[str]:
    """The tables `sql` names (a view or its raw `_<table>`), with those their views read
    (entities and quotes read articles); `default` when it names none, and every table for a
    catalog query (SHOW TABLES, duckdb_views(), information_schema), whatever it names."""
    if _CATALOG.search(sql):
        return set(TABLES)
    named = {t for t in TABLES if re.search(rf"\b_?{t}\b", sql, re.IGNORECASE)}
    if not named:
        named = set(default)
    if named & {"entities", "quotes"}:
        named.add("articles")
    return named


def connect(
    output: str,
    unrestricted: bool = False,
    as_of: str | None = None,
    tables: Collection[str] | None = None,
    handles: dict[str, DeltaTable | None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table (of `tables`, by default all; see
    `named_tables`), sandboxed to `output` unless `unrestricted`.

    Each view costs a Delta log read and a look at its files' footers, so a statement that
    names one table opens that one only. `handles` are tables already opened.
    """
    if handles is None:
        handles = open_tables(output, as_of, tables)
    wanted = [t for t in TABLES if t in handles and (tables is None or t in tables)]
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # published_at is stored in UTC; show it as stored
        for table in wanted:
            _register(con, table, handles[table], output)
        for table in wanted:
            body = (
                _CURRENT.format(t=table)
                if table in ("entities", "quotes")
                else f"SELECT * FROM _{table}"
            )
            con.execute(f"CREATE VIEW {table} AS {body}")
        if not unrestricted:
            _sandbox(con, output)
    except BaseException:
        con.close()
        raise
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


def run_query(
    sql: str,
    output: str,
    fmt: str = "table",
    max_width: int = DEFAULT_WIDTH,
    unrestricted: bool = False,
    as_of: str | None = None,
) -> str:
    """Run `sql` (one or more statements) against the tables under `output`; render each result.

    `as_of` reads an older snapshot: a version of the articles table, or a time (see
    open_tables).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    tables = named_tables(sql)
    con = connect(output, unrestricted, as_of, tables)
    try:
        try:
            results = list(execute(con, sql, unrestricted))
        except duckdb.CatalogException:
            # A table the word match missed (a name built at run time): the sandbox's
            # read-only statements run again over every table; --unrestricted ones may have
            # written something, and are not run twice.
            if unrestricted or tables >= set(TABLES):
                raise
            con.close()
            con = connect(output, unrestricted, as_of)
            results = list(execute(con, sql, unrestricted))
    finally:
        con.close()
    return "\n\n".join(render(r.columns, r.rows, fmt, max_width) for r in results)
