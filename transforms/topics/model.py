"""Topic from text alone: a linear model over words and character n-grams of headline and lede.

Trained by `make train-topics` (pipeline/tools/train_topics.py) on weak labels (the section
signals of real feeds, news desks, plus keyword seeds) and shipped inside the package. Besides
the vocabulary's topics the model has a class of its own, `news`: hard news without a finer
topic, so that such a story has somewhere to go other than the nearest soft topic. Each topic's
probability is calibrated (Platt scaling, transforms/topics/calibration.py) and comes with the
threshold above which the text may name it. Scoring needs only numpy: each word's feature rows
are summed once and cached, like the language model's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.archive import read_archive
from nordwire.transforms.topics.calibration import logit, platt_apply
from nordwire.transforms.topics.lexicon import Lexicon

MODEL_FILE = "topics.npz"
# The model's class for hard news without a finer topic ("news, not sport"); not a vocabulary
# topic: it never becomes a partition, only keeps hard news out of the soft topics.
HARD_NEWS = "news"
LEDE_CHARS = 300  # headline + the lede's first sentences: what every feed gives, short or long
NGRAM_MIN = 3
NGRAM_MAX = 5
CACHE_WORDS = 200_000  # per-word scores kept per worker; news vocabulary repeats
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_NGRAMS = tuple(range(NGRAM_MIN, NGRAM_MAX + 1))
LEXICON_PREFIX = "k:"  # a feature per lexicon topic of a word (transforms/topics/lexicon.py)


def topic_text(title: str | None, summary: str | None, body: str | None) -> tuple[str, str]:
    """(headline, lede) as the model reads them: the lede is the summary, else the body's start."""
    lede = summary or body or ""
    if len(lede) > LEDE_CHARS:
        cut = lede.rfind(" ", 0, LEDE_CHARS)
        lede = lede[: cut if cut > 0 else LEDE_CHARS]
    return (title or "").strip(), lede.strip()


def words(text: str) -> list[str]:
    """Lowercase word tokens (letters, or digits: `2-1` gives `2` and `1`)."""
    return _WORD.findall(text.lower())


def word_features(word: str, in_title: bool, lexicon: Lexicon | None = None) -> list[str]:
    """A word, its headline twin (`t:`), its character 3-5-grams within spaces, its lexicon topics (`k:`)."""
    if word.isdigit():
        out = []
    else:
        padded = f" {word} "
        size = len(padded)
        out = [padded[i : i + n] for n in _NGRAMS for i in range(size - n + 1)]
    out.append("w:" + word)
    if in_title:
        out.append("t:" + word)
    if lexicon is not None:
        out.extend(LEXICON_PREFIX + slug for slug in sorted(lexicon.topics_of(word)))
    return out


def features(title: str, lede: str, lexicon: Lexicon | None = None) -> list[str]:
    """All features of one text, in order (repeats count)."""
    out: list[str] = []
    for word in words(title):
        out.extend(word_features(word, True, lexicon))
    for word in words(lede):
        out.extend(word_features(word, False, lexicon))
    return out


def scale(n_words: int) -> float:
    """Feature counts are divided by sqrt(words): long ledes do not shout down short ones."""
    return 1.0 / math.sqrt(max(n_words, 1))


@dataclass(frozen=True)
class TopicModel:
    """Trained parameters: feature vocabulary, weights (features x classes), intercepts, calibration."""

    vocab: dict[str, int]
    coef: np.ndarray  # (features, classes), float32
    intercept: np.ndarray  # (classes,)
    classes: tuple[str, ...]
    meta: dict[str, object]
    # Platt scaling per class (probability = sigmoid(a * logit(p) + b)) and the calibrated
    # probability a class needs to be named; None: uncalibrated (a = 1, b = 0), never named.
    platt: np.ndarray | None = None  # (2, classes)
    thresholds: np.ndarray | None = None  # (classes,); inf: the text never names the class
    # The keyword lexicon the `k:` features were trained with; None: the model has no such features.
    lexicon: Lexicon | None = None
    _word_score: Callable[[str, bool], np.ndarray] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_word_score", lru_cache(maxsize=CACHE_WORDS)(self._score_word))

    def _score_word(self, word: str, in_title: bool) -> np.ndarray:
        # One look-up per feature (map + get): this is the cost of a word seen for the first time.
        feats = word_features(word, in_title, self.lexicon)
        rows = [r for r in map(self.vocab.get, feats) if r is not None]
        return np.asarray(self.coef[rows].sum(axis=0, dtype=np.float64))

    def probabilities(self, title: str, lede: str) -> np.ndarray:
        """Probability of each of `classes` (softmax over the linear scores)."""
        scored = [self._word_score(w, True) for w in words(title)]
        scored += [self._word_score(w, False) for w in words(lede)]
        logits = np.array(self.intercept, dtype=np.float64)
        if scored:
            logits = logits + np.sum(scored, axis=0) * scale(len(scored))
        logits -= logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum(), dtype=np.float64)

    def calibrated(self, title: str, lede: str) -> np.ndarray:
        """Calibrated probability of each class (one against the rest; they need not sum to 1)."""
        return self.calibrate(self.probabilities(title, lede))

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        """Map softmax probabilities to calibrated ones with the model's Platt parameters."""
        if self.platt is None:
            return np.asarray(probs, dtype=np.float64)
        return platt_apply(logit(probs), self.platt[0], self.platt[1])

    def threshold(self, index: int) -> float:
        """The calibrated probability class `index` needs to be named (inf: never)."""
        return math.inf if self.thresholds is None else float(self.thresholds[index])


def load_model(path: Path | None = None) -> TopicModel:
    """Load a model archive; by default the one shipped in the package."""
    with read_archive(MODEL_FILE, path) as data:
        vocab = bytes(data["vocab"]).decode("utf-8").split("\n")
        calibrated = "platt" in data.files
        meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        return TopicModel(
            vocab={f: i for i, f in enumerate(vocab)},
            coef=np.array(data["coef"], dtype=np.float32),
            intercept=np.array(data["intercept"], dtype=np.float64),
            classes=tuple(bytes(data["classes"]).decode("utf-8").split("\n")),
            meta=meta,
            platt=np.array(data["platt"], dtype=np.float64) if calibrated else None,
            thresholds=np.array(data["thresholds"], dtype=np.float64) if calibrated else None,
            lexicon=model_lexicon(meta),
        )


def model_lexicon(meta: dict[str, object]) -> Lexicon | None:
    """The lexicon a model was trained with: the vocabulary's, checked against the model's digest."""
    digest = meta.get("lexicon")
    if digest is None:
        return None
    lexicon = Lexicon(vocabulary())
    if lexicon.digest != digest:
        # The keywords changed since training: the `k:` weights would read other words.
        raise ValueError("the topic model was trained on other keywords: run make train-topics")
    return lexicon


def save_model(model: TopicModel, path: Path) -> None:
    """Write a model archive (no pickles: arrays and UTF-8 text only)."""
    ordered = sorted(model.vocab, key=model.vocab.__getitem__)
    arrays: dict[str, np.ndarray] = {
        "vocab": np.frombuffer("\n".join(ordered).encode("utf-8"), dtype=np.uint8),
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float32),
        "classes": np.frombuffer("\n".join(model.classes).encode("utf-8"), dtype=np.uint8),
        "meta": np.frombuffer(json.dumps(model.meta, sort_keys=True).encode("utf-8"), dtype=np.uint8),
    }
    if model.platt is not None and model.thresholds is not None:
        arrays["platt"] = model.platt.astype(np.float64)
        arrays["thresholds"] = model.thresholds.astype(np.float64)
    with path.open("wb") as handle:
        np.savez_compressed(handle, allow_pickle=False, **arrays)


@cache
def shipped_model() -> TopicModel:
    """The packaged model, loaded once per process."""
    return load_model()
