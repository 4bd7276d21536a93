"""The floor: the same pure functions in a plain Python loop, no Beam. Prints one JSON line.

`python -m tests.bench.plain CORPUS OUTPUT` reads every feed file under CORPUS, runs the
stages the pipeline runs, in its order, and commits the tables through its sink's code (one
Delta commit every FLUSH_ROWS articles). Every step of the loop is timed, so the
stages add up to the whole run; the parts of a stage that run inside one function call (the
feed's language votes and feedparser inside parse, the quote and date finders inside
mentions) are timed apart on a sample (`parts`), so that the timed loop does only the
pipeline's work.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nordwire.pipeline.io.bundle import Story
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import FLUSH_ROWS, commit_rows, story_of
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.extract.mentions import extract_mentions
from nordwire.transforms.extract.metadata import extract_metadata
from nordwire.transforms.extract.ner import NerModel
from nordwire.transforms.feed.dates import OSLO
from nordwire.transforms.feed.identity import assign_id
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.language.detect import LanguageDetector, detect_language, shared_detector
from nordwire.transforms.normalise import normalise
from nordwire.transforms.topics.classify import TopicClassifier, assign_topic

# The loop's steps in pipeline order: what `stages_ms_per_article` reports.
STAGES = (
    "setup",
    "read",
    "parse",
    "identity",
    "normalise",
    "language",
    "metadata",
    "mentions",
    "topic",
    "rows",
    "write",
)
# Functions called inside one stage, timed apart on a sample: (stage, part, module, names);
# the first of the names the module has is timed (the quote finder with its speakers is
# `attribute` where speaker resolution has its own module).
PARTS = (
    (
        "parse",
        "language votes",
        "nordwire.transforms.feed.parse",
        ("with_language_evidence", "with_document_votes"),
    ),
    ("parse", "feedparser", "nordwire.transforms.feed.parse", ("feedparser.parse",)),
    ("mentions", "quotes", "nordwire.transforms.extract.mentions", ("attribute", "find_quotes")),
    ("mentions", "dates", "nordwire.transforms.extract.mentions", ("find_dates",)),
)


# What the loop shares with the sink: the stories it buffers (an article with its entities and
# quotes), and how it commits them (the sink's own functions, so that the floor writes what
# the pipeline writes).
Buffer = list[Story]


def buffer_rows(buffer: Buffer, item: Item) -> None:
    """Add a finished article's story (article, entities, quotes rows) to the buffer."""
    buffer.append(story_of(item, OSLO))


def flush(buffer: Buffer, output: Path) -> None:
    """Commit and empty the buffered stories through the sink's own commit."""
    if buffer:
        commit_rows(Tables(str(output)), buffer)
    buffer.clear()


def documents(folder: Path) -> list[Path]:
    """The corpus's feed files, in a stable order."""
    return sorted(folder.rglob("*.xml"))


def read(path: Path) -> RawDocument:
    """One file as the pipeline reads it (its modification time is the fetch time)."""
    return RawDocument(
        str(path), path.read_bytes(), datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    )


def run(folder: Path, output: Path) -> dict[str, object]:
    """Process every file under `folder` into `output`; returns counts, seconds and stage costs."""
    cost: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    mark = [time.perf_counter()]

    def step(name: str) -> None:  # the time since the previous step is this step's
        now = time.perf_counter()
        cost[name] += now - mark[0]
        mark[0] = now

    started = mark[0]
    # Models load in setup, as the pipeline's stages load theirs; parse's language votes use a
    # detector of their own (shared_detector), which the pipeline loads on the first document.
    detector, ner, topics = LanguageDetector(), NerModel(), TopicClassifier()
    shared_detector()
    step("setup")
    kept: dict[str, Item] = {}
    for path in documents(folder):
        doc = read(path)
        step("read")
        outs = parse_document(doc)
        step("parse")
        for out in outs:
            if isinstance(out, Item):
                item = assign_id(out)
                kept.setdefault(item.article_id or "", item)
        step("identity")
    buffer: Buffer = []
    n = 0
    for item in kept.values():
        item = normalise(item)
        step("normalise")
        result = detect_language(item, detector)
        step("language")
        if not isinstance(result, Item):
            continue
        item = extract_metadata(result)
        step("metadata")
        item = extract_mentions(item, ner)  # entities, quotes and dates: see PARTS
        step("mentions")
        item = assign_topic(item, topics)
        step("topic")
        buffer_rows(buffer, item)
        n += 1
        step("rows")
        if n % FLUSH_ROWS == 0:  # the same bounded buffer as the pipeline's sink
            flush(buffer, output)
            step("write")
    flush(buffer, output)
    step("write")
    seconds = time.perf_counter() - started
    return {
        "articles": n,
        "items": len(kept),
        "seconds": seconds,
        "stages_ms_per_article": {k: 1000 * v / max(1, len(kept)) for k, v in cost.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


@contextmanager
def _timing(spent: dict[str, float]) -> Iterator[None]:
    """Wrap every function of PARTS that exists so that its calls add to `spent`."""
    import importlib

    undo: list[tuple[Any, str, Any]] = []

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    for stage, part, module, names in PARTS:
        for attr in names:
            owner: Any = importlib.import_module(module)
            *path, name = attr.split(".")
            for p in path:
                owner = getattr(owner, p, None)
            fn = getattr(owner, name, None)
            if fn is not None:  # else the stage no longer calls it: try the next name
                undo.append((owner, name, fn))
                setattr(owner, name, timed(f"{stage}/{part}", fn))
                break
    try:
        yield
    finally:
        for owner, name, fn in reversed(undo):
            setattr(owner, name, fn)


def parts(folder: Path, sample: int = 1000) -> dict[str, float]:
    """Share of its stage's time that each part of PARTS takes, on the first `sample` articles.

    Run apart from the timed loop, so the floor does only the pipeline's work.
    """
    spent: dict[str, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    detector, ner = LanguageDetector(), NerModel()
    shared_detector()  # loaded before the timing: the parts' share is of the work, not the loading
    items: list[Item] = []
    with _timing(spent):
        for path in documents(folder):
            doc = read(path)
            started = time.perf_counter()
            outs = parse_document(doc)
            totals["parse"] += time.perf_counter() - started
            for out in outs:
                if isinstance(out, Item):
                    result = detect_language(normalise(assign_id(out)), detector)
                    if isinstance(result, Item):
                        items.append(extract_metadata(result))
            if len(items) >= sample:
                break
        started = time.perf_counter()
        for item in items[:sample]:
            extract_mentions(item, ner)
        totals["mentions"] = time.perf_counter() - started
    return {
        name: spent[name] / totals[stage] if totals[stage] else 0.0
        for stage, part, _, _ in PARTS
        if (name := f"{stage}/{part}") in spent
    }


def split_stages(stages: dict[str, float], shares: dict[str, float]) -> dict[str, float]:
    """`stages` plus each timed part as `stage/part`, in ms per article, by its share."""
    out = dict(stages)
    for name, share in shares.items():
        out[name] = stages.get(name.split("/", 1)[0], 0.0) * share
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
