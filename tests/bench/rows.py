"""Are two outputs the same rows? The check that a speed change changed nothing written.

`python -m tests.bench.rows OUT_A OUT_B` reads every table of both outputs through the same
views a user queries (`nordwire.pipeline.read.query.connect`), orders each by its key, and compares
them row by row, every column and the partition columns included. It prints one line per
table (rows, and a digest of the rows) and exits 1 when any table differs, naming the first
differing key and columns. Files, their names and how the rows are split among them may
differ (runners bundle differently); rows may not.

    nordwire run --output /tmp/a                  # before the change (e.g. main's checkout)
    nordwire run --output /tmp/b                  # after
    python -m tests.bench.rows /tmp/a /tmp/b
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nordwire.pipeline.read.query import connect

# table -> its key columns (one row per key)
KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("article_id",),
    "entities": ("entity_id",),
    "quotes": ("quote_id",),
    "rejects": ("reject_id",),
    "revisions": ("article_id", "revision"),
}
BATCH = 5_000  # rows fetched at a time


def _rows(con: Any, table: str, key: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    cursor = con.execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}")
    columns = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(BATCH):
        for row in batch:
            yield dict(zip(columns, row, strict=True))


def table_rows(output: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in `output`, each ordered by its key (an absent table has none)."""
    con = connect(str(output))
    try:
        return {table: list(_rows(con, table, key)) for table, key in KEYS.items()}
    finally:
        con.close()


def compare_table(con_a: Any, con_b: Any, table: str) -> dict[str, Any]:
    """One table of two outputs, compared row by row in key order without holding either in
    memory (an output of 100,000 articles has millions of rows): the rows on each side, a
    digest of the first side's, and where they first differ (None when they do not)."""
    key = KEYS[table]
    counts = [0, 0]
    sha = hashlib.sha256()
    first: str | None = None
    for x, y in itertools.zip_longest(_rows(con_a, table, key), _rows(con_b, table, key)):
        if x is not None:
            counts[0] += 1
            sha.update(json.dumps(x, sort_keys=True, default=str, ensure_ascii=False).encode())
        if y is not None:
            counts[1] += 1
        if first is None and x != y:
            at = "/".join(str((x or y or {})[k]) for k in key)
            columns = (
                sorted(c for c in x if x[c] != y.get(c)) if x and y else ["a row on one side only"]
            )
            first = f"first at {'/'.join(key)} {at}: {', '.join(columns)}"
    return {
        "rows": counts[0],
        "rows_b": counts[1],
        "digest": sha.hexdigest()[:16],
        "first_difference": first,
    }


def compare(a: Path, b: Path) -> dict[str, dict[str, Any]]:
    """Every table of two outputs compared (compare_table), by table."""
    con_a, con_b = connect(str(a)), connect(str(b))
    try:
        return {table: compare_table(con_a, con_b, table) for table in KEYS}
    finally:
        con_a.close()
        con_b.close()


def differences(a: Path, b: Path) -> list[str]:
    """One line per table, saying how the two outputs compare; differing tables start with '!'."""
    lines = []
    for table, c in compare(a, b).items():
        if c["first_difference"] is None:
            lines.append(f"  {table}: {c['rows']} rows, same ({c['digest']})")
        else:
            lines.append(
                f"! {table}: {c['rows']} rows against {c['rows_b']}, differ "
                f"({c['first_difference']})"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Compare two outputs; exit 1 if any table differs."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    lines = differences(Path(args[0]), Path(args[1]))
    print("\n".join(lines))
    return 1 if any(line.startswith("!") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
