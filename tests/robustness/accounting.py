"""Account for every file and item of a corpus run: items in = articles + rejects, per file.

`python -m tests.robustness.accounting DIR [DIR ...]` (what `make robustness` runs) prints the
counts table for each corpus; the tests call `account()`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nordwire.pipeline.config import parse
from nordwire.pipeline.io.decompress import read_capped
from nordwire.pipeline.io.sources import check_regular, display_path
from nordwire.pipeline.read.query import connect
from nordwire.pipeline.runner import run_job
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.feed.parse import MAX_INPUT_BYTES, parse_document


@dataclass
class Accounting:
    """What a corpus run did, and every file whose numbers do not add up."""

    files: int = 0
    items: int = 0
    articles: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)
    distinct_ids: int = 0
    distinct_urls: int = 0
    articles_with_url: int = 0


def expected(path: Path) -> tuple[int, int]:
    """(items, file-level rejects) the read and parse stages make of one file, outside Beam."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            return 0, 1  # too_large
        check_regular(str(path))
        with path.open("rb") as handle:  # read as the pipeline reads: sniffed, capped
            data = read_capped(handle, MAX_INPUT_BYTES)
    except Exception:  # too_large or unreadable: one file-level reject
        return 0, 1
    outs = parse_document(RawDocument(str(path), data, datetime.now(UTC)))
    items = sum(1 for o in outs if isinstance(o, Item) or o.item_index is not None)
    return items, len(outs) - items


def account(corpus: Path, output: Path) -> Accounting:
    """Run nordwire over `corpus` into `output` and check every file's books."""
    run_job(parse("run", {"input": [str(corpus)], "output": str(output)}))
    con = connect(str(output))
    arts = dict(con.execute("SELECT input, count(*) FROM articles GROUP BY 1").fetchall())
    item_rejects = dict(
        con.execute(
            "SELECT input, count(*) FROM rejects WHERE item_index IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    file_rejects = dict(
        con.execute(
            "SELECT input, count(*) FROM rejects WHERE item_index IS NULL GROUP BY 1"
        ).fetchall()
    )
    acc = Accounting()
    acc.rejects.update(
        dict(con.execute("SELECT reason, count(*) FROM rejects GROUP BY 1").fetchall())
    )
    acc.articles, acc.distinct_ids, acc.distinct_urls, acc.articles_with_url = con.execute(
        "SELECT count(*), count(DISTINCT article_id), count(DISTINCT url), count(url) FROM articles"
    ).fetchone() or (0, 0, 0, 0)
    for path in files(corpus):
        acc.files += 1
        items, file_level = expected(path)
        acc.items += items
        name = display_path(str(path))  # how the pipeline stores a name that is not UTF-8
        got_items = arts.get(name, 0) + item_rejects.get(name, 0)
        got_file = file_rejects.get(name, 0)
        if (got_items, got_file) != (items, file_level):
            acc.mismatches.append(
                f"{display_path(str(path))}: expected {items} items + {file_level} file rejects, got {got_items} + {got_file}"
            )
    return acc


def files(corpus: Path) -> list[Path]:
    """Every file below `corpus` as the pipeline lists them: links to folders not followed."""
    found = [Path(root) / name for root, _, names in os.walk(corpus) for name in names]
    return sorted(p for p in found if os.path.lexists(p) and not p.is_dir())


def table(rows: list[tuple[str, Accounting]]) -> str:
    """The counts table, in Markdown."""
    lines = [
        "| corpus | files | items | articles | distinct ids | duplicates | other rejects | unaccounted files |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, a in rows:
        others = ", ".join(f"{k} {v}" for k, v in a.rejects.most_common() if k != "duplicate")
        lines.append(
            f"| {name} | {a.files} | {a.items} | {a.articles} | {a.distinct_ids} | "
            f"{a.rejects.get('duplicate', 0)} | {others} | {len(a.mismatches)} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the table for each corpus folder named; exit 1 if any file is unaccounted for."""
    rows = []
    for corpus in argv:
        with tempfile.TemporaryDirectory() as out:
            acc = account(Path(corpus), Path(out))
        rows.append((corpus, acc))
        for line in acc.mismatches:
            print("UNACCOUNTED", line)
    print(table(rows))
    return 1 if any(a.mismatches for _, a in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
