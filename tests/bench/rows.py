"""Are two outputs the same rows? The check that a speed change changed nothing written.

`python -m tests.bench.rows OUT_A OUT_B` reads every table of both outputs through the same
views a user queries (`nordwire.pipeline.query.connect`), orders each by its key, and compares
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
import json
import sys
from pathlib import Path
from typing import Any

from nordwire.pipeline.query import connect

# table -> its key columns (one row per key)
KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("article_id",),
    "entities": ("entity_id",),
    "quotes": ("quote_id",),
    "rejects": ("reject_id",),
    "revisions": ("article_id", "revision"),
}


def table_rows(output: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in `output`, each ordered by its key (an absent table has none)."""
    con = connect(str(output))
    try:
        out = {}
        for table, key in KEYS.items():
            cursor = con.execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}")
            columns = [d[0] for d in cursor.description]
            out[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return out
    finally:
        con.close()


def digest(rows: list[dict[str, Any]]) -> str:
    """A short digest of rows, independent of their column order."""
    text = json.dumps(rows, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def differences(a: Path, b: Path) -> list[str]:
    """One line per table, saying how the two outputs compare; differing tables start with '!'."""
    lines = []
    ours, theirs = table_rows(a), table_rows(b)
    for table, key in KEYS.items():
        left, right = ours[table], theirs[table]
        if left == right:
            lines.append(f"  {table}: {len(left)} rows, same ({digest(left)})")
            continue
        first = next(
            (
                ("/".join(str(x[k]) for k in key), sorted(c for c in x if x[c] != y.get(c)))
                for x, y in zip(left, right, strict=False)
                if x != y
            ),
            None,
        )
        where = f"first at {'/'.join(key)} {first[0]}: {', '.join(first[1])}" if first else "extra rows"
        lines.append(f"! {table}: {len(left)} rows against {len(right)}, differ ({where})")
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
