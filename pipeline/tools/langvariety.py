"""Training of the bokmål-vs-nynorsk part of the language model (`make train-langid`).

Two pieces, both logistic regressions fitted with scikit-learn (training only; the detector
scores them with numpy, transforms/language/model.py):

- the *regression*: one weight per feature of the Naive Bayes vocabulary (character 1-5-grams
  and words), fitted on counts over every word of a text but names, on Norwegian sentences and
  headline-sized fragments of them;
- the *combiner*: weighs the regression's logit, the NB part's own nynorsk-vs-bokmål log ratio,
  the spelling cues (forms only one standard writes, transforms/language/cues.py) and the
  length. It is fitted on out-of-fold scores (the regression and NB part of each fold never saw
  the sentences they score), so it learns how far each piece is to be trusted on new text.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from nordwire.transforms.language.cues import cues
from nordwire.transforms.language.model import (
    _NAME_MARK,
    LangIdModel,
    _keys,
    _word_grams,
    variety_inputs,
)

# Regularisation of the regression (inverse strength), on the cross-validation of the training
# part (block folds of UD dev plus NorNE training text), not on the held-out split: combined
# accuracy on sentences 97.07 % at 0.1, 97.01 % at 0.3, 96.93 % at 1.0, a flat optimum (two
# sentences of 3,449 between 0.1 and 0.3), so the model trained at 0.3 stays.
REGRESSION_C = 0.3
COMBINER_C = 1.0


def regression_rows(vocab: dict[str, int], text: str) -> list[int]:
    """Vocabulary rows of the features the regression reads: every word's but names', as the
    detector sums them (LangIdModel._score_word)."""
    out: list[int] = []
    for key in _keys(text):
        if key.startswith(_NAME_MARK):
            continue
        out.extend(row for g in _word_grams(key) if (row := vocab.get(g, -1)) >= 0)
    return out


def fit_regression(
    vocab: dict[str, int], texts: list[str], nynorsk: list[bool], c: float = REGRESSION_C
) -> np.ndarray:
    """Weights per vocabulary row for the nynorsk logit (its intercept is the combiner's)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        found = regression_rows(vocab, text)
        rows.extend([i] * len(found))
        cols.extend(found)
    x = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.float64), (rows, cols)), shape=(len(texts), len(vocab))
    )
    x.sum_duplicates()  # counts, as the detector's per-word sums count a repeated word twice
    coef = np.zeros(len(vocab), dtype=np.float32)
    if len(set(nynorsk)) < 2:
        return coef
    with threadpool_limits(limits=1):
        model = LogisticRegression(C=c, solver="liblinear", max_iter=3000).fit(x, nynorsk)
    coef[:] = model.coef_[0] if model.classes_[1] else -model.coef_[0]
    return coef


def inputs_of(model: LangIdModel, text: str) -> np.ndarray:
    """The combiner's inputs for `text` under `model` (its NB part and its regression)."""
    found = cues(text)
    return variety_inputs(model.nb_scores(text), found.nynorsk, found.bokmal, found.words)


def fit_combiner(x: np.ndarray, nynorsk: np.ndarray, c: float = COMBINER_C) -> np.ndarray:
    """Combiner weights over VARIETY_INPUTS, then its intercept (balanced classes: no prior)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(nynorsk.tolist())) < 2:
        return np.zeros(x.shape[1] + 1)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, nynorsk)
    sign = 1.0 if model.classes_[1] else -1.0
    return np.concatenate([sign * model.coef_[0], [sign * model.intercept_[0]]])


def cross_validate(
    x: np.ndarray, nynorsk: np.ndarray, folds: np.ndarray, kinds: np.ndarray
) -> dict[str, dict[str, float]]:
    """Accuracy of the combiner by fold (each fold scored by a combiner fitted without it),
    per kind of text, against the NB part's log ratio alone."""
    logit = np.zeros(len(nynorsk))
    for k in sorted(set(folds.tolist())):
        weights = fit_combiner(x[folds != k], nynorsk[folds != k])
        logit[folds == k] = x[folds == k] @ weights[:-1] + weights[-1]
    out: dict[str, dict[str, float]] = {}
    for kind in sorted(set(kinds.tolist())):
        mine = kinds == kind
        out[kind] = {
            "combined": round(float(np.mean((logit[mine] > 0) == nynorsk[mine])), 5),
            "naive_bayes_only": round(float(np.mean((x[mine, 1] > 0) == nynorsk[mine])), 5),
            "n": int(mine.sum()),
        }
    return out


def labelled(texts: dict[str, Iterable[str]]) -> tuple[list[str], list[bool]]:
    """(texts, is nynorsk) from texts by variety (nb, nn)."""
    out: list[str] = []
    nynorsk: list[bool] = []
    for lang in ("nb", "nn"):
        mine = list(texts.get(lang, []))
        out.extend(mine)
        nynorsk.extend([lang == "nn"] * len(mine))
    return out, nynorsk
