"""The floor: the same pure functions in a plain Python loop, no Beam. Prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.revise import Story
from nordwire.pipeline.io.sink import FLUSH_ROWS, commit_rows, story_of
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.dates import OSLO
from nordwire.transforms.identity import assign_id
from nordwire.transforms.language import LanguageDetector, detect_language
from nordwire.transforms.mentions import extract_mentions
from nordwire.transforms.metadata import extract_metadata
from nordwire.transforms.ner import NerModel
from nordwire.transforms.normalise import normalise
from nordwire.transforms.parse import parse_document
from nordwire.transforms.topic import TopicClassifier, assign_topic


def flush(stories: list[Story], output: Path) -> float:
    """Commit and empty the buffered stories through the sink's own commit; returns seconds."""
    started = time.perf_counter()
    if stories:
        commit_rows(Tables(str(output)), stories)
    stories.clear()
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
    rows: list[Story] = []
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
        item = extract_metadata(result)
        t3 = time.perf_counter()
        item = extract_mentions(item, ner)  # entities, quotes and dates: see analysis_split
        t4 = time.perf_counter()
        item = assign_topic(item, topics)
        t5 = time.perf_counter()
        cost["metadata"] += t3 - t2
        cost["mentions"] += t4 - t3
        cost["topic"] += t5 - t4
        rows.append(story_of(item, OSLO))
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


def analysis_split(folder: Path, sample: int = 1000) -> dict[str, float]:
    """Shares of `extract_mentions` spent on quotes with speakers and on dates, timed on `sample` articles.

    Run apart from the timed loop, so the floor does only the pipeline's work.
    """
    import nordwire.transforms.mentions as analysis

    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    detector, ner = LanguageDetector(), NerModel()
    items = []
    for path in sorted(folder.rglob("*.xml")):
        doc = RawDocument(str(path), path.read_bytes(), datetime.now(UTC))
        for out in parse_document(doc):
            if isinstance(out, Item):
                result = detect_language(normalise(assign_id(out)), detector)
                if isinstance(result, Item):
                    items.append(extract_metadata(result))
        if len(items) >= sample:
            break
    # "quotes" is the quote finder with the speaker resolution (attribution.attribute)
    originals = analysis.attribute, analysis.find_dates
    analysis.attribute = timed("quotes", analysis.attribute)
    analysis.find_dates = timed("dates", analysis.find_dates)
    try:
        started = time.perf_counter()
        for item in items[:sample]:
            extract_mentions(item, ner)
        total = time.perf_counter() - started
    finally:
        analysis.attribute, analysis.find_dates = originals
    return {name: spent[name] / total for name in ("quotes", "dates")}


def split_stages(stages: dict[str, float], shares: dict[str, float]) -> dict[str, float]:
    """Stage costs with `extract_mentions` split into entities, quotes and dates by `shares`."""
    out = {k: v for k, v in stages.items() if k != "mentions"}
    analysed = stages.get("mentions", 0.0)
    for name, share in shares.items():
        out[name] = round(analysed * share, 4)
    out["entities"] = round(analysed * (1 - sum(shares.values())), 4)
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
