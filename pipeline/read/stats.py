"""`nordwire tables`: per table its Delta version, rows, partitions, files, bytes and dates.

Read from each table's Delta log where it says it all (every file's row count, partition
values and size), so the data files are not opened; `entities` and `quotes` count the rows
their views show (the current revision's), through the sandboxed views of query.py.
"""

from __future__ import annotations

from typing import Any

from deltalake import DeltaTable
from nordwire.pipeline.read.query import Result, connect, open_tables, select
from nordwire.schemas.tables import TABLES


def table_stats(output: str) -> Result:
    """Per table: Delta version, rows (as the views show them), partitions, files, bytes, dates.

    From the Delta log where it says it all (every file's row count, partition values and
    size); entities and quotes count the rows their views show, and so are queried.
    """
    handles = open_tables(output)
    actions = {
        t: h.get_add_actions(flatten=True) if h is not None else None for t, h in handles.items()
    }
    logged = {
        t: _log_stats(t, handles[t], actions[t]) if t not in ("entities", "quotes") else None
        for t in TABLES
    }
    # Queried: entities and quotes (their views read articles), and a table whose log has no
    # row counts.
    counted = {"articles", *(t for t in TABLES if logged[t] is None)}
    con = connect(output, tables=counted, handles=handles)
    rows = []
    try:
        for table in TABLES:
            handle = handles[table]
            stats = logged[table]
            if stats is None:
                key = ", ".join(_partitions(table, handle))
                sql = f"SELECT count(*), count(DISTINCT ({key})), min(date), max(date) FROM {table}"
                stats = select(con, sql).fetchone() or (0, 0, None, None)
            count, partitions, first, last = stats
            version = handle.version() if handle is not None else None
            listed = actions[table]
            sizes = (
                [int(n) for n in listed.column("size_bytes").to_pylist()]
                if listed is not None
                else []
            )
            rows.append((table, version, count, partitions, len(sizes), sum(sizes), first, last))
    finally:
        con.close()
    return Result(
        ["table", "version", "rows", "partitions", "files", "bytes", "first_date", "last_date"],
        rows,
    )


def _log_stats(
    table: str, handle: DeltaTable | None, actions: Any
) -> tuple[int, int, Any, Any] | None:
    """(rows, partitions, first date, last date) from the log's add actions; None when a
    file has no row count there (a writer that keeps no statistics)."""
    if handle is None:
        return 0, 0, None, None
    counts = actions.column("num_records").to_pylist()
    if any(n is None for n in counts):
        return None
    keys = [actions.column(f"partition.{c}").to_pylist() for c in _partitions(table, handle)]
    partitions = set(zip(*keys, strict=True))
    dates = [d for d in actions.column("partition.date").to_pylist() if d is not None]
    return (
        sum(int(n) for n in counts),
        len(partitions),
        min(dates, default=None),
        max(dates, default=None),
    )


def _partitions(table: str, handle: DeltaTable | None) -> list[str]:
    """The table's partition columns, as its log declares them (the registry's if no table)."""
    if handle is not None:
        return list(handle.metadata().partition_columns)
    from nordwire.pipeline.io.delta import partition_columns

    return partition_columns(table)
