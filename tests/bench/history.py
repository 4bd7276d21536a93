"""`make bench-history`: writing 1,000 new articles into an output holding 1,000,000 vs an empty one.

The history is built directly with deltalake from synthetic rows (not by running the pipeline):
1,000,000 articles over 365 days (2,740 a day, about what 100 feeds give), their topics skewed
as a newsroom's are (a few topics carry most), each with its revisions row, 3 entity rows and
a quote row for every third; one file per partition, as `nordwire compact` leaves a table, and
a checkpoint. It is built once into --work and reused.

The write is the sink's own (pipeline/io/sink.py: commit_rows) of 1,000 finished articles
dated the day after the history, each with 10 entities and a quote, by a writer that opens the
tables as a run does. Rounds alternate between a fresh empty output and the full one (new ids
each round), each both by a writer that opens the tables and by one that has them open (a Beam
worker opens them once in setup; Delta's log replay on opening grows with the table's files).
The last line reads `history cost ratio: R`: the median commit into the full output over the
median into the empty one, tables open; the line before gives the ratio with the opening.
"""

from __future__ import annotations

import argparse
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
from nordwire.pipeline.io.delta import (
    WRITER,
    Tables,
    configuration,
    partition_columns,
    physical_schema,
    table_uri,
)
from nordwire.pipeline.io.revise import Story
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.dates import OSLO

from tests.conftest import ROOT, make_item

HISTORY = 1_000_000
DAYS = 365
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


def _item(key: str, i: int, day: date, topic: str) -> Item:
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
        article_id=_hex(f"new-{key}-", i),
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


def build_history(folder: Path) -> None:
    """The 1,000,000-article output, written straight with deltalake (once; reused after)."""
    marker = folder / "_built"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    template = story_of(_item("template", 0, FIRST_DAY, "politics"), OSLO)
    started = time.perf_counter()
    for lo in range(0, HISTORY, CHUNK):
        # Rows in date order, so each day's partitions get one file, as after a compaction.
        for name, table in _history_chunks(template, lo, min(HISTORY, lo + CHUNK)).items():
            write_deltalake(
                table_uri(str(folder), name),
                table,
                partition_by=partition_columns(name),
                mode="append",
                configuration=configuration(name),
                writer_properties=WRITER,
            )
        print(
            f"  history: {min(HISTORY, lo + CHUNK):,} articles, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    for name in ("articles", "revisions", "entities", "quotes"):
        DeltaTable(table_uri(str(folder), name)).create_checkpoint()
    marker.write_text("built\n")


def new_stories(key: str, day: date) -> list[Story]:
    """1,000 finished articles of `day` with ids only this key gives."""
    topics = _topics()
    return [story_of(_item(key, i, day, topics[i % len(topics)]), OSLO) for i in range(1000)]


def _timed(output: str, stories: list[Story], *, opened: bool) -> float:
    """Seconds to commit the stories; `opened`: by a writer that has the tables open already
    (a Beam worker opens them in setup, the poller once a cycle), else opening them too."""
    tables = Tables(output)
    if opened:
        tables.refresh(["revisions", "articles", "entities", "quotes"])
    started = time.perf_counter()
    out = commit_rows(tables if opened else Tables(output), stories)
    seconds = time.perf_counter() - started
    assert sum(out.new.values()) == len(stories), out
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the history, time the rounds, print the figures and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-history")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"building the history in {args.work} (once) ...", flush=True)
    build_history(args.work)
    full = str(args.work)
    files = sum(
        len(DeltaTable(table_uri(full, t)).file_uris())
        for t in ("articles", "revisions", "entities", "quotes")
    )
    print(f"history: {HISTORY:,} articles over {DAYS} days, {files:,} files in four tables")
    day = FIRST_DAY + timedelta(days=DAYS)
    runs: dict[tuple[str, bool], list[float]] = {}
    token = f"{time.time_ns():x}"  # ids new to the reused history on every invocation
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for opened in (False, True):
                # Alternate empty and full in one loop, so a busy machine slows both alike.
                kind = "open" if opened else "cold"
                empty = str(Path(tmp) / f"empty-{r}-{kind}")
                e = _timed(empty, new_stories(f"{token}-e{r}{kind}", day), opened=opened)
                f = _timed(full, new_stories(f"{token}-f{r}{kind}", day), opened=opened)
                runs.setdefault(("empty", opened), []).append(e)
                runs.setdefault(("full", opened), []).append(f)
                print(f"round {r + 1}, tables {kind}: empty {e:.2f} s, full {f:.2f} s", flush=True)
    median = {k: statistics.median(v) for k, v in runs.items()}
    print(
        "median, opening the tables too (a one-off run): "
        f"empty {median[('empty', False)]:.2f} s, full {median[('full', False)]:.2f} s, "
        f"ratio {median[('full', False)] / median[('empty', False)]:.2f}"
    )
    print(
        "median, tables already open (a worker's or the poller's commit): "
        f"empty {median[('empty', True)]:.2f} s, full {median[('full', True)]:.2f} s"
    )
    print(f"history cost ratio: {median[('full', True)] / median[('empty', True)]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
