"""Viterbi decoding of the shipped crfsuite model in numpy, many sentences at a time.

crfsuite scores a token as the sum of the weights of its features; nordwire's features are a
word's own features, its neighbours' (by offset), BOS/EOS and two word bigrams. Each of
those parts depends on one word (or one pair), so its summed weight vector is computed once
per word and cached as one block (own part and the four neighbour parts): a token costs one
dictionary look-up for its word and one for its bigram, the emissions of a whole article are
a few array shifts, and one Viterbi pass runs over every sentence of the article together.
Same weights, same decisions as crfsuite's own tagger (ties aside; a test compares them).
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
# Cached words per worker (five parts each: 80,000 words are 61 MB of weights) and word pairs
# (about 150 bytes each); both are emptied when either is full.
CACHE_ROWS = 80_000
CACHE_PAIRS = 200_000


class CrfDecoder:
    """Decodes with the weights of an open crfsuite tagger; `own(word)` are the attribute names
    of a word's own features, `neighbour(word)` those it gives a neighbour, before the
    neighbour's prefix ("-1:", ...) is put in front."""

    def __init__(
        self,
        tagger: pycrfsuite.Tagger,
        own: Callable[[str], Sequence[str]],
        neighbour: Callable[[str], Sequence[str]],
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
        # The attributes' weights, then one zero row (an attribute the model does not know).
        self._zero = len(weights)
        self._weights = np.vstack([*weights, np.zeros(width)])
        self._own, self._neighbour = own, neighbour
        # One look-up per neighbour offset keyed by the unprefixed name: a new word's neighbour
        # features are built once and looked up four times, with no prefixed strings made.
        self._prefixed = [
            {attr[len(prefix) :]: row for attr, row in self._attrs.items() if attr.startswith(prefix)}
            for _, prefix in NEIGHBOURS
        ]
        self._bos = self._weights[self._attrs.get(BOS, self._zero)]
        self._eos = self._weights[self._attrs.get(EOS, self._zero)]
        # word -> id; _blocks[id] = summed weights of its own part and its four neighbour parts.
        self._ids: dict[str, int] = {}
        self._lows: list[str] = []
        self._blocks = np.zeros((1024, len(PREFIXES), width))
        # (id a, id b) -> rows of `bi=a|b` and `bi+=a|b` in _weights.
        self._pairs: dict[tuple[int, int], tuple[int, int]] = {}

    def _bound_cache(self) -> None:
        # Only between batches: ids handed out for the batch being built must stay valid.
        if len(self._ids) >= CACHE_ROWS or len(self._pairs) >= CACHE_PAIRS:
            self._ids.clear()
            self._lows.clear()
            self._pairs.clear()

    def _add_words(self, words: list[str]) -> None:
        """Give new words ids and blocks: every part of every word summed in one numpy call."""
        first = len(self._ids)
        needed = first + len(words)
        if needed > len(self._blocks):
            size = max(needed, min(2 * len(self._blocks), CACHE_ROWS))
            grown = np.zeros((size, *self._blocks.shape[1:]))
            grown[: len(self._blocks)] = self._blocks
            self._blocks = grown
        attrs, zero = self._attrs, self._zero
        rows: list[int] = []
        starts: list[int] = []
        for word in words:
            self._ids[word] = len(self._lows)
            self._lows.append(word.lower())
            starts.append(len(rows))
            rows.append(zero)  # every segment non-empty, as reduceat needs
            rows.extend(r for a in self._own(word) if (r := attrs.get(a)) is not None)
            base = self._neighbour(word)
            for lookup in self._prefixed:
                starts.append(len(rows))
                rows.append(zero)
                rows.extend(r for a in base if (r := lookup.get(a)) is not None)
        sums = np.add.reduceat(self._weights[rows], starts, axis=0)
        self._blocks[first:needed] = sums.reshape(len(words), len(PREFIXES), -1)

    def _pair_rows(self, pair: tuple[int, int]) -> tuple[int, int]:
        text = f"{self._lows[pair[0]]}|{self._lows[pair[1]]}"
        rows = (
            self._attrs.get(BIGRAM_PREVIOUS + text, self._zero),
            self._attrs.get(BIGRAM_NEXT + text, self._zero),
        )
        self._pairs[pair] = rows
        return rows

    def emissions(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Each token's score per label (tokens of all sentences in order, flat); a
        neighbour or a bigram counts only within its sentence."""
        words = [w for s in sentences for w in s]
        ids_get = self._ids.get
        new = list(dict.fromkeys(w for w in words if ids_get(w) is None))
        if new:
            self._add_words(new)
        id_list = [self._ids[w] for w in words]
        ids = np.array(id_list, dtype=np.int64)
        sentence = np.repeat(np.arange(len(sentences)), [len(s) for s in sentences])
        blocks = self._blocks[ids]  # (tokens, parts, labels)
        out = blocks[:, 0].copy()
        for column, (offset, _) in enumerate(NEIGHBOURS, start=1):
            k = abs(offset)
            same = sentence[k:] == sentence[:-k]
            if offset < 0:  # token i gets the part of word i - k
                out[k:][same] += blocks[:-k, column][same]
            else:
                out[:-k][same] += blocks[k:, column][same]
        first = np.ones(len(words), dtype=bool)
        first[1:] = sentence[1:] != sentence[:-1]
        last = np.ones(len(words), dtype=bool)
        last[:-1] = first[1:]
        out[first] += self._bos
        out[last] += self._eos
        if len(words) > 1:
            pairs_get, pair_rows = self._pairs.get, self._pair_rows
            rows = [
                r if (r := pairs_get(p)) is not None else pair_rows(p)
                for p in itertools.pairwise(id_list)
            ]
            inner = ~first[1:]
            bigram = np.array(rows, dtype=np.int64).reshape(-1, 2)
            out[1:][inner] += self._weights[bigram[inner, 0]]
            out[:-1][inner] += self._weights[bigram[inner, 1]]
        return out

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Label names for the tokens of each sentence (empty sentences get no labels)."""
        kept = [s for s in sentences if s]
        if not kept:
            return [[] for _ in sentences]
        # Longest first, so that the sentences still running at step t are a prefix.
        order = sorted(range(len(kept)), key=lambda i: -len(kept[i]))
        kept = [kept[i] for i in order]
        self._bound_cache()
        emissions = self.emissions(kept)
        lengths = np.array([len(s) for s in kept])
        count, longest, width = len(kept), int(lengths[0]), len(self.labels)
        padded = np.zeros((count, longest, width))
        padded[np.arange(longest)[None, :] < lengths[:, None]] = emissions
        running = [int(np.count_nonzero(lengths > t)) for t in range(longest)] + [0]
        score = padded[:, 0].copy()
        back = np.zeros((count, longest, width), dtype=np.intp)
        # candidates[k, to, from]: the reductions run over the last, contiguous axis, and
        # every step writes into buffers made once (four numpy calls a step).
        into = np.ascontiguousarray(self.transitions.T)
        candidates = np.empty((count, width, width))
        for t in range(1, longest):
            k = running[t]
            step = candidates[:k]
            np.add(score[:k, None, :], into, out=step)
            step.argmax(axis=2, out=back[:k, t])
            step.max(axis=2, out=score[:k])
            score[:k] += padded[:k, t]
        paths = np.zeros((count, longest), dtype=np.int64)
        current = np.zeros(count, dtype=np.int64)
        final = score.argmax(axis=1)
        for t in range(longest - 1, -1, -1):
            k, ending = running[t], running[t + 1]
            current[ending:k] = final[ending:k]  # sentences whose last token is t
            paths[:k, t] = current[:k]
            if t:
                current[:k] = back[np.arange(k), t, current[:k]]
        labels = self.labels
        decoded = [[labels[i] for i in paths[j, : len(s)]] for j, s in enumerate(kept)]
        by_position = iter(d for _, d in sorted(zip(order, decoded, strict=True)))
        return [next(by_position) if s else [] for s in sentences]
