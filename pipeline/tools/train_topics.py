"""`make train-topics`: train the text topic model on weak labels from real feeds, cross-validated by outlet.

Labels come from the feeds' own sections (pipeline/tools/topic_data.py), plus keyword seeds.
Every figure reported is measured on items the model did not see, grouped so that no outlet
(or, in the second report, no feed file) is on both sides of a split, and scored only against
section labels: the newsroom's filing, not our own keywords.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from nordwire.pipeline.tools.topic_data import Example, KeywordSeeds, examples, read_items
from nordwire.schemas.topics import UNCLASSIFIED, vocabulary
from nordwire.transforms.sections import SectionMap
from nordwire.transforms.topic_model import TopicModel, features, save_model, scale, words
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

C = 4.0  # inverse L2 strength; chosen by the grouped folds on the training outlets
MIN_COUNT = 2  # features seen fewer times are dropped (shrinks the model, no loss measured)
SEED_WEIGHT = 0.5  # a keyword alone is weaker evidence than a filed article
KEYWORD_WEIGHT = 0.5  # so is an article labelled by keywords
SEED = 0
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5)  # the stage's MIN_SUPPORT is chosen from these
FOCUS = ("sport", "economy-business-finance", "arts-culture-entertainment-media")


def _counts(ex: Example) -> Counter[str]:
    n = len(words(ex.title)) + len(words(ex.lede))
    c = Counter(features(ex.title, ex.lede))
    s = scale(n)
    return Counter({k: v * s for k, v in c.items()})


def _weight(ex: Example) -> float:
    return {"seed": SEED_WEIGHT, "keywords": KEYWORD_WEIGHT}.get(ex.basis, 1.0)


def fit(train: list[Example], classes: tuple[str, ...], c: float = C) -> TopicModel:
    """A multinomial logistic regression over the examples' features."""
    counted = [_counts(e) for e in train]
    df: Counter[str] = Counter()
    for cnt in counted:
        df.update(cnt.keys())
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_COUNT))}
    rows, cols, vals = [], [], []
    for r, cnt in enumerate(counted):
        for f, v in cnt.items():
            j = vocab.get(f)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(v)
    x = csr_matrix((vals, (rows, cols)), shape=(len(train), len(vocab)))
    index = {s: i for i, s in enumerate(classes)}
    y = np.array([index[e.label] for e in train])
    present = sorted(set(y.tolist()))
    lr = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    lr.fit(x, y, sample_weight=np.array([_weight(e) for e in train]))
    # Classes absent from a fold's training data get a very low score, never a prediction.
    coef = np.zeros((len(vocab), len(classes)), dtype=np.float32)
    intercept = np.full(len(classes), -30.0)
    for k, cls in enumerate(present):
        row = k if len(present) > 2 else None
        if row is None:
            raise ValueError("need at least three topics to train")
        coef[:, cls] = lr.coef_[row]
        intercept[cls] = lr.intercept_[row]
    return TopicModel(vocab=vocab, coef=coef, intercept=intercept, classes=classes, meta={})


def _prf(pairs: Iterable[tuple[str, str]], classes: Iterable[str]) -> dict[str, dict[str, float]]:
    pairs = list(pairs)
    out: dict[str, dict[str, float]] = {}
    for cls in classes:
        tp = sum(1 for g, p in pairs if g == cls and p == cls)
        n_pred = sum(1 for _, p in pairs if p == cls)
        n_gold = sum(1 for g, _ in pairs if g == cls)
        if not (n_pred or n_gold):
            continue
        out[cls] = {
            "precision": round(tp / n_pred, 3) if n_pred else 0.0,
            "recall": round(tp / n_gold, 3) if n_gold else 0.0,
            "support": n_gold,
        }
    return out


def keyword_baseline(seeds: KeywordSeeds, title: str, lede: str) -> str:
    """What the keyword lists alone said before the model: the top topic at 2+ hits, else unclassified."""
    hits: Counter[str] = Counter()
    for weight, text in ((2, title), (1, lede)):
        for word in words(text):
            for slug in seeds.topics_of(word):
                hits[slug] += weight
    top = hits.most_common(1)
    return top[0][0] if top and top[0][1] >= 2 else UNCLASSIFIED


def _accuracy(pairs: list[tuple[str, str]]) -> float | None:
    return round(sum(g == p for g, p in pairs) / len(pairs), 3) if pairs else None


def cross_validate(
    data: list[Example],
    seeds: list[Example],
    classes: tuple[str, ...],
    key: str,
    folds: int | None,
    keywords: KeywordSeeds,
) -> dict[str, object]:
    """Out-of-fold predictions, grouped by `key` (outlet or group); scored on section labels."""
    groups = sorted({getattr(e, key) for e in data})
    if folds is not None:  # round-robin of groups into `folds` folds, deterministic
        fold_of = {g: i % folds for i, g in enumerate(groups)}
    else:
        fold_of = {g: i for i, g in enumerate(groups)}
    pairs: list[tuple[str, str, str]] = []  # gold, predicted, outlet
    before: list[tuple[str, str, str]] = []  # gold, keyword baseline, outlet
    confidence: list[float] = []  # the top probability of each prediction in `pairs`
    for fold in sorted(set(fold_of.values())):
        test = [e for e in data if fold_of[getattr(e, key)] == fold and e.basis == "section"]
        train = [e for e in data if fold_of[getattr(e, key)] != fold] + seeds
        if not test:
            continue
        model = fit(train, classes)
        for e in test:
            p = model.probabilities(e.title, e.lede)
            pairs.append((e.label, classes[int(np.argmax(p))], e.outlet))
            confidence.append(float(p.max()))
            before.append((e.label, keyword_baseline(keywords, e.title, e.lede), e.outlet))

    def summary(rows: list[tuple[str, str, str]]) -> dict[str, object]:
        outlets = sorted({o for _, _, o in rows})
        return {
            "accuracy": _accuracy([(g, p) for g, p, _ in rows]),
            "accuracy_sport_economy_culture": _accuracy([(g, p) for g, p, _ in rows if g in FOCUS]),
            "unclassified": round(sum(p == UNCLASSIFIED for _, p, _ in rows) / len(rows), 3),
            "by_outlet": {
                o: {
                    "accuracy": _accuracy([(g, p) for g, p, oo in rows if oo == o]),
                    "sport_economy_culture": _accuracy(
                        [(g, p) for g, p, oo in rows if oo == o and g in FOCUS]
                    ),
                }
                for o in outlets
            },
        }

    return {
        "grouped_by": key,
        "items": len(pairs),
        "model": summary(pairs),
        "keywords_before": summary(before),
        "per_topic": _prf(((g, p) for g, p, _ in pairs), classes),
        "by_threshold": {
            str(t): {
                "coverage": round(sum(c >= t for c in confidence) / len(confidence), 3),
                "accuracy_covered": _accuracy(
                    [(g, p) for (g, p, _), c in zip(pairs, confidence, strict=True) if c >= t]
                ),
            }
            for t in THRESHOLDS
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Train on every feed, report grouped cross-validation, write the model archive."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("transforms/models/topics.npz"))
    ap.add_argument("--report", type=Path, help="also write the cross-validation report as JSON")
    args = ap.parse_args(argv)
    feeds = args.data / "feeds"
    if not feeds.is_dir():
        print(f"no feeds under {feeds}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    vocab = vocabulary()
    keyword_seeds = KeywordSeeds(vocab)
    items = read_items(feeds)
    data = examples(items, vocab, SectionMap(vocab), keyword_seeds)
    seeds = keyword_seeds.texts(vocab)
    classes = tuple(t.slug for t in vocab.topics)
    report = {
        "items": len(items),
        "labelled": dict(Counter(f"{e.outlet}:{e.basis}" for e in data)),
        "labels": dict(Counter(e.label for e in data).most_common()),
        "by_outlet": cross_validate(data, seeds, classes, "outlet", None, keyword_seeds),
        "by_feed_file": cross_validate(data, seeds, classes, "group", 5, keyword_seeds),
    }
    model = fit(data + seeds, classes)
    meta = {
        "classes": list(classes),
        "c": C,
        "min_count": MIN_COUNT,
        "features": len(model.vocab),
        "training_examples": len(data) + len(seeds),
        "cross_validation": {k: report[k] for k in ("by_outlet", "by_feed_file")},
    }
    model = TopicModel(model.vocab, model.coef, model.intercept, classes, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, args.out)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.report:
        args.report.write_text(text + "\n", "utf-8")
    print(text)
    print(f"{len(model.vocab)} features, {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
