"""A realistic benchmark corpus: feed files built from real Norwegian sentences.

The sentences are NorNE's (bokmål and nynorsk, ../shared/data) when present: tens of thousands
of sentences with a newsroom's vocabulary, so per-word caches see as many distinct words as on
real feeds. Without the shared data they are the bundled samples' and the seed article's (a
few hundred sentences, which flatter those caches).

Four in five items are a title and a 30–100 word summary, one in five a full 300–800 word wire
article (as RSS content); ids, dates and categories are all distinct or varied.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from tests.conftest import ROOT, SEED, SHARED

CATEGORIES = [
    "Politikk",
    "Sport",
    "Økonomi",
    "Kultur",
    "Innenriks",
    "Utenriks",
    "Helse",
    "Vêr",
    "Krim",
    "",
]
ITEMS_PER_FEED = 100


NORNE = SHARED / "data" / "norne"
_NO_SPACE_BEFORE = frozenset(",.:;!?)»”%")


def _detokenise(words: list[str]) -> str:
    out = ""
    for w in words:
        if out and w not in _NO_SPACE_BEFORE and not out.endswith(("(", "«", "“")):
            out += " "
        out += w
    return out


def norne_sentences() -> list[str]:
    """NorNE's sentences as running text (bokmål and nynorsk, train and dev); [] when absent."""
    out: list[str] = []
    for path in sorted(NORNE.glob("*/*.conll*")) if NORNE.is_dir() else []:
        words: list[str] = []
        for line in [*path.read_text("utf-8").splitlines(), ""]:
            if not line.strip():
                if words:
                    out.append(_detokenise(words))
                words = []
            elif not line.startswith("#"):
                cols = line.split("\t")
                if len(cols) > 1 and "-" not in cols[0] and "." not in cols[0]:
                    words.append(cols[1])
    return [s for s in out if 40 < len(s) < 300 and not re.search(r"[<>{}=|]", s)]


def sentence_pool() -> list[str]:
    """NorNE's sentences when ../shared/data is present, else the bundled samples' and the
    seed article's."""
    norne = norne_sentences()
    if norne:
        return norne
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "pipeline" / "samples").iterdir())]
    if SEED.exists():
        texts.append(SEED.read_text("utf-8"))
    text = re.sub(r"<[^>]+>|&lt;[^&]+&gt;", " ", "\n".join(texts))
    sentences = re.split(r"(?<=[.!?])\s+", text)
    keep = [
        s.strip()
        for s in sentences
        if 40 < len(s.strip()) < 300 and not re.search(r"[<>{}=]|date \d", s)
    ]
    norwegian = [s for s in keep if not re.search(r"\b(the|och|af|ikkje|seier)\b", s)]
    return norwegian


def _words(rng: random.Random, pool: list[str], low: int, high: int) -> str:
    target = rng.randint(low, high)
    out: list[str] = []
    while sum(len(s.split()) for s in out) < target:
        out.append(rng.choice(pool))
    return " ".join(out)


def build(folder: Path, articles: int, seed: int = 0) -> list[Path]:
    """Write `articles` items as RSS files of ITEMS_PER_FEED items into `folder`."""
    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    paths = []
    for f in range(0, articles, ITEMS_PER_FEED):
        items = []
        for i in range(f, min(f + ITEMS_PER_FEED, articles)):
            when = start + timedelta(minutes=37 * i)
            title = " ".join(rng.choice(pool).split()[: rng.randint(5, 11)]).rstrip(",.")
            cat = rng.choice(CATEGORIES)
            body = ""
            if i % 5 == 4:
                paras = [_words(rng, pool, 40, 90) for _ in range(rng.randint(6, 9))]
                body = f"<content:encoded>{escape(''.join(f'<p>{p}</p>' for p in paras))}</content:encoded>"
            items.append(
                f"<item><title>{escape(title)} ({i})</title><link>https://bench.example.no/sak/{i}</link>"
                f'<guid isPermaLink="false">bench-{i:07d}</guid>'
                f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                + (f"<category>{cat}</category>" if cat else "")
                + f"<description>{escape(_words(rng, pool, 30, 100))}</description>{body}</item>"
            )
        path = folder / f"feed-{f // ITEMS_PER_FEED:05d}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Benk</title><link>https://bench.example.no/</link>{''.join(items)}</channel></rss>",
            "utf-8",
        )
        paths.append(path)
    return paths
