"""`make train-langid`: train the language model from ../shared/data, cross-validated, reproducibly.

Training text: the UD dev sentences of ../shared/data/langid/dev (nb, nn, da, sv, en, de) and
the NorNE training sentences (nb, nn). A fifth of each UD file (every fifth block of
consecutive sentences, see `split_heldout`) is held out of training altogether: the figures
in docs/language.md are measured on it. Cross-validation figures come from folds of the rest:
the Naive Bayes part is scored out of fold, and the stacker on top of it is cross-validated
again over those out-of-fold scores. The stacker also sees headline-sized fragments (the
first 2-8 words of a sentence), so that its confidence on short text is calibrated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from nordwire.pipeline.tools import langvariety
from nordwire.pipeline.tools.conll import read_conll
from nordwire.pipeline.tools.otherlang import default_cache, other_samples
from nordwire.transforms.archive import text_array
from nordwire.transforms.language.detect import too_short
from nordwire.transforms.language.model import (
    CLASSES,
    NB_CLASSES,
    NORWEGIAN,
    OTHER,
    LangIdModel,
    Profiles,
    features,
)

DEV_FILES = {
    "nb": "nob.txt",
    "nn": "nno.txt",
    "da": "da.txt",
    "sv": "sv.txt",
    "en": "en.txt",
    "de": "de.txt",
}
NORNE = {"nb": "nob/train.conll", "nn": "nno/train.conll"}
FOLDS = 5
ALPHA = 0.03
STACK_C = 10.0
CHUNK_CHARS = 300
HELDOUT_BLOCK = 25  # consecutive sentences (mostly one document) held out together
HELDOUT_EVERY = 5  # every fifth block: a fifth of each file


def split_heldout(sentences: list[str]) -> tuple[list[str], list[str]]:
    """(training, held-out) sentences: every HELDOUT_EVERY-th block of HELDOUT_BLOCK lines is held out.

    Blocks, not single lines, so that held-out sentences do not share a document with training ones.
    """
    train: list[str] = []
    held: list[str] = []
    for i, s in enumerate(sentences):
        (held if (i // HELDOUT_BLOCK) % HELDOUT_EVERY == HELDOUT_EVERY - 1 else train).append(s)
    return train, held


def read_dev(data: Path, lang: str) -> list[str]:
    """Non-empty lines of the UD dev file for `lang` (nb, nn, da, sv, en, de)."""
    path = data / "langid" / "dev" / DEV_FILES[lang]
    return [s.strip() for s in path.read_text("utf-8").splitlines() if s.strip()]


def fragment(sentence: str, index: int) -> str:
    """A headline-sized piece of a sentence: its first 1-8 words (by index), end punctuation
    dropped. One-word pieces too: a one-word headline must get the little confidence it earns."""
    words = sentence.split()[: 1 + index % 8]
    return " ".join(words).rstrip(".,:;!?«»\"'")


def norne_sentences(path: Path) -> list[str]:
    """Sentences of a NorNE CoNLL file, detokenised enough to read like text."""
    joined = (" ".join(words) for words, _ in read_conll(path))
    return [re.sub(r"([(«]) ", r"\1", re.sub(r" ([.,:;!?)»])", r"\1", s)) for s in joined]


def chunks(sentences: list[str], size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive sentences joined until each chunk reaches `size` characters."""
    out: list[str] = []
    current = ""
    for s in sentences:
        current = f"{current} {s}".strip()
        if len(current) >= size:
            out.append(current)
            current = ""
    return out


def segments(text: str, index: int = 0) -> list[str]:
    """Sentence-sized runs of 6-20 words of a sample that has no sentence marks (CLD2's are scraped)."""
    words = text.split()
    out: list[str] = []
    start = 0
    while start < len(words):
        size = 6 + (index + len(out)) * 7 % 15
        out.append(" ".join(words[start : start + size]))
        start += size
    return [o for o in out if len(o.split()) >= 2]


def count(texts: list[str]) -> Counter[str]:
    """Feature counts over texts."""
    total: Counter[str] = Counter()
    for t in texts:
        total.update(features(t))
    return total


def log_probs(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Multinomial NB feature log-probabilities; rows never seen in training carry no weight.

    (Dirichlet smoothing towards the languages' mean share, which does not favour the small
    languages on rare features, scored lower in cross-validation: 98.03 % / 96.39 % on
    sentences against 98.20 % / 96.64 %.)
    """
    seen = counts.sum(axis=1) > 0
    smoothed = counts[seen] + alpha
    flp = np.zeros(counts.shape, dtype=np.float32)
    flp[seen] = np.log(smoothed) - np.log(smoothed.sum(axis=0, keepdims=True))
    return flp


def fit_stacker(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (scikit-learn, a training-time dependency only)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    # One BLAS thread: on a shared machine a thread pool per core made the fit 50 times slower.
    # Balanced classes: the training mix (many Norwegian sentences, few Danish) is no prior for a
    # feed; the stacker answers as if every language were equally likely, and the feed's
    # context (transforms/language/context.py) supplies the prior.
    # A class with no rows in this fit (a fold of a tiny corpus) is never the answer.
    coef = np.zeros((len(CLASSES), x.shape[1]))
    intercept = np.full(len(CLASSES), -50.0)
    if len(set(y.tolist())) < 2:
        intercept[[CLASSES.index(k) for k in set(y.tolist())]] = 0.0
        return coef, intercept
    with threadpool_limits(limits=1):
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)
    for i, k in enumerate(model.classes_):
        coef[CLASSES.index(k)] = model.coef_[i]
        intercept[CLASSES.index(k)] = model.intercept_[i]
    return coef, intercept


def scores(y_true: list[str], y_pred: list[str]) -> dict[str, float]:
    """Norwegian-vs-not accuracy, and bokmål/nynorsk accuracy over items both call Norwegian."""
    pairs = list(zip(y_true, y_pred, strict=True))
    norwegian = sum((t in NORWEGIAN) == (p in NORWEGIAN) for t, p in pairs) / max(1, len(pairs))
    both = [(t, p) for t, p in pairs if t in NORWEGIAN and p in NORWEGIAN]
    other = [p for t, p in pairs if t == OTHER]
    out = {
        "norwegian_accuracy": round(norwegian, 5),
        "variety_accuracy": round(sum(t == p for t, p in both) / max(1, len(both)), 5),
        "n": len(pairs),
    }
    if other:
        out["other_called_norwegian"] = round(sum(p in NORWEGIAN for p in other) / len(other), 5)
    return out


def shaped(texts: list[str]) -> dict[str, list[str]]:
    """The three shapes the stacker learns from: sentences, ~300-character chunks, headline fragments."""
    return {
        "sentence": texts,
        "chunk300": chunks(texts),
        "fragment": [fragment(t, i) for i, t in enumerate(texts)],
    }


def _with_fragments(texts: list[str]) -> list[str]:
    """Sentences and a headline-sized fragment of each: the variety regression sees both."""
    return texts + [fragment(t, i) for i, t in enumerate(texts)]


def language_fold(language: str) -> int:
    """A fold per `other` language (stable across runs), so cross-validation scores `other` on
    languages the stacker never saw: the case it exists for."""
    return int(hashlib.sha256(language.encode("utf-8")).hexdigest(), 16) % FOLDS


def train(
    data: Path,
    alpha: float = ALPHA,
    stack_c: float = STACK_C,
    log: bool = True,
    others: dict[str, str] | None = None,
) -> LangIdModel:
    """Train and cross-validate; returns the final model with its CV figures in `meta`.

    `others` is text by language for the `other` class (default: otherlang's CLD2 samples).
    """
    started = time.perf_counter()
    dev: dict[str, list[str]] = {}
    for lang in DEV_FILES:
        dev[lang] = split_heldout(read_dev(data, lang))[0]
    # Folds of consecutive blocks, as the held-out split: sentences of one document on both
    # sides of a fold would let the NB part know the document's names and topic words, and
    # teach the stacker to trust it more than it earns on text from elsewhere.
    folds = {lang: [(i // HELDOUT_BLOCK) % FOLDS for i in range(len(v))] for lang, v in dev.items()}
    norne = {lang: norne_sentences(data / "norne" / path) for lang, path in NORNE.items()}
    if others is None:
        others = other_samples(default_cache())

    fold_counts = {
        (k, lang): count([s for s, f in zip(dev[lang], folds[lang], strict=True) if f == k])
        for k in range(FOLDS)
        for lang in NB_CLASSES
    }
    norne_counts = {lang: count(norne.get(lang, [])) for lang in NB_CLASSES}
    vocab: dict[str, int] = {}
    for counter in [*fold_counts.values(), *norne_counts.values()]:
        for feat in counter:
            vocab.setdefault(feat, len(vocab))

    def dense(counter: Counter[str]) -> np.ndarray:
        arr = np.zeros(len(vocab), dtype=np.float32)
        for feat, n in counter.items():
            arr[vocab[feat]] = n
        return arr

    base = np.stack([dense(norne_counts[lang]) for lang in NB_CLASSES], axis=1)
    per_fold = [
        np.stack([dense(fold_counts[(k, lang)]) for lang in NB_CLASSES], axis=1)
        for k in range(FOLDS)
    ]
    total = base + sum(per_fold)
    profiles = Profiles()
    empty = np.zeros((0, len(CLASSES)))
    no_intercept = np.zeros(len(CLASSES))

    rows: list[tuple[int, str, str, np.ndarray, str]] = []  # fold, kind, label, stack inputs, text
    variety_rows: list[tuple[int, str, bool, np.ndarray]] = []  # fold, kind, nynorsk, inputs
    for k in range(FOLDS):
        held = {
            lang: [s for s, f in zip(dev[lang], folds[lang], strict=True) if f == k]
            for lang in NB_CLASSES
        }
        regression = langvariety.fit_regression(
            vocab,
            *langvariety.labelled(
                {
                    lang: _with_fragments(
                        norne.get(lang, [])
                        + [s for s, f in zip(dev[lang], folds[lang], strict=True) if f != k]
                    )
                    for lang in NORWEGIAN
                }
            ),
        )
        model = LangIdModel(
            vocab,
            log_probs(total - per_fold[k], alpha),
            empty,
            no_intercept,
            {},
            variety_coef=regression,
        )
        for lang in NORWEGIAN:
            for kind in ("sentence", "fragment"):
                for text in shaped(held[lang])[kind]:
                    variety_rows.append((k, kind, lang == "nn", langvariety.inputs_of(model, text)))
        # Other languages enter as one class: the NB part never saw them, whatever the fold.
        held[OTHER] = [
            seg
            for i, (language, text) in enumerate(sorted(others.items()))
            if language_fold(language) == k
            for seg in segments(text, i)
        ]
        for lang, texts in held.items():
            for kind, pieces in shaped(texts).items():
                for text in pieces:
                    ll = profiles.log_likelihood(text)
                    inputs = model.stack_inputs(text, model.nb_scores(text), ll)
                    rows.append((k, kind, lang, inputs, text))
        if log:
            print(
                f"fold {k + 1}/{FOLDS} scored ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )

    x = np.stack([r[3] for r in rows])
    y = np.array([r[2] for r in rows])
    fold_of = np.array([r[0] for r in rows])
    kind_of = np.array([r[1] for r in rows])
    predicted = np.empty(len(rows), dtype=object)
    nb_only = np.empty(len(rows), dtype=object)
    for k in range(FOLDS):
        coef, intercept = fit_stacker(x[fold_of != k], y[fold_of != k], stack_c)
        held_rows = fold_of == k
        logits = x[held_rows] @ coef.T + intercept
        predicted[held_rows] = [CLASSES[i] for i in np.argmax(logits, axis=1)]
        nb_part = x[held_rows][:, : len(NB_CLASSES)]
        nb_only[held_rows] = [NB_CLASSES[i] for i in np.argmax(nb_part, axis=1)]
    # The detector answers `und` for texts too short to tell; score what it really does.
    short = np.array([too_short(r[4]) for r in rows])
    predicted[short] = "und"
    cv = {
        kind: {
            "stacked": scores(list(y[kind_of == kind]), list(predicted[kind_of == kind])),
            "naive_bayes_only": scores(list(y[kind_of == kind]), list(nb_only[kind_of == kind])),
        }
        for kind in ("sentence", "chunk300", "fragment")
    }
    coef, intercept = fit_stacker(x, y, stack_c)
    vx = np.stack([r[3] for r in variety_rows])
    vy = np.array([r[2] for r in variety_rows])
    variety_cv = langvariety.cross_validate(
        vx, vy, np.array([r[0] for r in variety_rows]), np.array([r[1] for r in variety_rows])
    )
    combiner = langvariety.fit_combiner(vx, vy)
    regression = langvariety.fit_regression(
        vocab,
        *langvariety.labelled(
            {lang: _with_fragments(norne.get(lang, []) + dev[lang]) for lang in NORWEGIAN}
        ),
    )
    digest = hashlib.sha256()
    for lang in NB_CLASSES:
        digest.update("\n".join(dev[lang] + norne.get(lang, [])).encode("utf-8"))
    for language, text in sorted(others.items()):
        digest.update(f"{language}\t{text}\n".encode())
    sentences = {lang: len(dev[lang]) + len(norne.get(lang, [])) for lang in NB_CLASSES}
    meta = {
        "classes": list(CLASSES),
        "alpha": alpha,
        "stack_c": stack_c,
        "folds": FOLDS,
        "training_sentences": sentences,
        "other_languages": len(others),
        "other_words": sum(len(t.split()) for t in others.values()),
        "training_sha256": digest.hexdigest(),
        "heldout": f"every {HELDOUT_EVERY}th block of {HELDOUT_BLOCK} UD sentences, not trained on",
        "cross_validation": cv,
        "variety_regression_c": langvariety.REGRESSION_C,
        "variety_cross_validation": variety_cv,
    }
    if log:
        print(
            f"trained in {time.perf_counter() - started:.0f} s; cross-validation: {cv}; "
            f"variety: {variety_cv}",
            file=sys.stderr,
        )
    return LangIdModel(
        vocab,
        log_probs(total, alpha),
        coef,
        intercept,
        meta,
        variety_coef=regression,
        variety_combiner=combiner,
    )


def save_model(model: LangIdModel, path: Path) -> None:
    """Write the model as a numpy archive with no pickled objects (transforms.langid.load_model reads it)."""
    words = sorted(model.vocab, key=model.vocab.__getitem__)
    np.savez_compressed(
        path,
        vocab=text_array("\n".join(words)),
        feature_log_prob=model.feature_log_prob.astype(np.float32),
        coef=model.coef.astype(np.float64),
        intercept=model.intercept.astype(np.float64),
        meta=text_array(json.dumps(model.meta, sort_keys=True)),
        variety_coef=model.variety_coef.astype(np.float32),
        variety_combiner=model.variety_combiner.astype(np.float64),
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry for `make train-langid`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("transforms/models/langid.npz"))
    parser.add_argument(
        "--cache", type=Path, default=None, help="where pycld2's sources are kept (other languages)"
    )
    args = parser.parse_args(argv)
    if not (args.data / "langid" / "dev").is_dir():
        print(f"train-langid: {args.data}/langid/dev not found", file=sys.stderr)
        return 2
    model = train(args.data, others=other_samples(args.cache or default_cache()))
    save_model(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
