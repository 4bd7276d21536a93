"""Multinomial logistic regression whose examples may carry a set of allowed classes (training only).

A section label names one topic. An item filed only under a news desk does not: it is hard news
— crime, politics, conflict, ... or hard news without a finer topic — but never sport or
culture. Forcing one class on it would teach the model that a murder on the news desk is not
crime; leaving it out would teach it nothing about hard news. So such an example's likelihood
is the probability of its whole allowed set (a "partial label"): the model learns "news, not
sport" from it and lets the finer topics keep what their own sections taught. Fitted with
L-BFGS on sparse features, L2-regularised like scikit-learn's LogisticRegression. The L-BFGS is
written out here in numpy: scipy's L-BFGS-B spends over half a second per step on the model's
650,000 weights, this one a few milliseconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

MAX_ITER = 500
HISTORY = 10  # L-BFGS correction pairs
GTOL = 1e-5  # stop when no gradient component is larger
FTOL = 1e-9  # or when a step gains less than this share of the loss
ARMIJO = 1e-4

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True, slots=True)
class Fitted:
    """Weights (features x classes) and intercepts."""

    coef: np.ndarray
    intercept: np.ndarray
    iterations: int


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def loss_and_grad(
    theta: np.ndarray,
    x: csr_matrix,
    allowed: np.ndarray,
    weights: np.ndarray,
    c: float,
) -> tuple[float, np.ndarray]:
    """Negative weighted log-likelihood of the allowed sets plus ||W||^2 / (2C), and its gradient."""
    n_features, n_classes = x.shape[1], allowed.shape[1]
    w = theta[: n_features * n_classes].reshape(n_features, n_classes)
    b = theta[n_features * n_classes :]
    p = _softmax(np.asarray(x @ w) + b)
    in_set = np.where(allowed, p, 0.0)
    mass = np.maximum(in_set.sum(axis=1), 1e-300)
    loss = -float(weights @ np.log(mass)) + float((w * w).sum()) / (2 * c)
    # d(-log mass)/dz = p - (p restricted to the set, renormalised)
    g = weights[:, None] * (p - in_set / mass[:, None])
    grad_w = np.asarray(x.T @ g) + w / c
    return loss, np.concatenate([grad_w.ravel(), g.sum(axis=0)])


def fit_partial(
    x: csr_matrix, allowed: np.ndarray, weights: np.ndarray, c: float
) -> Fitted:
    """Fit from zero weights (deterministic); `allowed` is a boolean (examples, classes) mask."""
    if not allowed.any(axis=1).all():
        raise ValueError("every example needs at least one allowed class")
    n_features, n_classes = x.shape[1], allowed.shape[1]
    xs, ws = x.astype(np.float64), weights.astype(np.float64)
    # One BLAS thread: on a shared machine a pool per core made each dot product 50 times slower.
    with threadpool_limits(limits=1):
        theta, iterations = lbfgs(
            lambda t: loss_and_grad(t, xs, allowed, ws, c),
            np.zeros(n_features * n_classes + n_classes),
        )
    return Fitted(
        coef=theta[: n_features * n_classes].reshape(n_features, n_classes),
        intercept=theta[n_features * n_classes :],
        iterations=iterations,
    )


def lbfgs(fun: Objective, x0: np.ndarray, max_iter: int = MAX_ITER) -> tuple[np.ndarray, int]:
    """Minimise a smooth function: L-BFGS directions, Armijo backtracking; (argmin, iterations)."""
    x = x0.copy()
    f, g = fun(x)
    history: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=HISTORY)
    for iteration in range(1, max_iter + 1):
        if float(np.abs(g).max()) < GTOL:
            return x, iteration - 1
        d = -_two_loop(g, history)
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction: start over from the gradient
            history.clear()
            d = -g / max(float(np.linalg.norm(g)), 1.0)
            slope = float(g @ d)
        step = 1.0
        while True:
            x_new = x + step * d
            f_new, g_new = fun(x_new)
            if f_new <= f + ARMIJO * step * slope:
                break
            step /= 2
            if step < 1e-12:
                return x, iteration
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
        converged = f - f_new <= FTOL * max(abs(f), abs(f_new), 1.0)
        x, f, g = x_new, f_new, g_new
        if converged:
            return x, iteration
    return x, max_iter


def _two_loop(g: np.ndarray, history: deque[tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    """The L-BFGS estimate of H^-1 g from the stored correction pairs."""
    if not history:
        return g / max(float(np.linalg.norm(g)), 1.0)
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(history):
        a = rho * float(s @ q)
        alphas.append(a)
        q -= a * y
    s, y, _ = history[-1]
    r = q * (float(s @ y) / float(y @ y))
    for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
        r += s * (a - rho * float(y @ r))
    return r
