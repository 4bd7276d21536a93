"""Training data for the topic model: feed items with weak labels from their sections, desks and keywords.

An item's label is the topic its section names (categories, URL sections, subdomains: the
newsroom's own filing). An item filed only under a general news desk (nyheter, innenriks,
utenriks, a regional desk) is hard news: it takes a keyword label when the keywords of
schemas/topics.json are strong and one-sided, else the model's own class `news` ("news, not
sport"). Other items take a keyword label or none. Every keyword is also a tiny training text
of its own, so topics the feeds seldom file still have words.

The gold an item is scored against is only the newsroom's: its section's topic, or `news` for
an item filed only under a news desk; keyword labels train but are never gold.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.topics import Vocabulary
from nordwire.transforms.feed.identity import assign_id
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.normalise import normalise
from nordwire.transforms.topics.lexicon import Lexicon
from nordwire.transforms.topics.model import HARD_NEWS, topic_text, words
from nordwire.transforms.topics.sections import SectionMap, fold

# A keyword label needs this many weighted hits (headline words count twice) and a clear lead.
SEED_MIN_HITS = 3
SEED_LEAD = 2.0
_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".json")
_DATE = re.compile(r"_(\d{8})T\d{6}_")
_DESK_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"–—-]?\s*[A-ZÆØÅ0-9])")
SHORT_LEDE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Example:
    """One training text with its weak label and where it came from (for grouped folds)."""

    title: str
    lede: str
    label: str | None  # None: no label (the item still counts for the unclassified share)
    basis: str  # section, desk, keywords, seed or none
    outlet: str  # source slug; seeds use "seed"
    group: str  # the first feed file the item was seen in
    gold: str | None = None  # the newsroom's topic (or `news` for a news desk); None: unscored
    also: tuple[str, ...] = ()  # the item's other section topics: naming one of them is right too
    date: str = ""  # YYYYMMDD of the first feed file: the newest files are the held-out split


class KeywordSeeds:
    """The vocabulary's keyword lexicon (transforms/topics/lexicon.py) as a weak labeller."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.lexicon = Lexicon(vocab)

    def topics_of(self, word: str) -> frozenset[str]:
        """Topics whose keywords match one lowercase word."""
        return self.lexicon.topics_of(word)

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


class NewsDesks:
    """Whether an item is filed under a general news desk (categories, tags or link path)."""

    def __init__(self, vocab: Vocabulary) -> None:
        # Compared without spaces and hyphens: `Troms og Finnmark` is the link's `tromsogfinnmark`.
        self.keys = frozenset(_squash(w) for w in vocab.news_desks)

    def names(self, text: str) -> bool:
        """A category, tag or path segment that is, or names, a news desk (`NRK Stor-Oslo`)."""
        if _squash(text) in self.keys:
            return True
        tokens = _DESK_TOKEN.findall(fold(text))
        spans = (tokens[i : i + n] for n in (1, 2, 3) for i in range(len(tokens) - n + 1))
        return any("".join(span) in self.keys for span in spans)

    def filed(self, categories: tuple[str, ...], link: str | None) -> bool:
        """True when a category, a tag or a path section of the link is a news desk."""
        for category in categories:
            if any(self.names(part) for part in re.split(r"[,;|/]", category) if part.strip()):
                return True
        if link:
            segments = [s for s in urlsplit(link).path.split("/") if s][:-1]
            return any(self.names(s) for s in segments if not re.search(r"\d", s))
        return False


def _squash(text: str) -> str:
    return re.sub(r"[\s\-]+", "", fold(text))


def first_sentence(lede: str) -> str:
    """The lede's first sentence (at most SHORT_LEDE_CHARS): the short ledes of other outlets."""
    head = _SENTENCE_END.split(lede.strip(), maxsplit=1)[0]
    if len(head) > SHORT_LEDE_CHARS:
        cut = head.rfind(" ", 0, SHORT_LEDE_CHARS)
        head = head[: cut if cut > 0 else SHORT_LEDE_CHARS]
    return head


def examples(
    items: list[Item], vocab: Vocabulary, sections: SectionMap, seeds: KeywordSeeds
) -> list[Example]:
    """Every item as an example: the section's topic, else news desk or keywords, else no label."""
    desks = NewsDesks(vocab)
    out: list[Example] = []
    for item in items:
        title, lede = topic_text(item.title, item.summary, item.body)
        signals = sections.signals(item.categories, item.url or item.link)
        group = re.sub(r"_[0-9a-f]{8}\.xml$", "", item.input)
        found = _DATE.search(item.input)
        date = found.group(1) if found else ""
        also: tuple[str, ...] = ()
        label: str | None
        if signals:
            label, basis, gold = signals[0].slug, "section", signals[0].slug
            also = tuple(s.slug for s in signals[1:])
        else:
            label = seeds.label(title, lede)
            if desks.filed(item.categories, item.url or item.link):
                basis, gold = ("desk", HARD_NEWS) if label is None else ("keywords", HARD_NEWS)
                label = label or HARD_NEWS
            else:
                basis, gold = ("keywords" if label else "none"), None
        out.append(Example(title, lede, label, basis, item.source, group, gold, also, date))
    return out
