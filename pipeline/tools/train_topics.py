"""`make train-topics`: train, measure and ship the text topic model (recipe: topic_fit.py).

Labels come from the feeds' own sections and news desks (pipeline/tools/topic_data.py), plus
keyword seeds. The recipe's margin above the target precision is chosen first, on the older
files with each outlet left out in turn (MARGINS, `choose_margin`). Every figure reported is
measured on items the recipe never saw: leave-one-outlet-out on the tuning items (the recipe's
own calibration then comes from the two other outlets), and a held-out split — the newest feed
files (first seen on or after HELDOUT_FROM) — that no setting was chosen on. Each is scored on
the full lede and on the headline with the lede's first sentence only, the shape of the
outlets the targets are checked on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from nordwire.pipeline.tools.topic_data import Example, KeywordSeeds, examples, read_items
from nordwire.pipeline.tools.topic_eval import (
    evaluate,
    format_topics,
    score,
    summary,
)
from nordwire.pipeline.tools.topic_fit import (
    MIN_NAMED,
    Settings,
    calibrate,
    fit,
    out_of_fold,
    train_recipe,
)
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.topics.model import HARD_NEWS, TopicModel, save_model
from nordwire.transforms.topics.sections import SectionMap

HELDOUT_FROM = "20221014"  # feed files from this date on are the held-out split
MARGINS = (0.0, 0.02, 0.05)  # candidate margins above the target, compared on the outlet folds


@dataclass(frozen=True)
class OutletFold:
    """One outlet left out: the other outlets' out-of-fold scores and model, and this outlet's items."""

    outlet: str
    oof: list[tuple[Example, np.ndarray]]  # for calibration, from the other outlets only
    model: TopicModel  # fitted on the other outlets, not yet calibrated
    test: list[Example]


def outlet_folds(
    data: list[Example], seeds: list[Example], classes: tuple[str, ...], settings: Settings
) -> list[OutletFold]:
    """The recipe's fits with each outlet left out (calibration is cheap and done per setting)."""
    out: list[OutletFold] = []
    for outlet in sorted({e.outlet for e in data}):
        rest = [e for e in data if e.outlet != outlet]
        oof = out_of_fold(rest, seeds, classes, settings)
        model = fit(rest + seeds, classes, settings)
        out.append(OutletFold(outlet, oof, model, [e for e in data if e.outlet == outlet]))
    return out


def calibrated(
    model: TopicModel,
    oof: list[tuple[Example, np.ndarray]],
    classes: tuple[str, ...],
    settings: Settings,
) -> TopicModel:
    """`model` with the Platt curves and thresholds that `oof` gives under `settings`."""
    platt, thresholds, how = calibrate(oof, classes, settings)
    return replace(model, platt=platt, thresholds=thresholds, meta={"calibration": how})


def leave_one_outlet_out(
    folds: list[OutletFold], classes: tuple[str, ...], settings: Settings
) -> dict[str, dict[str, object]]:
    """Per outlet: the recipe trained and calibrated on the other outlets, scored on this one."""
    return {
        f.outlet: evaluate(calibrated(f.model, f.oof, classes, settings), f.test) for f in folds
    }


def choose_margin(
    folds: list[OutletFold], classes: tuple[str, ...], settings: Settings
) -> tuple[float, dict[str, object]]:
    """The smallest of MARGINS at which the outlets left out keep the target precision.

    Pooled over the outlets, on full ledes and on first sentences: the precision of all named
    items, and of every topic where it is named (and judged) at least MIN_NAMED times, must
    reach `settings.target`. None does: the largest margin. The held-out split plays no part.
    """
    table: dict[str, object] = {}
    chosen: float | None = None
    for margin in sorted(MARGINS):
        trial = replace(settings, margin=margin)
        models = [calibrated(f.model, f.oof, classes, trial) for f in folds]
        figures: dict[str, object] = {}
        ok = True
        for variant, short in (("full", False), ("short", True)):
            rows = [
                score(m, e, short)
                for m, f in zip(models, folds, strict=True)
                for e in f.test
                if e.gold
            ]
            report = summary(rows)
            per = report["per_topic"]
            assert isinstance(per, dict)
            named = report["precision_named"]
            ok &= named is not None and float(named) >= settings.target  # type: ignore[arg-type]
            short_of = [
                t
                for t, got in per.items()
                if got["judged"] >= MIN_NAMED and float(got["precision"] or 0.0) < settings.target
            ]
            ok &= not short_of
            figures[variant] = {
                k: report[k]
                for k in (
                    "precision_named",
                    "precision",
                    "recall_sport_economy_culture",
                    "abstain_rate",
                )
            } | {"below_target": short_of}
        table[str(margin)] = figures
        if ok and chosen is None:
            chosen = margin
    return (max(MARGINS) if chosen is None else chosen), table


def _print_report(report: dict[str, object], say: Callable[[str], None]) -> None:
    for section, folds in report.items():
        if not isinstance(folds, dict) or section not in ("by_outlet", "heldout"):
            continue
        for outlet, variants in folds.items():
            for variant, figures in variants.items():
                name = f"{section} {outlet} ({variant} lede)"
                say(
                    format_topics(name, figures)
                    + f"\n   stage unclassified {figures['stage_unclassified']}"
                )


def main(argv: list[str] | None = None) -> int:
    """Measure the recipe out of fold and on the held-out split, then train the shipped model."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("transforms/models/topics.npz"))
    ap.add_argument("--report", type=Path, help="also write the full report as JSON")
    args = ap.parse_args(argv)
    feeds = args.data / "feeds"
    if not feeds.is_dir():
        print(f"no feeds under {feeds}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    settings = Settings()
    vocab = vocabulary()
    keyword_seeds = KeywordSeeds(vocab)
    data = examples(read_items(feeds), vocab, SectionMap(vocab), keyword_seeds)
    seeds = keyword_seeds.texts(vocab)
    classes = (*(t.slug for t in vocab.topics), HARD_NEWS)
    tune = [e for e in data if e.date < HELDOUT_FROM]
    heldout = [e for e in data if e.date >= HELDOUT_FROM]
    folds = outlet_folds(tune, seeds, classes, settings)
    margin, margins = choose_margin(folds, classes, settings)
    settings = replace(settings, margin=margin)
    print(f"margin {margin} (leave-one-outlet-out: {json.dumps(margins)})")
    held_model = train_recipe(tune, seeds, classes, settings)
    report: dict[str, object] = {
        "items": len(data),
        "labelled": dict(Counter(f"{e.outlet}:{e.basis}" for e in data)),
        "gold": dict(Counter(e.gold for e in data if e.gold).most_common()),
        "settings": {k: getattr(settings, k) for k in settings.__slots__},
        "margins": margins,
        "by_outlet": leave_one_outlet_out(folds, classes, settings),
        "heldout": {
            "all": evaluate(held_model, heldout),
            **{
                o: evaluate(held_model, [e for e in heldout if e.outlet == o])
                for o in sorted({e.outlet for e in heldout})
            },
        },
    }
    _print_report(report, print)
    model = train_recipe(data, seeds, classes, settings)
    meta = {
        "classes": list(classes),
        "settings": report["settings"],
        "features": len(model.vocab),
        # load_model checks it: `k:` weights only mean something with the keywords they learnt.
        **({"lexicon": model.lexicon.digest} if model.lexicon is not None else {}),
        "calibration": model.meta["calibration"],
        "heldout_from": HELDOUT_FROM,
        "figures": {k: report[k] for k in ("margins", "by_outlet", "heldout")},
    }
    model = replace(model, meta=meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, args.out)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(model.vocab)} features, {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
