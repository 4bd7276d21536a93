"""The floor: the same pure functions in a plain Python loop, no Beam. Prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from pipeline.sink import FLUSH_ROWS, TABLES, write_table
from schemas import PIPELINE_VERSION, articles, entities, quotes
from schemas.items import Item, RawDocument
from transforms.dates import OSLO
from transforms.entities import analyse
from transforms.extract import extract
from transforms.identity import assign_id
from transforms.language import LanguageDetector, detect_language
from transforms.ner import NerModel
from transforms.normalise import normalise
from transforms.parse import parse_document
from transforms.partition import item_partition, partition_path
from transforms.quotes import find_quotes
from transforms.temporal import find_dates
from transforms.topic import TopicClassifier, assign_topic


def flush(rows: dict[tuple[str, str, str], list[dict[str, object]]], output: Path) -> float:
    """Write and empty the buffered rows, one file per table and partition; returns seconds."""
    started = time.perf_counter()
    for (table, date, topic), table_rows in rows.items():
        if table_rows:
            schema, key = TABLES[table]
            write_table(str(output / table / partition_path(date, topic)), table_rows, schema, key)
    rows.clear()
    return time.perf_counter() - started


def run(folder: Path, output: Path) -> dict[str, object]:
    """Process every file under `folder` into `output`; returns counts, seconds and stage costs."""
    cost: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    detector, ner, topics = LanguageDetector(), NerModel(), TopicClassifier()
    cost["setup"] += time.perf_counter() - started
    kept: dict[str, Item] = {}
    for path in sorted(folder.rglob("*.xml")):
        t = time.perf_counter()
        doc = RawDocument(
            str(path), path.read_bytes(), datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        )
        outs = parse_document(doc)
        cost["parse"] += time.perf_counter() - t
        for out in outs:
            if isinstance(out, Item):
                item = assign_id(out)
                kept.setdefault(item.article_id or "", item)
    rows: dict[tuple[str, str, str], list[dict[str, object]]] = defaultdict(list)
    n = 0
    for item in kept.values():
        t0 = time.perf_counter()
        item = normalise(item)
        t1 = time.perf_counter()
        result = detect_language(item, detector)
        t2 = time.perf_counter()
        cost["normalise"] += t1 - t0
        cost["language"] += t2 - t1
        if not isinstance(result, Item):
            continue
        item = extract(result)
        t3 = time.perf_counter()
        for text in (item.title, item.summary, item.body):
            if text:
                find_quotes(text)
        t4 = time.perf_counter()
        for text in (item.title, item.summary, item.body):
            if text:
                find_dates(text, None, "none")
        t5 = time.perf_counter()
        item = analyse(item, ner)
        t6 = time.perf_counter()
        item = assign_topic(item, topics)
        t7 = time.perf_counter()
        cost["extract"] += t3 - t2
        cost["quotes"] += t4 - t3
        cost["dates"] += t5 - t4
        cost["entities"] += max(0.0, (t6 - t5) - (t5 - t3))  # analyse does quotes and dates too
        cost["topic"] += t7 - t6
        date, topic = item_partition(item, OSLO)
        rows[("articles", date, topic)].append(articles.to_row(item, PIPELINE_VERSION))
        rows[("entities", date, topic)].extend(entities.to_rows(item, PIPELINE_VERSION))
        rows[("quotes", date, topic)].extend(quotes.to_rows(item, PIPELINE_VERSION))
        n += 1
        if n % FLUSH_ROWS == 0:  # the same bounded buffer as the pipeline's sink
            cost["write"] += flush(rows, output)
    cost["write"] += flush(rows, output)
    seconds = time.perf_counter() - started
    return {
        "articles": n,
        "items": len(kept),
        "seconds": seconds,
        "stages_ms_per_article": {
            k: round(1000 * v / max(1, len(kept)), 4) for k, v in cost.items()
        },
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
