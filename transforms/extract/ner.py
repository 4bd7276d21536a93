"""Named entities: a CRF over hand-made token features (NorNE labels), tokenisation with offsets, linking.

The model is trained by `make train-ner` (pipeline/train_ner.py) and ships inside the package.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

import pycrfsuite
from nordwire.transforms.extract.crf import (
    BIGRAM_NEXT,
    BIGRAM_PREVIOUS,
    BOS,
    EOS,
    NEIGHBOURS,
    CrfDecoder,
)

MODEL_FILE = "ner.crfsuite"
# Letters, digits and the joiners inside Norwegian names and models: S-400, Iskander-M, O'Neill.
_TOKEN = re.compile(r"\w+(?:[-'’.&/]\w+)*\.?|[^\w\s]", re.UNICODE)
_DIGIT = re.compile(r"\d")
_ABBREV = frozenset(
    [
        "st",
        "dr",
        "nr",
        "mr",
        "ms",
        "mrs",
        "prof",
        "jr",
        "sr",
        "ca",
        "bl.a",
        "f.eks",
        "mill",
        "mrd",
        "kr",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "okt",
        "nov",
        "des",
    ]
)


class Token(NamedTuple):
    """A token and its character span in the text (a tuple: tens of thousands are made per
    second, and a tuple is several times cheaper to build than a frozen dataclass)."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Word and punctuation tokens with offsets; a final period stays on known abbreviations only."""
    out: list[Token] = []
    append, new = out.append, tuple.__new__  # NamedTuple's own __new__ is a Python function
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word[-1] == "." and len(word) > 1:
            start, end = m.span()
            if word[:-1].lower() not in _ABBREV and not word[:-1].count("."):
                append(new(Token, (word[:-1], start, end - 1)))
                append(new(Token, (".", end - 1, end)))
                continue
            append(new(Token, (word, start, end)))
        else:
            start, end = m.span()
            append(new(Token, (word, start, end)))
    return out


def sentences(tokens: Sequence[Token], text: str | None = None) -> list[list[Token]]:
    """Split at . ! ? (and at paragraph-long runs without them, so no sentence is unbounded);
    given the `text` the tokens come from, a line break ends a sentence too (a headline, a
    caption line: no name runs across it)."""
    out: list[list[Token]] = []
    current: list[Token] = []
    lines = text is not None and "\n" in text
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        current.append(tok)
        if i == last:
            break
        nxt = tokens[i + 1]
        end = tok.text in _ENDS and (nxt.text[:1].isupper() or nxt.text in ("–", "-", "«", '"'))
        if lines and text is not None and text.find("\n", tok.end, nxt.start) >= 0:
            end = True
        if end or len(current) >= 120:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


_ENDS = frozenset((".", "!", "?"))
_SHAPE_LETTERS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅabcdefghijklmnopqrstuvwxyzæøå", "X" * 29 + "x" * 29
)
_RUN = re.compile(r"(.)\1{2,}")


@lru_cache(maxsize=1 << 16)
def _shape(word: str) -> str:
    # Cached: a new word's features are built once for itself and once per neighbour offset.
    shape = word.translate(_SHAPE_LETTERS)
    if any(c.isdigit() for c in shape):
        shape = _DIGIT.sub("d", shape)
    return _RUN.sub(r"\1\1", shape)


Lexicon = dict[str, tuple[str, ...]]
# Lexicon tags that also count crossed with a capital initial ("tzf4": a capitalised word that
# is common; the CRF is linear, so it cannot conjoin the two features itself).
TITLE_CROSSED: tuple[str, ...] = ("zf",)


def _word_features(word: str, prefix: str, lexicon: Lexicon) -> list[str]:
    low = word.lower()
    feats = [f"{prefix}w={low}", f"{prefix}shape={_shape(word)}"]
    if word[:1].isupper():
        feats.append(f"{prefix}title")
    if word.isupper() and len(word) > 1:
        feats.append(f"{prefix}upper")
    feats.extend(f"{prefix}{tag}" for tag in lexicon.get(low, ()))
    return feats


def _core_features(word: str, lexicon: Lexicon) -> tuple[str, ...]:
    low = word.lower()
    f = ["b", *_word_features(word, "", lexicon)]
    f += [
        f"p2={low[:2]}",
        f"p3={low[:3]}",
        f"p4={low[:4]}",
        f"s2={low[-2:]}",
        f"s3={low[-3:]}",
        f"s4={low[-4:]}",
        f"s5={low[-5:]}",
    ]
    if word[:1].isupper():
        # A capitalised word that is frequent in lower case is rarely a name (Elbiler, LIVE).
        f.extend(f"t{tag}" for tag in lexicon.get(low, ()) if tag.startswith(TITLE_CROSSED))
    f.append(f"len={min(len(word), 12)}")
    if "-" in word:
        f.append("hyphen")
    if _DIGIT.search(word):
        f.append("digit")
    return tuple(f)


def word_part(word: str, prefix: str, lexicon: Lexicon) -> list[str]:
    """The features a word gives its own token (prefix "") or a neighbour's (prefix "-1:", ...)."""
    return (
        list(_core_features(word, lexicon)) if not prefix else _word_features(word, prefix, lexicon)
    )


def sentence_features(words: Sequence[str], lexicon: Lexicon | None = None) -> list[list[str]]:
    """CRF features of each token of a sentence (the template of transforms/extract/crf.py), as
    crfsuite trains on them; `lexicon` maps a lower-case word to extra tags (place-name
    gazetteer, common lower-case word)."""
    lex = lexicon or {}
    feats: list[list[str]] = []
    n = len(words)
    lows = [w.lower() for w in words]
    for i, word in enumerate(words):
        f = word_part(word, "", lex)
        if i == 0:
            f.append(BOS)
        if i == n - 1:
            f.append(EOS)
        for offset, prefix in NEIGHBOURS:
            if 0 <= i + offset < n:
                f.extend(word_part(words[i + offset], prefix, lex))
        if i > 0:
            f.append(f"{BIGRAM_PREVIOUS}{lows[i - 1]}|{lows[i]}")
        if i + 1 < n:
            f.append(f"{BIGRAM_NEXT}{lows[i]}|{lows[i + 1]}")
        feats.append(f)
    return feats


@dataclass(frozen=True, slots=True)
class Span:
    """An entity mention: token span and label."""

    start: int  # token index
    end: int  # exclusive
    label: str


def spans(tags: Sequence[str]) -> list[Span]:
    """IOB2 tags to spans (an I- without a B- starts a span, as conlleval does)."""
    out: list[Span] = []
    start, label, previous = -1, "", -2
    # Only the tagged tokens are visited: most of a sentence is O.
    for i in [i for i, tag in enumerate(tags) if tag != "O"]:
        kind, _, lab = tags[i].partition("-")
        if start >= 0 and (kind != "I" or lab != label or previous != i - 1):
            out.append(Span(start, previous + 1, label))
            start = -1
        if kind == "B" or (kind == "I" and start < 0):
            start, label = i, lab
        previous = i
    if start >= 0:
        out.append(Span(start, previous + 1, label))
    return out


def consistent(
    sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], fill: bool = False
) -> list[list[str]]:
    """One label per string within a document (an article's sentences): a name tagged with
    different labels takes its most frequent one (ties: the first seen); with `fill`, a
    capitalised untagged occurrence of a tagged name, not opening its sentence, is tagged too."""
    found = [(i, s) for i, t in enumerate(tags) for s in spans(t)]
    votes: dict[tuple[str, ...], Counter[str]] = {}
    for i, s in found:
        votes.setdefault(tuple(sentences[i][s.start : s.end]), Counter())[s.label] += 1
    out = [list(t) for t in tags]
    for i, s in found:
        counts = votes[tuple(sentences[i][s.start : s.end])]
        label = counts.most_common(1)[0][0]
        if label != s.label and not (label.startswith("GPE") and s.label.startswith("GPE")):
            # A country is a place in one sentence and a state acting in the next (NorNE's
            # GPE_LOC / GPE_ORG): that is context, not inconsistency, so it stays.
            out[i][s.start : s.end] = [f"B-{label}"] + [f"I-{label}"] * (s.end - s.start - 1)
    if fill and votes:
        longest = max(len(k) for k in votes)
        for i, words in enumerate(sentences):
            j = 1  # the first word of a sentence is capitalised anyway: no evidence
            while j < len(words):
                step = 1
                for n in range(min(longest, len(words) - j), 0, -1):
                    key = tuple(words[j : j + n])
                    if (
                        key in votes
                        and key[0][:1].isupper()
                        and all(t == "O" for t in out[i][j : j + n])
                    ):
                        label = votes[key].most_common(1)[0][0]
                        out[i][j : j + n] = [f"B-{label}"] + [f"I-{label}"] * (n - 1)
                        step = n
                        break
                j += step
    return out


class NerModel:
    """The CRF tagger; build once per worker (it holds the 3 MB model in memory)."""

    def __init__(self, model_bytes: bytes | None = None, lexicon: Lexicon | None = None) -> None:
        data = model_bytes if model_bytes is not None else _shipped_bytes()
        # crfsuite reads the model from this buffer without copying it: keep it alive with the tagger.
        self._model_bytes = data
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model_bytes)
        self.lexicon = lexicon if lexicon is not None else shipped_lexicon()
        self.gazetteer = frozenset(w for w, tags in self.lexicon.items() if "gaz" in tags)
        self.plain_words = plain_words(self.lexicon)
        self._decoder = CrfDecoder(
            self._tagger,
            lambda word: _core_features(word, self.lexicon),
            lambda word: _word_features(word, "", self.lexicon),
        )

    def tag(self, words: Sequence[str]) -> list[str]:
        """IOB2 tags for one sentence."""
        return self._decoder.tag_many([words])[0]

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """IOB2 tags for many sentences at once (an article's): one decoding pass for all."""
        return self._decoder.tag_many(sentences)


# A word cluster (the lexicon's `kA_` tags) in which fewer than this share of the words are
# names or places holds ordinary words: verbs, adjectives, common nouns.
PLAIN_SHARE = 0.10


def plain_words(lexicon: Lexicon) -> frozenset[str]:
    """Lower-case words that are no name: not tagged as an entity or a place themselves, and in
    a word cluster that holds almost no names (under PLAIN_SHARE). Capitalised at the start of a
    headline or after its kicker (`Politiet: Uavklart situasjon`), such a word is still a word."""
    words: dict[str, list[str]] = {}
    named: dict[str, int] = {}
    for word, tags in lexicon.items():
        cluster = next((t for t in tags if t.startswith("kA_")), None)
        if cluster is None:
            continue
        is_name = "gaz" in tags or any(t.startswith("e:") for t in tags)
        named[cluster] = named.get(cluster, 0) + is_name
        if not is_name:
            words.setdefault(cluster, []).append(word)
    return frozenset(
        w
        for cluster, members in words.items()
        if named[cluster] < PLAIN_SHARE * (len(members) + named[cluster])
        for w in members
    )


def _shipped_bytes() -> bytes:
    return resources.files("nordwire.transforms").joinpath("models", MODEL_FILE).read_bytes()


LEXICON_FILE = "ner-lexicon.tsv"


def parse_lexicon(text: str) -> Lexicon:
    """`word<TAB>tag tag ...` lines."""
    out: Lexicon = {}
    for line in text.splitlines():
        word, _, tags = line.partition("\t")
        if word and tags:
            out[word] = tuple(tags.split())
    return out


@cache
def shipped_lexicon() -> Lexicon:
    """The lexicon shipped with the model."""
    return parse_lexicon(
        resources.files("nordwire.transforms").joinpath("models", LEXICON_FILE).read_text("utf-8")
    )
