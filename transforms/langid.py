"""Scandinavian-aware language identification: char n-gram Naive Bayes, langdetect's profiles, a stacker.

The model is trained by `make train-langid` (pipeline/train_langid.py) and ships inside the
package. Scoring needs only numpy: a dictionary look-up per n-gram and one sum.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from langdetect.utils.ngram import NGram

CLASSES = ("da", "de", "en", "nb", "nn", "sv")
NORWEGIAN = ("nb", "nn")
# langdetect profiles scored as features: the model's own classes plus near neighbours.
PROFILE_LANGS = ("no", "da", "sv", "en", "de", "nl", "fr", "es", "it", "fi", "af", "et")
MAX_CHARS = (
    400  # accuracy is flat beyond ~300 characters (100 % on 300-char chunks) and cost grows with it
)
NGRAM_MAX = 5
FULL_WORDS = 12  # words from which a text counts as a full sentence in the stacker
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
# Characters that langdetect's normaliser turns into a space, and so end its n-gram buffer:
# text split on them scores word by word with exactly the grams of the whole text.
_BREAKS = " \t\n\r\f\v\xa0\u2000-\u200a\u2028\u2029\u202f\u205f"
_CHUNK = re.compile(f"[^{_BREAKS}]+[{_BREAKS}]?")  # a word and the break after it
CACHE_WORDS = 200_000  # per-word scores kept per worker (least recently used go); words repeat


def _word_grams(word: str) -> list[str]:
    padded = f" {word} "
    size = len(padded)
    out: list[str] = []
    for n in range(1, NGRAM_MAX + 1):
        if n > size:
            break
        out.extend(padded[i : i + n] for i in range(size - n + 1))
    out.extend("w:" + w for w in _WORD.findall(word))
    return out


def features(text: str) -> list[str]:
    """Character 1-5-grams of each space-padded lowercase word, and `w:`-prefixed words."""
    lowered = _SPACE.sub(" ", text[:MAX_CHARS].lower())
    out: list[str] = []
    for word in lowered.split():
        out.extend(_word_grams(word))
    return out


@lru_cache(maxsize=8192)
def _normalise_char(ch: str) -> str:
    return str(NGram.normalize(ch))


def profile_grams(text: str) -> list[str]:
    """The 1-3-grams langdetect itself would take from `text`: its NGram buffer, inlined.

    Same output as feeding langdetect's NGram character by character (a test checks), without
    its per-character method calls, which made it the costliest step of the stage.
    """
    out: list[str] = []
    grams = " "
    capital = False
    for raw in text[:MAX_CHARS]:
        ch = _normalise_char(raw)
        last = grams[-1]
        if last == " ":
            grams = " "
            capital = False
            if ch == " ":
                continue
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            if last.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        if grams[-1] != " ":
            out.append(grams[-1])
        if len(grams) >= 2:
            out.append(grams[-2:])
        if len(grams) >= 3:
            out.append(grams[-3:])
    return out


def load_profiles() -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """langdetect's n-gram frequencies as (gram -> row, log-probability table, unseen row)."""
    grams: dict[str, int] = {}
    tables = []
    profiles = resources.files("langdetect").joinpath("profiles")
    for lang in PROFILE_LANGS:
        raw = json.loads(profiles.joinpath(lang).read_bytes().decode("utf-8"))
        tables.append((raw["freq"], raw["n_words"]))
        for gram in raw["freq"]:
            grams.setdefault(gram, len(grams))
    table = np.zeros((len(grams), len(PROFILE_LANGS)), dtype=np.float32)
    unseen = np.zeros((3, len(PROFILE_LANGS)), dtype=np.float32)
    for j, (freq, n_words) in enumerate(tables):
        for gram, row in grams.items():
            table[row, j] = math.log((freq.get(gram, 0) + 0.5) / n_words[len(gram) - 1])
        for n in (1, 2, 3):
            unseen[n - 1, j] = math.log(0.5 / n_words[n - 1])
    return grams, table, unseen


@dataclass(frozen=True)
class LangIdModel:
    """Trained parameters; see `score`."""

    vocab: dict[str, int]
    feature_log_prob: np.ndarray  # (features, classes)
    coef: np.ndarray  # stacker (classes, inputs)
    intercept: np.ndarray  # (classes,)
    meta: dict[str, object]
    _word_score: Callable[[str], np.ndarray] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_word_score", lru_cache(maxsize=CACHE_WORDS)(self._score_word))

    def _score_word(self, word: str) -> np.ndarray:
        rows = [self.vocab[g] for g in _word_grams(word) if g in self.vocab]
        return np.asarray(self.feature_log_prob[rows].sum(axis=0, dtype=np.float64))

    def nb_log_posterior(self, text: str) -> np.ndarray:
        """Naive Bayes log posterior over CLASSES (uniform prior): the sum over `features(text)`.

        Summed per word from a cache, since a word's n-grams never reach past its spaces.
        """
        words = text[:MAX_CHARS].lower().split()
        if words:
            scores = np.sum([self._word_score(w) for w in words], axis=0)
        else:
            scores = np.zeros(len(CLASSES))
        return np.asarray(scores - np.logaddexp.reduce(scores), dtype=np.float64)

    def stack_inputs(
        self, text: str, nb_log_post: np.ndarray, profile_ll: tuple[np.ndarray, int]
    ) -> np.ndarray:
        """The stacker's input vector: NB log posterior and per-gram profile likelihoods, each
        again scaled by how far the text falls short of a full sentence (so a headline's few
        words can count for less than a paragraph's and its confidence stays calibrated; zero
        for full sentences, which keeps the fit well conditioned), and the length."""
        ld, n = profile_ll
        ld_norm = (ld - ld.max()) / max(n, 1)
        nb = np.maximum(nb_log_post - nb_log_post.max(), -50.0) / 10.0
        short = max(0.0, 1.0 - len(text[:MAX_CHARS].split()) / FULL_WORDS)
        return np.concatenate(
            [nb, nb * short, ld_norm, ld_norm * short, [math.log1p(len(text)) / 5.0]]
        )

    def analyse(self, text: str, profiles: Profiles) -> tuple[np.ndarray, np.ndarray, int]:
        """(class probabilities over CLASSES, log-likelihood under each of PROFILE_LANGS, grams scored)."""
        profile_ll = profiles.log_likelihood(text)
        x = self.stack_inputs(text, self.nb_log_posterior(text), profile_ll)
        logits = self.coef @ x + self.intercept
        logits -= logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum(), dtype=np.float64), profile_ll[0], profile_ll[1]


class Profiles:
    """langdetect's language profiles as one look-up table: a fast, deterministic use of langdetect's data."""

    def __init__(self) -> None:
        self.grams, self.table, self.unseen = load_profiles()
        self._word = lru_cache(maxsize=CACHE_WORDS)(self._score_word)

    def score_grams(self, grams: list[str]) -> np.ndarray:
        """Summed log-probability of `grams` under each profile (unseen grams get a floor)."""
        total = np.zeros(len(PROFILE_LANGS), dtype=np.float64)
        known = [self.grams[g] for g in grams if g in self.grams]
        if known:
            total += self.table[known].sum(axis=0, dtype=np.float64)
        for g in grams:
            if g not in self.grams:
                total += self.unseen[len(g) - 1]
        return total

    def _score_word(self, chunk: str) -> tuple[np.ndarray, int]:
        grams = profile_grams(chunk)
        return self.score_grams(grams), len(grams)

    def log_likelihood(self, text: str) -> tuple[np.ndarray, int]:
        """Summed log-probability of the text's 1-3-grams under each profile, and the gram count.

        Equal to `score_grams(profile_grams(text))`, summed per word from a cache: the buffer
        starts afresh after every space, so each word (with the space after it) is scored alone.
        """
        text = text[:MAX_CHARS]
        chunks = _CHUNK.findall(text)
        if not chunks:
            return np.zeros(len(PROFILE_LANGS), dtype=np.float64), 0
        scored = [self._word(c) for c in chunks]
        return np.sum([s for s, _ in scored], axis=0), sum(n for _, n in scored)


MODEL_FILE = "langid.npz"


def load_model(path: Path | None = None) -> LangIdModel:
    """Load a model archive; by default the one shipped in the package."""
    source = path or resources.files("nordwire.transforms").joinpath("models", MODEL_FILE)
    with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        words = bytes(data["vocab"]).decode("utf-8").split("\n")
        return LangIdModel(
            vocab={w: i for i, w in enumerate(words)},
            feature_log_prob=np.array(data["feature_log_prob"]),
            coef=np.array(data["coef"]),
            intercept=np.array(data["intercept"]),
            meta=json.loads(bytes(data["meta"]).decode("utf-8")),
        )


@cache
def shipped_model() -> LangIdModel:
    """The packaged model, loaded once per process."""
    return load_model()
