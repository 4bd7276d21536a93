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
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np
from langdetect.utils.ngram import NGram
from nordwire.transforms.archive import read_archive, text

# The languages the Naive Bayes part is trained on, and the decision classes: those plus
# `other`, any language the model has no class of its own for (learnt by the stacker from text
# in a hundred languages, see pipeline/tools/otherlang.py).
NB_CLASSES = ("da", "de", "en", "nb", "nn", "sv")
OTHER = "other"
CLASSES = (*NB_CLASSES, OTHER)
NORWEGIAN = ("nb", "nn")
# langdetect profiles scored as features: the model's own languages first (OWN_PROFILES of
# them), then every other Latin-script language langdetect knows: the evidence that a text is
# in a language outside the six is that one of these fits it better, or that none fits well.
PROFILE_LANGS = (
    *("no", "da", "sv", "en", "de"),
    *("af", "ca", "cs", "cy", "es", "et", "fi", "fr", "hr", "hu", "id", "it", "lt"),
    *("lv", "nl", "pl", "pt", "ro", "sk", "sl", "so", "sq", "sw", "tl", "tr", "vi"),
)
OWN_PROFILES = 5
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
    raws = []
    profiles = resources.files("langdetect").joinpath("profiles")
    for lang in PROFILE_LANGS:
        raw = json.loads(profiles.joinpath(lang).read_bytes().decode("utf-8"))
        raws.append(raw)
        for gram in raw["freq"]:
            grams.setdefault(gram, len(grams))
    lengths = np.array([len(g) for g in grams]) - 1
    table = np.zeros((len(grams), len(PROFILE_LANGS)), dtype=np.float32)
    unseen = np.zeros((3, len(PROFILE_LANGS)), dtype=np.float32)
    for j, raw in enumerate(raws):
        counts = np.full(len(grams), 0.5)
        for gram, n in raw["freq"].items():
            counts[grams[gram]] += n
        totals = np.asarray(raw["n_words"], dtype=np.float64)
        table[:, j] = np.log(counts / totals[lengths])
        unseen[:, j] = np.log(0.5 / totals)
    return grams, table, unseen


# Feature groups of the NB part, scored apart for the stacker: character 1-2-grams, 3-grams,
# 4-5-grams, whole words, and every feature of a name (a capitalised word inside a sentence),
# which says more about the topic than about the language (Albania in a bokmål sentence).
FEATURE_GROUPS = ("chars1-2", "chars3", "chars4-5", "words", "names")
NAMES = len(FEATURE_GROUPS) - 1
_NAME_MARK = "\x00"  # cache key prefix of a name
_SENTENCE_END = tuple(".!?:|«\"'–-")


def _group(gram: str) -> int:
    if gram[:2] == "w:":
        return 3
    return 0 if len(gram) <= 2 else (1 if len(gram) == 3 else 2)


@lru_cache(maxsize=256)
def _layout(size: int, count: int) -> np.ndarray:
    """The feature group of each of the `count` grams `_word_grams` gives a padded word of `size`."""
    out = [_group("x" * n) for n in range(1, min(NGRAM_MAX, size) + 1) for _ in range(size - n + 1)]
    return np.array(out + [3] * (count - len(out)))


def _keys(text: str) -> list[str]:
    """Each word lower-cased, a name marked: capitalised and not the first of its sentence."""
    out: list[str] = []
    previous = ""
    for word in text[:MAX_CHARS].split():
        name = bool(previous) and word[0].isupper() and not previous.endswith(_SENTENCE_END)
        out.append(_NAME_MARK + word.lower() if name else word.lower())
        previous = word
    return out


def _scaled(log_post: np.ndarray) -> np.ndarray:
    return np.asarray(np.maximum(log_post - log_post.max(), -50.0) / 10.0)


class NbScores(NamedTuple):
    """What the NB part says of a text (see LangIdModel.nb_scores)."""

    posterior: np.ndarray  # log posterior over NB_CLASSES, all features
    groups: np.ndarray  # (FEATURE_GROUPS, NB_CLASSES) log posteriors per feature group
    unseen: np.ndarray  # shares of 3-5-grams and of words no training text had
    variety: float = 0.0  # the variety classifier's logit for nynorsk (names left out)


# The bokmål-vs-nynorsk part: a logistic regression over the NB features of every word but
# names (a name says where a story is, not how it is spelt), whose logit is combined with the
# NB part's own nynorsk-vs-bokmål log ratio and the spelling cues by a second, small one.
VARIETY_INPUTS = (
    *("regression", "naive_bayes"),
    *(f"naive_bayes_{group}" for group in FEATURE_GROUPS),
    *("nynorsk_forms", "bokmal_forms", "length"),
)
CUE_CAP = 3  # forms counted at most (a long text's tenth `ikkje` says nothing new)


def variety_inputs(nb: NbScores, nynorsk: int, bokmal: int, words: int) -> np.ndarray:
    """The inputs of the variety combiner (VARIETY_INPUTS), from the NB part's scores of a text
    and its spelling cues (cues.py: forms only nynorsk or only bokmål writes; words, names aside)."""
    nn, nb_ = NB_CLASSES.index("nn"), NB_CLASSES.index("nb")
    return np.array(
        [
            nb.variety,
            (nb.posterior[nn] - nb.posterior[nb_]) / 10.0,
            *((nb.groups[:, nn] - nb.groups[:, nb_]) / 10.0),
            min(nynorsk, CUE_CAP),
            min(bokmal, CUE_CAP),
            math.log1p(words),
        ]
    )


@dataclass(frozen=True)
class LangIdModel:
    """Trained parameters; see `score`."""

    vocab: dict[str, int]
    feature_log_prob: np.ndarray  # (features, NB_CLASSES)
    coef: np.ndarray  # stacker (classes, inputs)
    intercept: np.ndarray  # (classes,)
    meta: dict[str, object]
    # Variety classifier weights per vocab row (zero: none trained), and the combiner's weights
    # over VARIETY_INPUTS followed by its intercept (empty: the stacker's own nb/nn split stands).
    variety_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    variety_combiner: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _word_score: Callable[[str], np.ndarray] = field(init=False, compare=False, repr=False)
    _seen: np.ndarray = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_word_score", lru_cache(maxsize=CACHE_WORDS)(self._score_word))
        # A feature the training text never had has no weight (a cross-validation fold's model
        # shares the vocabulary of all folds, so membership alone would not tell).
        object.__setattr__(self, "_seen", (self.feature_log_prob != 0).any(axis=1))
        if len(self.variety_coef) != len(self.vocab):
            object.__setattr__(self, "variety_coef", np.zeros(len(self.vocab), dtype=np.float32))

    @property
    def has_variety(self) -> bool:
        """Whether a variety classifier was trained (models before it had none)."""
        return len(self.variety_combiner) == len(VARIETY_INPUTS) + 1

    def variety_logit(self, inputs: np.ndarray) -> float:
        """Log-odds of nynorsk over bokmål from `variety_inputs` (balanced: no prior either way)."""
        return float(self.variety_combiner[:-1] @ inputs + self.variety_combiner[-1])

    def _score_word(self, key: str) -> np.ndarray:
        # NB log-likelihoods per feature group (FEATURE_GROUPS rows), then how much of the word
        # the training text never had: character 3-5-grams unseen (of how many), word unseen;
        # last the variety classifier's share of the logit (none for a name).
        # Runs once per distinct word (cached), so array operations over all its grams at once.
        name = key.startswith(_NAME_MARK)
        word = key[1:] if name else key
        grams = _word_grams(word)
        rows = np.fromiter(
            map(self.vocab.get, grams, repeat(-1)), dtype=np.intp, count=len(grams)
        )
        # The grams come in a fixed order (1- to 5-grams, then words), so their groups follow
        # from the lengths, unless a character gram itself starts with "w:".
        groups = (
            np.array([_group(g) for g in grams])
            if "w:" in word
            else _layout(len(word) + 2, len(grams))
        )
        known = rows >= 0
        seen = known.copy()
        seen[known] = self._seen[rows[known]]
        long = (groups == 1) | (groups == 2)
        scores = np.zeros((len(FEATURE_GROUPS), len(NB_CLASSES)))
        for group in (NAMES,) if name else range(NAMES):
            mine = rows[known] if name else rows[known & (groups == group)]
            scores[group] = self.feature_log_prob[mine].sum(axis=0, dtype=np.float64)
        n_long = int(np.count_nonzero(long))
        unseen = n_long - int(np.count_nonzero(long & seen))
        whole = int(np.count_nonzero((groups == 3) & ~seen))
        variety = 0.0 if name else float(self.variety_coef[rows[known]].sum(dtype=np.float64))
        return np.concatenate([scores.ravel(), [unseen, n_long, whole, variety]])

    def nb_scores(self, text: str) -> NbScores:
        """Naive Bayes log posteriors over NB_CLASSES (uniform prior), over all of
        `features(text)` and per feature group; and the shares of its character 3-5-grams and
        of its words that no training text had (high for a language the model does not know).

        Summed per word from a cache, since a word's n-grams never reach past its spaces.
        """
        words = _keys(text)
        k = len(NB_CLASSES)
        if not words:
            return NbScores(np.zeros(k), np.zeros((len(FEATURE_GROUPS), k)), np.zeros(2))
        total = np.sum([self._word_score(w) for w in words], axis=0)
        groups = total[: len(FEATURE_GROUPS) * k].reshape(len(FEATURE_GROUPS), k)
        unseen, grams, whole, variety = total[len(FEATURE_GROUPS) * k :]
        shares = np.array([unseen / max(grams, 1.0), whole / len(words)])
        scores = groups.sum(axis=0)
        posterior = groups - np.logaddexp.reduce(groups, axis=1, keepdims=True)
        return NbScores(scores - np.logaddexp.reduce(scores), posterior, shares, float(variety))

    def stack_inputs(
        self, text: str, nb: NbScores, profile_ll: tuple[np.ndarray, int]
    ) -> np.ndarray:
        """The stacker's input vector: NB log posterior (all features, and per feature group,
        so the stacker can weigh groups whose evidence overlaps) and per-gram profile
        likelihoods (each relative to the best), how well the model's own languages' profiles
        fit at all and how much of the text the training text never had (the evidence for
        `other`), each again scaled by how far the text falls short of a full sentence (so a
        headline's few words can count for less than a paragraph's and its confidence stays
        calibrated; zero for full sentences, which keeps the fit well conditioned), and the
        length."""
        ld, n = profile_ll
        per_gram = ld / max(n, 1)
        ld_norm = per_gram - per_gram.max()
        fit = np.clip(per_gram[:OWN_PROFILES].max(), -20.0, 0.0) / 10.0 if n else 0.0
        open_set = np.concatenate([[fit], nb.unseen])
        log_post = _scaled(nb.posterior)
        groups = _scaled(nb.groups - nb.groups.max(axis=1, keepdims=True)).ravel()
        short = max(0.0, 1.0 - len(text[:MAX_CHARS].split()) / FULL_WORDS)
        return np.concatenate(
            [
                log_post,
                log_post * short,
                groups,
                ld_norm,
                ld_norm * short,
                open_set,
                open_set * short,
                [math.log1p(len(text)) / 5.0],
            ]
        )

    def analyse(self, text: str, profiles: Profiles) -> Analysis:
        """What the model makes of `text`: see Analysis."""
        profile_ll = profiles.log_likelihood(text)
        nb = self.nb_scores(text)
        x = self.stack_inputs(text, nb, profile_ll)
        logits = self.coef @ x + self.intercept
        logits -= logits.max()
        p = np.exp(logits)
        return Analysis(np.asarray(p / p.sum(), dtype=np.float64), profile_ll[0], profile_ll[1], nb)


class Analysis(NamedTuple):
    """The model's reading of a text."""

    probs: np.ndarray  # class probabilities over CLASSES
    profile_ll: np.ndarray  # log-likelihood under each of PROFILE_LANGS
    grams: int  # profile grams scored
    nb: NbScores  # the NB part's scores (the variety combiner's inputs come from them)


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
    with read_archive(MODEL_FILE, path) as data:
        words = text(data, "vocab").split("\n")
        return LangIdModel(
            vocab={w: i for i, w in enumerate(words)},
            feature_log_prob=np.array(data["feature_log_prob"]),
            coef=np.array(data["coef"]),
            intercept=np.array(data["intercept"]),
            meta=json.loads(text(data, "meta")),
            # Archives from before the variety classifier have neither: the stacker's split stands.
            variety_coef=np.array(data.get("variety_coef", np.zeros(0, dtype=np.float32))),
            variety_combiner=np.array(data.get("variety_combiner", np.zeros(0))),
        )


@cache
def shipped_model() -> LangIdModel:
    """The packaged model, loaded once per process."""
    return load_model()
