"""Calibration and abstention: Platt scaling, thresholds for a target precision, reliability bins."""

from __future__ import annotations

import math

import numpy as np
import pytest
from nordwire.schemas.topics import UNCLASSIFIED
from nordwire.transforms.topics.calibration import (
    logit,
    platt_apply,
    platt_fit,
    reliability,
    threshold_for_precision,
)
from nordwire.transforms.topics.classify import TopicClassifier
from nordwire.transforms.topics.model import HARD_NEWS, TopicModel, features


def test_platt_fit_recovers_the_curve_that_generated_the_labels() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(0.0, 2.0, 20_000)
    targets = rng.random(20_000) < platt_apply(scores, 1.5, -0.8)
    a, b = platt_fit(scores, targets)
    assert a == pytest.approx(1.5, abs=0.08) and b == pytest.approx(-0.8, abs=0.08)


def test_platt_fit_never_promises_certainty_from_a_handful_of_examples() -> None:
    # Three right answers out of three: the smoothed targets keep the probability below 1.
    a, b = platt_fit(np.array([2.0, 3.0, 4.0]), np.array([True, True, True]))
    assert math.isfinite(a) and math.isfinite(b)
    assert float(platt_apply(np.array([3.0]), a, b)[0]) < 0.95


def test_a_strong_prior_keeps_a_rare_topic_near_the_pooled_curve() -> None:
    scores, targets = np.array([-1.0, 0.5, 1.0]), np.array([False, False, True])
    free = platt_fit(scores, targets)
    held = platt_fit(scores, targets, prior=(1.2, -0.3), strength=1e4)
    assert held == pytest.approx((1.2, -0.3), abs=0.01)
    assert free != pytest.approx(held, abs=0.01)


def test_logit_is_finite_at_zero_and_one_and_inverts_the_sigmoid() -> None:
    z = logit(np.array([0.0, 0.25, 1.0]))
    assert np.isfinite(z).all() and z[1] == pytest.approx(math.log(1 / 3))
    assert platt_apply(z, 1.0, 0.0)[1] == pytest.approx(0.25)


def test_the_threshold_is_the_lowest_that_reaches_the_target_precision() -> None:
    probs = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.55])
    right = np.array([True, True, True, False, True, False])
    grid = (0.5, 0.6, 0.7, 0.8, 0.9)
    # 0.5: 4/6, 0.6: 4/5, 0.7: 3/4, 0.8: 3/3 -> 0.8 for 85 %; 0.6 already gives 80 %.
    assert threshold_for_precision(probs, right, 0.85, 2, grid) == 0.8
    assert threshold_for_precision(probs, right, 0.80, 2, grid) == 0.6
    # Too few items left to trust a precision: no threshold at all.
    assert threshold_for_precision(probs, right, 0.85, 4, grid) is None
    assert threshold_for_precision(probs, ~right, 0.85, 1, grid) is None


def test_reliability_bins_count_items_and_the_share_right() -> None:
    probs = np.array([0.1, 0.15, 0.55, 0.6, 0.9, 1.0])
    right = np.array([False, True, True, False, True, True])
    bins = reliability(probs, right, (0.0, 0.5, 0.8, 1.0))
    assert [b.n for b in bins] == [2, 2, 2]  # 1.0 falls in the last, closed bin
    assert [b.observed for b in bins] == [0.5, 0.5, 1.0]
    assert bins[2].mean_probability == pytest.approx(0.95)
    assert reliability(probs, right, (0.0, 0.05, 1.0))[0].observed is None


def _tiny_model(thresholds: list[float], platt: list[list[float]] | None = None) -> TopicModel:
    """Three classes: sport for `fotball`, culture for `konsert`, news for `drept`."""
    classes = ("sport", "arts-culture-entertainment-media", HARD_NEWS)
    cues = {"fotball": 0, "konsert": 1, "drept": 2}
    names = sorted({f for w in cues for f in features(w, "")})
    vocab = {f: i for i, f in enumerate(names)}
    coef = np.zeros((len(vocab), 3), dtype=np.float32)
    for word, k in cues.items():
        coef[vocab["w:" + word], k] = 6.0
    return TopicModel(
        vocab=vocab,
        coef=coef,
        intercept=np.zeros(3),
        classes=classes,
        meta={},
        platt=None if platt is None else np.array(platt, dtype=np.float64),
        thresholds=np.array(thresholds, dtype=np.float64),
    )


def test_the_text_names_a_topic_only_at_or_above_its_threshold() -> None:
    identity = [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    clf = TopicClassifier(model=_tiny_model([0.9, 0.9, 0.0], identity))
    topic, topics, basis = clf.classify((), None, "fotball", "")
    assert (topic, basis) == ("sport", "text") and topics[0][1] >= 0.9
    # The same text, with sport's threshold out of reach: unclassified, nothing listed.
    strict = TopicClassifier(model=_tiny_model([0.999, 0.9, 0.0], identity))
    assert strict.classify((), None, "fotball", "") == (UNCLASSIFIED, (), "none")


def test_hard_news_is_never_a_partition_even_when_certain() -> None:
    clf = TopicClassifier(model=_tiny_model([0.5, 0.5, 0.0]))
    assert clf.model.calibrated("drept drept", "")[2] > 0.99
    assert clf.classify((), None, "drept drept", "") == (UNCLASSIFIED, (), "none")


def test_topics_carry_the_calibrated_probability_not_the_softmax() -> None:
    # A Platt curve that halves the confidence: the listed score is the calibrated one.
    model = _tiny_model([0.5, 0.5, 0.0], [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    clf = TopicClassifier(model=model)
    raw = model.probabilities("fotball", "")[0]
    _, topics, _ = clf.classify((), None, "fotball", "")
    assert topics[0][0] == "sport"
    assert topics[0][1] == pytest.approx(float(platt_apply(logit(np.array([raw])), 0.5, 0.0)[0]), abs=1e-3)
    assert topics[0][1] < raw
