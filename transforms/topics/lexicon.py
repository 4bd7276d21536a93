"""Topic lexicon: the keyword lists of schemas/topics.json as a word -> topics look-up.

Each topic lists Norwegian words that name it (`kamp`, `konsert*`, `*aksjer`): `x*` matches words
starting with x, `*x` compounds ending with x (longer than x). The text model reads every word's
lexicon topics as features of their own (`k:sport`), so one weight per topic carries over to the
many words of the lexicon that our feeds never used: an outlet we have not seen writes about
other players, bands and companies, in the same vocabulary. Training also takes weak labels
from the lexicon (pipeline/tools/topic_data.py).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from nordwire.schemas.topics import Vocabulary

CACHE_WORDS = 200_000


class Lexicon:
    """Keyword matching for one vocabulary: exact words, prefixes and compound heads."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.exact: dict[str, set[str]] = {}
        self.prefix: dict[str, set[str]] = {}
        self.suffix: dict[str, set[str]] = {}
        for topic in vocab.topics:
            for kw in topic.keywords:
                if kw.endswith("*"):
                    self.prefix.setdefault(kw[:-1], set()).add(topic.slug)
                elif kw.startswith("*"):
                    self.suffix.setdefault(kw[1:], set()).add(topic.slug)
                else:
                    self.exact.setdefault(kw, set()).add(topic.slug)
        self._prefix_sizes = sorted({len(p) for p in self.prefix})
        self._suffix_sizes = sorted({len(s) for s in self.suffix})
        self.digest = hashlib.sha256(
            "\n".join(f"{t.slug}:{k}" for t in vocab.topics for k in t.keywords).encode("utf-8")
        ).hexdigest()[:16]
        self.topics_of = lru_cache(maxsize=CACHE_WORDS)(self._topics_of)  # type: ignore[method-assign]

    def topics_of(self, word: str) -> frozenset[str]:
        """Topics whose keywords match one lowercase word."""
        return self._topics_of(word)

    def _topics_of(self, word: str) -> frozenset[str]:
        found = set(self.exact.get(word, ()))
        size = len(word)
        # One dict look-up per keyword length: the cost of a word seen for the first time.
        for n in self._prefix_sizes:
            if n > size:
                break
            found.update(self.prefix.get(word[:n], ()))
        for n in self._suffix_sizes:
            if n >= size:  # a suffix keyword marks a compound: the word is longer than it
                break
            found.update(self.suffix.get(word[-n:], ()))
        return frozenset(found)
