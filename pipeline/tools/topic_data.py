"""Training data for the topic model: feed items with weak labels from their sections and keywords.

An item's label is the topic its section names (categories, URL sections, subdomains: the
newsroom's own filing); items without one take a label from the keyword seeds of
schemas/topics.json only when the keywords are strong and one-sided. Every keyword is also a
tiny training text of its own, so topics the feeds seldom file still have words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.topics import Vocabulary
from nordwire.transforms.identity import assign_id
from nordwire.transforms.normalise import normalise
from nordwire.transforms.parse import parse_document
from nordwire.transforms.sections import SectionMap
from nordwire.transforms.topic_model import topic_text, words

# A keyword label needs this many weighted hits (headline words count twice) and a clear lead.
SEED_MIN_HITS = 3
SEED_LEAD = 2.0
_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".json")


@dataclass(frozen=True, slots=True)
class Example:
    """One training text with its weak label and where it came from (for grouped folds)."""

    title: str
    lede: str
    label: str
    basis: str  # section, keywords or seed
    outlet: str  # source slug; seeds use "seed"
    group: str  # the first feed file the item was seen in


class KeywordSeeds:
    """The vocabulary's keyword lists (`x*` prefix, `*x` suffix) as a weak labeller."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.exact: dict[str, set[str]] = {}
        self.prefix: list[tuple[str, str]] = []
        self.suffix: list[tuple[str, str]] = []
        for topic in vocab.topics:
            for kw in topic.keywords:
                if kw.endswith("*"):
                    self.prefix.append((kw[:-1], topic.slug))
                elif kw.startswith("*"):
                    self.suffix.append((kw[1:], topic.slug))
                else:
                    self.exact.setdefault(kw, set()).add(topic.slug)

    def topics_of(self, word: str) -> set[str]:
        """Topics whose keywords match one lowercase word."""
        found = set(self.exact.get(word, ()))
        found.update(s for p, s in self.prefix if word.startswith(p))
        # A suffix keyword marks a compound: the word must be longer than the suffix.
        found.update(s for p, s in self.suffix if len(word) > len(p) and word.endswith(p))
        return found

    def label(self, title: str, lede: str) -> str | None:
        """The one topic the keywords clearly favour, else None."""
        hits: Counter[str] = Counter()
        for weight, text in ((2, title), (1, lede)):
            for word in words(text):
                for slug in self.topics_of(word):
                    hits[slug] += weight
        ranked = hits.most_common(2)
        if not ranked or ranked[0][1] < SEED_MIN_HITS:
            return None
        if len(ranked) > 1 and ranked[0][1] < SEED_LEAD * ranked[1][1]:
            return None
        return ranked[0][0]

    def texts(self, vocab: Vocabulary) -> list[Example]:
        """Every keyword and section word as a one-word training text (wildcards dropped)."""
        out: list[Example] = []
        for t in vocab.topics:
            for word in dict.fromkeys(k.strip("*") for k in (*t.keywords, *t.categories)):
                if len(word) >= 3:
                    out.append(Example(word, "", t.slug, "seed", "seed", "seed"))
        return out


def feed_files(root: Path) -> list[Path]:
    """Feed files under `root`, sorted (MANIFEST and notes are not feeds)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _FEED_SUFFIXES)


def read_items(root: Path) -> list[Item]:
    """Parsed, identified and normalised items of every feed file, each story once."""
    seen: set[str] = set()
    out: list[Item] = []
    stamp = datetime(2000, 1, 1, tzinfo=UTC)  # fixed: training must not depend on mtimes
    for path in feed_files(root):
        doc = RawDocument(input=str(path.relative_to(root)), data=path.read_bytes(), fetched_at=stamp)
        for parsed in parse_document(doc):
            if not isinstance(parsed, Item):
                continue
            item = normalise(assign_id(parsed))
            if item.article_id is None or item.article_id in seen:
                continue
            if not (item.title or item.summary or item.body):
                continue
            seen.add(item.article_id)
            out.append(item)
    return out


def examples(
    items: list[Item], vocab: Vocabulary, sections: SectionMap, seeds: KeywordSeeds
) -> list[Example]:
    """Weakly labelled examples: the section's topic, else a clear keyword topic, else none."""
    out: list[Example] = []
    for item in items:
        title, lede = topic_text(item.title, item.summary, item.body)
        signals = sections.signals(item.categories, item.link)
        group = re.sub(r"_[0-9a-f]{8}\.xml$", "", item.input)
        if signals:
            out.append(Example(title, lede, signals[0].slug, "section", item.source, group))
            continue
        label = seeds.label(title, lede)
        if label is not None:
            out.append(Example(title, lede, label, "keywords", item.source, group))
    return out
