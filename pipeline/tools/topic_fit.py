"""The topic model's recipe: fit a linear model on weak labels, then calibrate it on outlet folds.

1. fit a multinomial logistic regression (17 topics + `news`) on the training items and seeds,
   each item's label a set of allowed classes (pipeline/tools/partial_softmax.py);
2. predict each training outlet's items with a model fitted on the other outlets (folds grouped
   by outlet; an outlet with most of the items split by feed file) and fit, on those
   out-of-fold scores, Platt scaling per topic and the threshold that keeps at least
   `target` + `margin` of the named items right.

`make train-topics` (pipeline/tools/train_topics.py) runs it, measures it and ships the model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from nordwire.pipeline.tools.partial_softmax import fit_partial
from nordwire.pipeline.tools.topic_data import Example, first_sentence
from nordwire.pipeline.tools.topic_eval import SOFT, judge, keyword_topic
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.topics.calibration import (
    logit,
    platt_apply,
    platt_fit,
    threshold_for_precision,
)
from nordwire.transforms.topics.lexicon import Lexicon
from nordwire.transforms.topics.model import HARD_NEWS, TopicModel, features, scale, words
from scipy.sparse import csr_matrix

MIN_COUNT = 2  # features seen fewer times are dropped (shrinks the model, no loss measured)
SEED_WEIGHT = 0.5  # a keyword alone is weaker evidence than a filed article
KEYWORD_WEIGHT = 0.5  # so is an article labelled by keywords
TARGET_PRECISION = 0.85
GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)
MIN_NAMED = 8  # out-of-fold items a threshold must keep to be trusted
PRIOR_STRENGTH = 5.0  # pulls a topic's Platt curve towards the curve of all topics together
BIG_OUTLET_SHARE = 0.5  # an outlet with more of the scored items than this is split by feed file
BIG_OUTLET_PARTS = 3


@dataclass(frozen=True, slots=True)
class Settings:
    """The recipe's choices; the defaults were picked on the leave-one-outlet-out folds."""

    c: float = 4.0  # inverse L2 strength
    margin: float = 0.05  # out of fold, aim this far above the target: held-out checks run lower
    fallback: float = 0.9  # threshold of a topic that, out of fold, never kept the target precision
    # A topic with too few items out of fold to measure its own threshold takes the threshold
    # measured on all topics together (the calibrated probabilities share one scale); False: `fallback`.
    pooled_fallback: bool = True
    rare_floor: float = TARGET_PRECISION  # ... but never below this calibrated probability
    rare_below: int = MIN_NAMED  # a topic with fewer right items out of fold is too rare to measure
    short_copies: bool = True  # also train on headline + first sentence (other outlets' ledes)
    desk_keywords: bool = True  # a news-desk item with strong keywords takes their topic
    lexicon: bool = True  # each word's lexicon topics are features (`k:sport`)
    balance: float = 0.0  # single-label rows weigh (mean class size / class size) ** balance
    target: float = TARGET_PRECISION


@cache
def _lexicon() -> Lexicon:
    return Lexicon(vocabulary())


def _counts(title: str, lede: str, lexicon: Lexicon | None) -> Counter[str]:
    n = len(words(title)) + len(words(lede))
    s = scale(n)
    return Counter({k: v * s for k, v in Counter(features(title, lede, lexicon)).items()})


def allowed_set(e: Example, classes: tuple[str, ...], settings: Settings) -> frozenset[str]:
    """The classes an example may be: its label, or for a news-desk item any hard-news class."""
    if e.basis == "desk" or (
        e.basis == "keywords" and e.gold == HARD_NEWS and not settings.desk_keywords
    ):
        return frozenset(c for c in classes if c not in SOFT)
    return frozenset({e.label, *e.also}) if e.label else frozenset()


def _training_rows(
    train: list[Example], classes: tuple[str, ...], settings: Settings
) -> list[tuple[str, str, frozenset[str], float]]:
    """(title, lede, allowed classes, weight) rows: labelled items, their short copies, seeds."""
    rows: list[tuple[str, str, frozenset[str], float]] = []
    sets = [allowed_set(e, classes, settings) for e in train]
    sizes = Counter(
        next(iter(a)) for a, e in zip(sets, train, strict=True) if len(a) == 1 and e.basis != "seed"
    )
    mean_size = sum(sizes.values()) / max(len(sizes), 1)
    for e, allowed in zip(train, sets, strict=True):
        if not allowed:
            continue
        weight = {"seed": SEED_WEIGHT, "keywords": KEYWORD_WEIGHT}.get(e.basis, 1.0)
        if settings.balance and len(allowed) == 1 and e.basis != "seed":
            weight *= (mean_size / sizes[next(iter(allowed))]) ** settings.balance
        short = first_sentence(e.lede)
        if settings.short_copies and e.basis != "seed" and short != e.lede:
            rows.append((e.title, e.lede, allowed, weight / 2))
            rows.append((e.title, short, allowed, weight / 2))
        else:
            rows.append((e.title, e.lede, allowed, weight))
    return rows


def fit(train: list[Example], classes: tuple[str, ...], settings: Settings) -> TopicModel:
    """A multinomial logistic regression over the examples' features (uncalibrated)."""
    rows = _training_rows(train, classes, settings)
    lexicon = _lexicon() if settings.lexicon else None
    counted = [_counts(t, lede, lexicon) for t, lede, _, _ in rows]
    df: Counter[str] = Counter()
    for cnt in counted:
        df.update(cnt.keys())
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_COUNT))}
    r_idx, c_idx, vals = [], [], []
    for r, cnt in enumerate(counted):
        for f, v in cnt.items():
            j = vocab.get(f)
            if j is not None:
                r_idx.append(r)
                c_idx.append(j)
                vals.append(v)
    x = csr_matrix((vals, (r_idx, c_idx)), shape=(len(rows), len(vocab)))
    allowed = np.array([[c in row[2] for c in classes] for row in rows])
    fitted = fit_partial(x, allowed, np.array([w for *_, w in rows]), settings.c)
    return TopicModel(
        vocab=vocab,
        coef=fitted.coef.astype(np.float32),
        intercept=fitted.intercept,
        classes=classes,
        meta={},
        lexicon=lexicon,
    )


def calibration_folds(data: list[Example]) -> dict[str, str]:
    """Feed group -> fold: one fold per outlet, and an outlet holding most items split by feed file.

    With three outlets of 584, 123 and 45 stories, leaving the big one out trains on a sixth of
    the data: its out-of-fold scores would say more about data size than about a new outlet,
    and the thresholds fitted on them would silence the text. So the big outlet's feed files
    are spread over BIG_OUTLET_PARTS folds of about equal size; every other outlet stays whole.
    """
    scored = Counter(e.outlet for e in data if e.gold is not None)
    total = sum(scored.values())
    fold: dict[str, str] = {}
    for outlet in sorted({e.outlet for e in data}):
        sizes = Counter(e.group for e in data if e.outlet == outlet)
        if scored[outlet] <= BIG_OUTLET_SHARE * total or len(sizes) < BIG_OUTLET_PARTS:
            fold.update({group: outlet for group in sizes})
            continue
        filled = [0] * BIG_OUTLET_PARTS
        for group, n in sorted(sizes.items(), key=lambda gn: (-gn[1], gn[0])):
            part = filled.index(min(filled))  # the emptiest fold takes the next largest file
            filled[part] += n
            fold[group] = f"{outlet}#{part}"
    return fold


def out_of_fold(
    data: list[Example], seeds: list[Example], classes: tuple[str, ...], settings: Settings
) -> list[tuple[Example, np.ndarray]]:
    """Each scored item's softmax probabilities from a model that never saw its fold."""
    fold = calibration_folds(data)
    out: list[tuple[Example, np.ndarray]] = []
    for name in sorted(set(fold.values())):
        test = [e for e in data if fold[e.group] == name and e.gold is not None]
        if not test:
            continue
        model = fit([e for e in data if fold[e.group] != name] + seeds, classes, settings)
        out.extend((e, model.probabilities(e.title, e.lede)) for e in test)
    return out


def calibrate(
    oof: list[tuple[Example, np.ndarray]], classes: tuple[str, ...], settings: Settings
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Platt parameters (2, classes) and thresholds (classes,) from out-of-fold probabilities."""
    probs = np.array([p for _, p in oof])
    scores = logit(probs)
    per_class: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for k, slug in enumerate(classes):
        if slug == HARD_NEWS:
            continue
        verdicts = [judge(slug, e.gold or "", e.also, keyword_topic(e)) for e, _ in oof]
        mask = np.array([v is not None for v in verdicts])
        right = np.array([v is True for v in verdicts])
        per_class[k] = (scores[mask, k], right[mask], mask)
    pooled = platt_fit(
        np.concatenate([s for s, _, _ in per_class.values()]),
        np.concatenate([r for _, r, _ in per_class.values()]),
    )
    platt = np.tile(np.array([[1.0], [0.0]]), (1, len(classes)))
    thresholds = np.full(len(classes), np.inf)
    how: dict[str, object] = {"pooled_platt": [round(v, 4) for v in pooled]}
    goal = settings.target + settings.margin
    curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for k, (s, right, _) in per_class.items():
        a, b = platt_fit(s, right, prior=pooled, strength=PRIOR_STRENGTH)
        platt[:, k] = (a, b)
        curves[k] = (platt_apply(s, a, b), right)
    shared = threshold_for_precision(
        np.concatenate([q for q, _ in curves.values()]),
        np.concatenate([r for _, r in curves.values()]),
        goal,
        MIN_NAMED,
        GRID,
    )
    how["pooled_threshold"] = shared
    for k, (q, right) in curves.items():
        t = threshold_for_precision(q, right, goal, MIN_NAMED, GRID)
        rare = int(right.sum()) < settings.rare_below
        if t is not None:
            thresholds[k], basis = t, "measured"
        elif rare and shared is not None and settings.pooled_fallback:
            # Too few items to tell this topic apart from the others: trust the shared scale.
            thresholds[k], basis = max(shared, settings.rare_floor), "pooled"
        else:
            # Enough items out of fold and still never precise enough: ask for more.
            thresholds[k], basis = max(settings.fallback, shared or 0.0), "fallback"
        how[classes[k]] = {
            "platt": [round(float(v), 4) for v in platt[:, k]],
            "threshold": float(thresholds[k]),
            "measured": basis == "measured",
            "basis": basis,
            "positives": int(right.sum()),
        }
    return platt, thresholds, how


def train_recipe(
    train: list[Example], seeds: list[Example], classes: tuple[str, ...], settings: Settings
) -> TopicModel:
    """Fit on `train` + seeds, calibrate on folds of `train` grouped by outlet."""
    platt, thresholds, how = calibrate(
        out_of_fold(train, seeds, classes, settings), classes, settings
    )
    model = fit(train + seeds, classes, settings)
    return replace(model, platt=platt, thresholds=thresholds, meta={"calibration": how})
