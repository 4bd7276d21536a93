"""`make bench-history`: writing 1,000 new articles into an output holding 1,000,000 vs an empty one.

The history is what a year of daily `nordwire run`s leaves, each day compacted as a user's
nightly `nordwire compact` does, built once into --work and reused: 1,000,000 articles over
365 days (2,740 a day, about what 100 feeds give), topics skewed as a newsroom's are (a few
carry most), each with its revisions row, entity rows and quote rows.
- The first 358 days are written in bulk, straight with deltalake from synthetic rows: one
  file per partition, as compaction leaves a closed day, 3 entities each and a quote for
  every third article.
- The last 7 days go through the sink itself (pipeline/io/sink.py: commit_rows) as a daily
  run writes them (one bundle a day, 10 entities and a quote each), each followed by the
  compaction of its day (optimize, vacuum, checkpoint, log cleanup). The log then holds what
  the 7-day log retention keeps of a year of such days. The week is written first, while the
  tables are small (cheaper to build; the live files and the log a writer meets are the same
  in either order), then the bulk, then a checkpoint.

The write is the sink's own (commit_rows) of 1,000 finished articles dated the day after the
history, each with 10 entities and a quote: one bundle, one commit per table. Rounds alternate
between a fresh empty output and the full one (new ids each round), each both by a writer
that opens the tables and by one that has them open (a Beam worker opens them once in setup,
the poller once per process). Wall time and the process's CPU time are both taken: on a shared
machine the CPU time is the steadier measure of the work. The last line reads `history cost
ratio: R`: the median wall time of the commit into the full output over the median into the
empty one, tables open; the lines before give the CPU-time ratio and the ratio with opening.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from nordwire.pipeline.compaction import compact
from nordwire.pipeline.io.bundle import Story
from nordwire.pipeline.io.delta import (
    WRITER,
    Tables,
    configuration,
    partition_columns,
    physical_schema,
    table_uri,
)
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import ROOT, make_item

HISTORY = 1_000_000
DAYS = 365
WEEK = 7  # the last days, written through the sink as daily runs write them
FIRST_DAY = date(2025, 1, 1)
CHUNK = 100_000
BODY = (
    "Regjeringen la fram forslaget i Stortinget tirsdag. «Vi må ta grep nå», sa statsministeren "
    "til NTB etter møtet med partilederne i Oslo. Opposisjonen varsler motstand. "
) * 12


def _hex(kind: str, i: int) -> str:
    return hashlib.sha256(f"{kind}{i}".encode()).hexdigest()[:20]


def _topics() -> list[str]:
    """The vocabulary, weighted 1/k: politics-like topics often, the rare ones a few a day."""
    slugs = list(vocabulary().slugs)
    return [slug for k, slug in enumerate(slugs) for _ in range(max(1, 36 // (k + 1)))]


def _item(article_id: str, i: int, day: date, topic: str) -> Item:
    names = ["Jonas Gahr Støre", "Erna Solberg", "Equinor", "Oslo", "Bergen"]
    entities = tuple(
        Mention(
            "body",
            n,
            "PER" if k < 2 else "ORG" if k == 2 else "GPE_LOC",
            k * 20,
            k * 20 + len(n),
            0,
            n,
        )
        for r in range(2)
        for k, n in enumerate(names)
    )
    quote = QuoteMention(
        "body", "Vi må ta grep nå", 92, 108, "Jonas Gahr Støre", "statsministeren", "sa"
    )
    published = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(seconds=i % 36000)
    return make_item(
        input="https://www.nrk.no/toppsaker.rss",
        article_id=article_id,
        identity_basis="guid",
        guid=f"https://www.nrk.no/sak-{i}",
        url=f"https://www.nrk.no/sak-{i}",
        title=f"Sak nummer {i} om budsjettet",
        summary=BODY[:300],
        body=BODY,
        published_at=published,
        date_precision="time",
        date_basis="published",
        language="nb",
        variety="nb",
        language_confidence=0.98,
        topic=topic,
        topics=((topic, 0.9),),
        topic_basis="text",
        entities=entities,
        quotes=(quote,),
        fetched_at=published + timedelta(minutes=5),
        channel_date=published + timedelta(minutes=4),
    )


def _columns(
    template: dict[str, Any], schema: pa.Schema, varying: dict[str, list[Any]], n: int
) -> pa.Table:
    """A table of `n` rows: `varying` columns as given, every other one the template's value."""
    arrays = [
        pa.array(varying[f.name], f.type)
        if f.name in varying
        else pa.array([template.get(f.name)] * n, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _history_chunks(template: Story, lo: int, hi: int) -> dict[str, pa.Table]:
    topics = _topics()
    n = hi - lo
    ids = [_hex("article", i) for i in range(lo, hi)]
    hashes = [_hex("hash", i) for i in range(lo, hi)]
    days = [FIRST_DAY + timedelta(days=(i * DAYS) // HISTORY) for i in range(lo, hi)]
    topic = [topics[int(_hex("topic", i)[:6], 16) % len(topics)] for i in range(lo, hi)]
    stamp = [datetime(d.year, d.month, d.day, 12, tzinfo=UTC) for d in days]
    article = {**template.row, "date": FIRST_DAY, "topic": "politics"}
    out = {
        "articles": _columns(
            article,
            physical_schema("articles"),
            {
                "article_id": ids,
                "content_hash": hashes,
                "title": [f"Sak {i}" for i in range(lo, hi)],
                "date": days,
                "topic": topic,
                "published_at": stamp,
                "fetched_at": stamp,
                "first_seen_at": stamp,
                "revised_at": stamp,
            },
            n,
        )
    }
    revision = {
        "article_id": "",
        "revision": 1,
        "content_hash": "",
        "seen_at": stamp[0],
        "revised_at": stamp[0],
        "clock_basis": "channel",
        "title": "Sak",
        "topic": "politics",
        "changed": [],
        "field_hashes": [],
        "input": "https://www.nrk.no/toppsaker.rss",
        "pipeline_version": "bench",
        "schema_version": 1,
    }
    out["revisions"] = _columns(
        revision,
        physical_schema("revisions"),
        {
            "article_id": ids,
            "content_hash": hashes,
            "date": days,
            "topic": topic,
            "seen_at": stamp,
            "revised_at": stamp,
        },
        n,
    )
    for name, per, rows in (("entities", 3, template.entities), ("quotes", 1, template.quotes)):
        every = 1 if name == "entities" else 3
        picked = [k for k in range(n) if k % every == 0 for _ in range(per)]
        out[name] = _columns(
            {**rows[0], "date": FIRST_DAY, "topic": "politics"},
            physical_schema(name),
            {
                "entity_id" if name == "entities" else "quote_id": [
                    _hex(name, lo * 3 + j) for j in range(len(picked))
                ],
                "article_id": [ids[k] for k in picked],
                "content_hash": [hashes[k] for k in picked],
                "date": [days[k] for k in picked],
                "topic": [topic[k] for k in picked],
            },
            len(picked),
        )
    return out


def _day_of(i: int) -> date:
    return FIRST_DAY + timedelta(days=(i * DAYS) // HISTORY)


def _first_of_week() -> int:
    """The index of the first article of the last WEEK days."""
    return next(i for i in range(HISTORY) if _day_of(i) >= FIRST_DAY + timedelta(DAYS - WEEK))


def _write_week(folder: Path, lo: int) -> None:
    """Articles lo.. (the last WEEK days) through the sink, a run a day, then its compaction."""
    topics = _topics()
    started = time.perf_counter()
    for day in (FIRST_DAY + timedelta(days=d) for d in range(DAYS - WEEK, DAYS)):
        stories = [
            story_of(
                _item(
                    _hex("article", i), i, day, topics[int(_hex("topic", i)[:6], 16) % len(topics)]
                ),
                OSLO,
            )
            for i in range(lo, HISTORY)
            if _day_of(i) == day
        ]
        commit_rows(Tables(str(folder)), stories)
        compact(str(folder), specs=(f"date={day}",))
        print(
            f"  history: {day}, through the sink, {time.perf_counter() - started:.0f} s", flush=True
        )


def build_history(folder: Path) -> None:
    """The 1,000,000-article output (once; reused after): the last week first, then the bulk."""
    marker = folder / "_built"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    week = _first_of_week()
    _write_week(folder, week)
    template = story_of(_item("template", 0, FIRST_DAY, "politics"), OSLO)
    started = time.perf_counter()
    for lo in range(0, week, CHUNK):
        # Rows in date order, so each day's partitions get one file, as after a compaction.
        for name, table in _history_chunks(template, lo, min(week, lo + CHUNK)).items():
            write_deltalake(
                table_uri(str(folder), name),
                table,
                partition_by=partition_columns(name),
                mode="append",
                configuration=configuration(name),
                writer_properties=WRITER,
            )
        print(
            f"  history: {min(week, lo + CHUNK):,} articles in bulk, "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    for name in ("articles", "revisions", "entities", "quotes"):
        DeltaTable(table_uri(str(folder), name)).create_checkpoint()
    marker.write_text("built\n")


def log_entries(folder: Path) -> int:
    """Entries (commits and checkpoints) in the four tables' logs."""
    return sum(
        len(list((folder / t / "_delta_log").glob("0*")))
        for t in ("articles", "revisions", "entities", "quotes")
    )


def new_stories(key: str, day: date) -> list[Story]:
    """1,000 finished articles of `day` with ids only this key gives."""
    topics = _topics()
    return [
        story_of(_item(_hex(f"new-{key}-", i), i, day, topics[i % len(topics)]), OSLO)
        for i in range(1000)
    ]


def _timed(output: str, stories: list[Story], *, opened: bool) -> tuple[float, float]:
    """(wall, CPU) seconds to commit the stories; `opened`: by a writer that has the tables
    open already (a Beam worker opens them in setup, the poller once), else opening them too."""
    tables = Tables(output)
    if opened:
        tables.refresh(["revisions", "articles", "entities", "quotes"])
    gc.collect()  # the previous round's tables are freed now, not inside this timing
    wall, cpu = time.perf_counter(), time.process_time()
    out = commit_rows(tables if opened else Tables(output), stories)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert sum(out.new.values()) == len(stories), out
    return wall, cpu


def _roll(full: str, day: date) -> None:
    """What the poller's roll does to the day the rounds write into: one file per partition."""
    compact(full, specs=(f"date={day}",))


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the history, time the rounds, print the figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-history")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"building the history in {args.work} (once) ...", flush=True)
    build_history(args.work)
    full = str(args.work)
    day = FIRST_DAY + timedelta(days=DAYS)
    _roll(full, day)  # rounds of an earlier invocation: compacted, as an hour later
    files = sum(
        len(DeltaTable(table_uri(full, t)).file_uris())
        for t in ("articles", "revisions", "entities", "quotes")
    )
    print(
        f"history: {HISTORY:,} articles over {DAYS} days, {files:,} files in four tables, "
        f"{log_entries(args.work):,} log entries (a week of commits and checkpoints)"
    )
    runs: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    token = f"{time.time_ns():x}"  # ids new to the reused history on every invocation
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for opened in (False, True):
                # Empty and full alternate in one loop, each first every other round, so a
                # busy machine slows both alike.
                kind = "open" if opened else "cold"
                order = ("empty", "full") if r % 2 == 0 else ("full", "empty")
                took = {}
                for which in order:
                    output = str(Path(tmp) / f"empty-{r}-{kind}") if which == "empty" else full
                    stories = new_stories(f"{token}-{which}{r}{kind}", day)
                    took[which] = _timed(output, stories, opened=opened)
                    runs.setdefault((which, opened), []).append(took[which])
                print(
                    f"round {r + 1}, tables {kind}: empty {took['empty'][0]:.2f} s "
                    f"(CPU {took['empty'][1]:.2f}), full {took['full'][0]:.2f} s "
                    f"(CPU {took['full'][1]:.2f})",
                    flush=True,
                )
    _roll(full, day)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    spread = {k: (min(w for w, _ in v), max(w for w, _ in v)) for k, v in runs.items()}
    print(
        "median, opening the tables too (a one-off run): "
        f"empty {wall[('empty', False)]:.2f} s, full {wall[('full', False)]:.2f} s, "
        f"ratio {wall[('full', False)] / wall[('empty', False)]:.2f}"
    )
    print(
        "median, tables already open (a worker's or the poller's commit): "
        f"empty {wall[('empty', True)]:.2f} s ({spread[('empty', True)][0]:.2f}-"
        f"{spread[('empty', True)][1]:.2f}), full {wall[('full', True)]:.2f} s "
        f"({spread[('full', True)][0]:.2f}-{spread[('full', True)][1]:.2f}); CPU time "
        f"empty {cpu[('empty', True)]:.2f} s, full {cpu[('full', True)]:.2f} s, "
        f"ratio {cpu[('full', True)] / cpu[('empty', True)]:.2f}"
    )
    print(f"history cost ratio: {wall[('full', True)] / wall[('empty', True)]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
