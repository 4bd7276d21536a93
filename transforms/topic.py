"""Topic stage: IPTC Media Topic from feed categories, else a Norwegian keyword classifier, else desk labels."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from nordwire.schemas.items import Item
from nordwire.schemas.topics import UNCLASSIFIED, Vocabulary, vocabulary

_WORD = re.compile(r"[^\W_]+(?:[-/][^\W_]+)*", re.UNICODE)
MIN_KEYWORD_HITS = 2
TITLE_WEIGHT = 2
DESK_SCORE = 0.5
CACHE_WORDS = 200_000  # cached word -> topics per worker (least recently used go)


@dataclass(frozen=True, slots=True)
class _Matcher:
    exact: dict[str, tuple[str, ...]]
    prefix: dict[str, tuple[str, ...]]
    suffix: dict[str, tuple[str, ...]]
    prefix_lengths: tuple[int, ...]
    suffix_lengths: tuple[int, ...]


def _index(vocab: Vocabulary) -> _Matcher:
    exact: dict[str, list[str]] = {}
    prefix: dict[str, list[str]] = {}
    suffix: dict[str, list[str]] = {}
    for topic in vocab.topics:
        for kw in topic.keywords:
            if kw.endswith("*"):
                prefix.setdefault(kw[:-1], []).append(topic.slug)
            elif kw.startswith("*"):
                suffix.setdefault(kw[1:], []).append(topic.slug)
            else:
                exact.setdefault(kw, []).append(topic.slug)
    return _Matcher(
        exact={k: tuple(v) for k, v in exact.items()},
        prefix={k: tuple(v) for k, v in prefix.items()},
        suffix={k: tuple(v) for k, v in suffix.items()},
        prefix_lengths=tuple(sorted({len(k) for k in prefix})),
        suffix_lengths=tuple(sorted({len(k) for k in suffix})),
    )


class TopicClassifier:
    """Feed categories first, keywords second, desk labels last; build once per worker."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or vocabulary()
        self._matcher = _index(self.vocab)
        self._categories = {_fold(c): t.slug for t in self.vocab.topics for c in t.categories}
        # word -> topics, cached: news vocabulary repeats.
        self._word_topics = lru_cache(maxsize=CACHE_WORDS)(self._match)

    def _match(self, word: str) -> frozenset[str]:
        m = self._matcher
        found: set[str] = set(m.exact.get(word, ()))
        for n in m.prefix_lengths:
            if n > len(word):
                break
            found.update(m.prefix.get(word[:n], ()))
        for n in m.suffix_lengths:
            # A suffix keyword marks a compound: the word must be longer than the suffix itself.
            if n >= len(word):
                break
            found.update(m.suffix.get(word[-n:], ()))
        return frozenset(found)

    def keyword_scores(self, title: str, text: str) -> Counter[str]:
        """Weighted keyword hits per topic (title words count TITLE_WEIGHT times)."""
        hits: Counter[str] = Counter()
        for weight, part in ((TITLE_WEIGHT, title), (1, text)):
            for word in _WORD.findall(part.lower()):
                for slug in self._word_topics(word):
                    hits[slug] += weight
        return hits

    def classify(
        self, categories: tuple[str, ...], title: str, text: str
    ) -> tuple[str, tuple[tuple[str, float], ...], str]:
        """(primary topic, all topics with scores in [0, 1], basis)."""
        from_categories = [
            self._categories[c] for c in map(_fold, categories) if c in self._categories
        ]
        hits = self.keyword_scores(title, text)
        total = sum(hits.values())
        scores: dict[str, float] = {s: n / total for s, n in hits.items()} if total else {}
        for slug in from_categories:
            scores[slug] = 1.0
        ranked = tuple(
            sorted(((s, round(v, 3)) for s, v in scores.items()), key=lambda sv: (-sv[1], sv[0]))
        )
        if from_categories:
            # Categories are the newsroom's own choice: the first mapped one is primary.
            return from_categories[0], ranked, "category"
        if hits and hits.most_common(1)[0][1] >= MIN_KEYWORD_HITS:
            return ranked[0][0], ranked, "keywords"
        desk = [
            self.vocab.desk_labels[c] for c in map(_fold, categories) if c in self.vocab.desk_labels
        ]
        if desk:
            # A desk (Innenriks, Utenriks) is a weak hint: used only when nothing else speaks.
            with_desk = ranked if desk[0] in scores else (*ranked, (desk[0], DESK_SCORE))
            return desk[0], with_desk, "desk"
        return UNCLASSIFIED, ranked, "none"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def assign_topic(item: Item, classifier: TopicClassifier) -> Item:
    """Set topic (the partition), topics with scores and the basis of the choice."""
    text = "\n".join(t for t in (item.summary, item.body) if t)
    topic, topics, basis = classifier.classify(item.categories, item.title or "", text)
    return item.evolve(topic=topic, topics=topics, topic_basis=basis)
