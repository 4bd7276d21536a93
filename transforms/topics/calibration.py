"""Calibrated topic scores and abstention: Platt scaling per topic, thresholds for a target precision.

The text model's softmax is over-confident on outlets it has not seen and under-confident on
rare topics. Each topic's score is mapped to a probability by Platt scaling (a logistic curve
over the score's logit), fitted on out-of-fold predictions; a topic is then named only above a
threshold chosen so that, out of fold, at least the target share of the items named it were
right. Scoring needs only numpy; the fitting (training only) is a few Newton steps in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

EPS = 1e-6
NEWTON_STEPS = 50


def logit(p: npt.ArrayLike) -> np.ndarray:
    """log(p / (1 - p)), clipped so that 0 and 1 stay finite."""
    q = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    return np.asarray(np.log(q) - np.log1p(-q))


def platt_apply(scores: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Calibrated probabilities sigmoid(a * score + b), elementwise (per topic: a, b broadcast)."""
    z = np.asarray(a) * np.asarray(scores, dtype=np.float64) + np.asarray(b)
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))  # a sigmoid that never overflows


def platt_fit(
    scores: npt.ArrayLike,
    targets: npt.ArrayLike,
    prior: tuple[float, float] = (1.0, 0.0),
    strength: float = 0.0,
) -> tuple[float, float]:
    """Fit (a, b) of sigmoid(a * score + b) to 0/1 targets by Newton's method.

    Targets are smoothed as Platt proposed ((n+ + 1) / (n+ + 2) for positives, 1 / (n- + 2)
    for negatives), so a handful of examples never yields a probability of exactly 0 or 1.
    `strength` pulls (a, b) towards `prior` (a Gaussian prior): a topic with few examples keeps
    close to the curve fitted on all topics together.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(targets, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    theta = np.array(prior, dtype=np.float64)
    mu = theta.copy()
    x = np.stack([s, np.ones_like(s)], axis=1)
    for _ in range(NEWTON_STEPS):
        p = platt_apply(s, theta[0], theta[1])
        grad = x.T @ (p - t) + strength * (theta - mu)
        w = p * (1 - p)
        hess = x.T @ (x * w[:, None]) + (strength + 1e-9) * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return float(theta[0]), float(theta[1])


def threshold_for_precision(
    probs: npt.ArrayLike,
    right: npt.ArrayLike,
    target: float,
    min_count: int,
    grid: tuple[float, ...],
) -> float | None:
    """The lowest threshold of `grid` whose named items are right at least `target` of the time.

    `probs` are one topic's calibrated probabilities on scored items, `right` whether naming the
    topic there would be right. None when no threshold keeps `min_count` items at that precision.
    """
    p = np.asarray(probs, dtype=np.float64)
    ok = np.asarray(right, dtype=bool)
    for t in sorted(grid):
        named = p >= t
        n = int(named.sum())
        if n < min_count:
            return None
        if ok[named].sum() / n >= target:
            return float(t)
    return None


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Items whose calibrated probability fell in [low, high): how many, mean probability, share right."""

    low: float
    high: float
    n: int
    mean_probability: float | None
    observed: float | None


def reliability(
    probs: npt.ArrayLike, right: npt.ArrayLike, edges: tuple[float, ...]
) -> list[ReliabilityBin]:
    """Predicted probability against observed precision, per bin of `edges` (last bin closed)."""
    p = np.asarray(probs, dtype=np.float64)
    ok = np.asarray(right, dtype=bool)
    out: list[ReliabilityBin] = []
    for i, (low, high) in enumerate(pairwise(edges)):
        last = i == len(edges) - 2
        inside = (p >= low) & ((p <= high) if last else (p < high))
        n = int(inside.sum())
        out.append(
            ReliabilityBin(
                low,
                high,
                n,
                round(float(p[inside].mean()), 3) if n else None,
                round(float(ok[inside].mean()), 3) if n else None,
            )
        )
    return out
