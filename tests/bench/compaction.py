"""Small files vs compacted: DuckDB query times over a day of simulated polling.

`python -m tests.bench.compaction [--feeds 20] [--cycles 288]` (`make bench-compaction`)
writes what a poller writes in a day — every cycle's new articles, with their entity and
quote rows, through the sink's own commit, one Delta commit (a file per partition touched)
per table per cycle — into three outputs: left as written, rolled every hour (what `nordwire
poll --compact-after 3600` does), and compacted at the end of the day (`nordwire compact`). It
prints files, bytes and the median time of a few queries over each.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nordwire.pipeline.compaction import compact
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.pipeline.read.query import connect
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.transforms.feed.dates import OSLO

TOPICS = [
    "politics",
    "sport",
    "crime-law-justice",
    "economy-business-finance",
    "society",
    "arts-culture-entertainment-media",
    "weather",
    "health",
]
QUERIES = {
    "count by topic": "SELECT topic, count(*) FROM articles GROUP BY topic",
    "people named today": "SELECT normalised, count(*) AS n FROM entities WHERE label = 'PER' "
    "GROUP BY 1 ORDER BY n DESC LIMIT 10",
    "quotes per topic (join)": "SELECT a.topic, count(*) FROM quotes q JOIN articles a "
    "USING (article_id) GROUP BY 1",
}
DAY = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)


def article(n: int, rng: random.Random, at: datetime) -> Item:
    body = " ".join(f"Ord{rng.randrange(5000)}" for _ in range(rng.randrange(150, 600)))
    names = [f"Person {rng.randrange(300)}" for _ in range(6)]
    return Item(
        input="https://example.no/feed",
        item_index=n,
        format="rss20",
        source="example.no",
        fetched_at=at,
        article_id=f"{n:016x}",
        identity_basis="guid",
        guid=f"sak-{n}",
        url=f"https://example.no/sak-{n}",
        title=f"Sak {n}",
        body=body,
        published_at=at,
        date_precision="time",
        language="nb",
        variety="nb",
        language_confidence=0.99,
        topic=rng.choice(TOPICS),
        entities=tuple(
            Mention("body", name, "PER", i * 10, i * 10 + len(name), 0, name)
            for i, name in enumerate(names)
        ),
        quotes=(QuoteMention("body", "– Dette er et sitat.", 0, 20, names[0], names[0], "sier"),),
    )


def simulate(output: Path, feeds: int, cycles: int, roll_every: int = 0) -> float:
    """A day of cycles; returns seconds spent rolling (0 when never)."""
    rng = random.Random(7)
    n, rolling = 0, 0.0
    tables = Tables(str(output))
    for cycle in range(cycles):
        at = DAY + timedelta(minutes=5 * cycle)
        # About one new story per four feeds per cycle: ~1,400 articles a day from 20 feeds.
        fresh = [article(n + i, rng, at) for i in range(rng.randrange(0, feeds // 2 + 1))]
        n += len(fresh)
        if fresh:
            commit_rows(tables, [story_of(item, OSLO) for item in fresh])
        # Rolls fall mid-way through the hour's cycles, so the day ends with half an hour of
        # small files not rolled yet: the state a query meets on average.
        if roll_every and (cycle + 1 + roll_every // 2) % roll_every == 0:
            started = time.perf_counter()
            compact(str(output), before="2026-11-25")
            rolling += time.perf_counter() - started
    return rolling


def measure(output: Path, repeat: int = 5) -> dict[str, float]:
    """Median seconds per query (a fresh connection each time, as `nordwire query` does)."""
    times: dict[str, float] = {}
    for name, sql in QUERIES.items():
        runs = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            con = connect(str(output))
            con.execute(sql).fetchall()
            con.close()
            runs.append(time.perf_counter() - started)
        times[name] = statistics.median(runs[1:])  # the first run warms the page cache
    return times


def files(output: Path) -> tuple[int, int]:
    """Data files a snapshot of each table names (vacuum deletes the others later)."""
    from deltalake import DeltaTable

    found = [
        Path(uri.removeprefix("file://"))
        for table in ("articles", "entities", "quotes", "revisions")
        if (output / table / "_delta_log").is_dir()
        for uri in DeltaTable(str(output / table)).file_uris()
    ]
    return len(found), sum(p.stat().st_size for p in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=288)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nordwire-compaction-"))
    try:
        rows = []
        raw = root / "as-written"
        simulate(raw, args.feeds, args.cycles)
        rows.append(("as written (one file per partition per cycle)", raw, 0.0))
        rolled = root / "rolled"
        spent = simulate(rolled, args.feeds, args.cycles, roll_every=12)
        rows.append(("rolled hourly (poll --compact-after 3600)", rolled, spent))
        shutil.copytree(raw, root / "compacted")
        started = time.perf_counter()
        report = compact(str(root / "compacted"), before="2026-11-25")
        rows.append(
            ("compacted (nordwire compact)", root / "compacted", time.perf_counter() - started)
        )
        print(f"{report.line()}; {args.feeds} feeds, {args.cycles} cycles\n")
        names = list(QUERIES)
        print(
            "| output | files | MB | "
            + " | ".join(f"{q} (ms)" for q in names)
            + " | compaction (s) |"
        )
        print("|---|---|---|" + "---|" * len(names) + "---|")
        for label, folder, seconds in rows:
            count, size = files(folder)
            times = measure(folder)
            cells = " | ".join(f"{times[q] * 1000:.0f}" for q in names)
            print(f"| {label} | {count} | {size / 1e6:.1f} | {cells} | {seconds:.1f} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
