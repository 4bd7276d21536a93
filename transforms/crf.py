"""Viterbi decoding of the shipped crfsuite model in numpy, many sentences at a time.

crfsuite scores a token as the sum of the weights of its features; nordwire's features are a
word's own features, its neighbours' (by offset), BOS/EOS and two word bigrams. Each of
those parts depends on one word (or one pair), so its summed weight vector is computed once
and cached: a token's emission is then the sum of nine cached rows, and one Viterbi pass runs
over every sentence of an article together. Same weights, same decisions as crfsuite's own
tagger (ties aside; a test compares them), at a fraction of the cost per token.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pycrfsuite

# The feature template, shared with ner.sentence_features (which trains the model): a word's
# own features, each neighbour's under a prefix, BOS/EOS, and the bigrams with the previous
# word (`bi=a|b`, on b) and with the next (`bi+=a|b`, on a).
NEIGHBOURS = ((-2, "-2:"), (-1, "-1:"), (1, "1:"), (2, "2:"))  # (offset, feature prefix)
BOS, EOS = "BOS", "EOS"
BIGRAM_PREVIOUS, BIGRAM_NEXT = "bi=", "bi+="
PREFIXES = ("", *(prefix for _, prefix in NEIGHBOURS))
# Columns of a token's parts: own, the neighbours, then BOS, EOS and the two bigrams.
_BOS_COL = len(PREFIXES)
_EOS_COL, _PREVIOUS_COL, _NEXT_COL = _BOS_COL + 1, _BOS_COL + 2, _BOS_COL + 3
PARTS = _BOS_COL + 4
CACHE_ROWS = 400_000  # cached word parts per worker; cleared when full


class CrfDecoder:
    """Decodes with the weights of an open crfsuite tagger; `features(word, prefix)` are the
    attribute names of a word's own features (prefix "") or of a neighbour's ("-1:", ...)."""

    def __init__(
        self, tagger: pycrfsuite.Tagger, features: Callable[[str, str], Sequence[str]]
    ) -> None:
        info = tagger.info()
        self.labels = [name for name, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        label_row = {name: i for i, name in enumerate(self.labels)}
        width = len(self.labels)
        self._attrs: dict[str, int] = {}
        weights: list[np.ndarray] = []
        for (attr, label), weight in info.state_features.items():
            row = self._attrs.get(attr)
            if row is None:
                row = self._attrs[attr] = len(weights)
                weights.append(np.zeros(width))
            weights[row][label_row[label]] = weight
        self.transitions = np.zeros((width, width))
        for (prev, label), weight in info.transitions.items():
            self.transitions[label_row[prev], label_row[label]] = weight
        # Rows: the attributes' weights, one zero row, then cached sums of word parts.
        self._base = len(weights)
        self._zero = self._base
        self._table = np.vstack([*weights, np.zeros(width)]) if weights else np.zeros((1, width))
        self._used = self._base + 1
        self._parts: dict[str, dict[str, int]] = {p: {} for p in PREFIXES}  # prefix -> word -> row
        self._features = features
        self._bos = self._attrs.get(BOS, self._zero)
        self._eos = self._attrs.get(EOS, self._zero)

    def _bound_cache(self) -> None:
        # Only between batches: rows handed out for the batch being built must stay valid.
        if sum(len(cached) for cached in self._parts.values()) >= CACHE_ROWS:
            for cached in self._parts.values():
                cached.clear()
            self._used = self._base + 1

    def _part(self, prefix: str, word: str) -> int:
        rows = [self._attrs[a] for a in self._features(word, prefix) if a in self._attrs]
        if not rows:
            row = self._parts[prefix][word] = self._zero
            return row
        if self._used == len(self._table):
            grown = np.zeros((max(1024, len(self._table)), self._table.shape[1]))
            self._table = np.vstack([self._table, grown])
        self._table[self._used] = self._table[rows].sum(axis=0)
        row = self._parts[prefix][word] = self._used
        self._used += 1
        return row

    def _column(self, prefix: str, words: list[str]) -> list[int]:
        known, part = self._parts[prefix], self._part
        return [r if (r := known.get(w)) is not None else part(prefix, w) for w in words]

    def _rows(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        # All tokens of all sentences in one flat pass; a neighbour counts only in its sentence.
        words = [w for s in sentences for w in s]
        sentence = np.repeat(np.arange(len(sentences)), [len(s) for s in sentences])
        n, attrs, zero = len(words), self._attrs, self._zero
        lows = [w.lower() for w in words]
        rows = np.full((n, PARTS), zero, dtype=np.int64)
        rows[:, 0] = self._column("", words)
        for column, (offset, prefix) in enumerate(NEIGHBOURS, start=1):
            near = np.array(self._column(prefix, words), dtype=np.int64)
            if offset < 0:
                same = sentence[-offset:] == sentence[:offset]
                rows[-offset:, column] = np.where(same, near[:offset], zero)
            else:
                same = sentence[:-offset] == sentence[offset:]
                rows[:-offset, column] = np.where(same, near[offset:], zero)
        first = np.ones(n, dtype=bool)
        first[1:] = sentence[1:] != sentence[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = first[1:]
        rows[first, _BOS_COL] = self._bos
        rows[last, _EOS_COL] = self._eos
        pairs = [f"{a}|{b}" for a, b in itertools.pairwise(lows)]
        inner = ~first[1:]
        previous = [attrs.get(BIGRAM_PREVIOUS + p, zero) for p in pairs]
        rows[1:, _PREVIOUS_COL] = np.where(inner, previous, zero)
        rows[:-1, _NEXT_COL] = np.where(
            inner, [attrs.get(BIGRAM_NEXT + p, zero) for p in pairs], zero
        )
        return rows

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Label names for the tokens of each sentence (empty sentences get no labels)."""
        kept = [s for s in sentences if s]
        if not kept:
            return [[] for _ in sentences]
        # Longest first, so that the sentences still running at step t are a prefix.
        kept.sort(key=len, reverse=True)
        self._bound_cache()
        rows = self._rows(kept)  # may grow the table: before reading it
        emissions = self._table[rows].sum(axis=1)
        lengths = np.array([len(s) for s in kept])
        count, longest, width = len(kept), int(lengths[0]), len(self.labels)
        padded = np.zeros((count, longest, width))
        padded[np.arange(longest)[None, :] < lengths[:, None]] = emissions
        running = [int(np.count_nonzero(lengths > t)) for t in range(longest)] + [0]
        score = padded[:, 0].copy()
        back = np.zeros((count, longest, width), dtype=np.int64)
        for t in range(1, longest):
            k = running[t]
            candidates = score[:k, :, None] + self.transitions[None]
            back[:k, t] = candidates.argmax(axis=1)
            score[:k] = candidates.max(axis=1) + padded[:k, t]
        paths = np.zeros((count, longest), dtype=np.int64)
        current = np.zeros(count, dtype=np.int64)
        final = score.argmax(axis=1)
        for t in range(longest - 1, -1, -1):
            k, ending = running[t], running[t + 1]
            current[ending:k] = final[ending:k]  # sentences whose last token is t
            paths[:k, t] = current[:k]
            if t:
                current[:k] = back[np.arange(k), t, current[:k]]
        tags = {id(s): [self.labels[i] for i in paths[j, : len(s)]] for j, s in enumerate(kept)}
        return [tags[id(s)] if s else [] for s in sentences]
