"""`make train-ner`: train the NER CRF on NorNE bokmål + nynorsk train, select on dev, ship the model.

The dev files are used for model selection only (the regularisation grid below); the final
model is trained on the training files alone.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pycrfsuite
from nordwire.pipeline.tools.conll import read_conll
from nordwire.pipeline.tools.evaluate import evaluate_ner
from nordwire.transforms.ner import LEXICON_FILE, Lexicon, NerModel, sentence_features

SEED_PARAMS = {"c1": 0.02, "c2": 0.01, "max_iterations": 200}


def gazetteer(data: Path) -> list[str]:
    """Single-token place names: Norwegian municipalities and counties (all their languages), countries in nb."""
    names: set[str] = set()
    for file, column in (("kommuner_2024.csv", "kommunenavn"), ("fylker_2024.csv", "fylkesnavn")):
        with (data / "gazetteer" / file).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for name in row[column].split(" - "):
                    if " " not in name.strip():
                        names.add(name.strip().lower())
    import pycountry

    translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["nb"]).gettext
    for country in pycountry.countries:
        for name in {translate(country.name), getattr(country, "common_name", country.name)}:
            if " " not in name:
                names.add(name.lower())
    return sorted(names)


def lexicon(train: list[tuple[list[str], list[str]]], places: list[str]) -> Lexicon:
    """Word tags: place names, and whether a word is common in lower case in the training files
    (a capitalised common word at the start of a sentence is rarely a name). The labels a word
    carries in training were tried too and cost 1 F1 point on dev: the CRF learns to trust a
    feature that is always right on its own training data."""
    lower: Counter[str] = Counter()
    for words, _ in train:
        for word in words:
            if word.islower():
                lower[word] += 1
    out: dict[str, list[str]] = {}
    for name in places:
        out.setdefault(name, []).append("gaz")
    for word, n in lower.items():
        if n >= 3:
            out.setdefault(word, []).append("lc")
    return {w: tuple(t) for w, t in sorted(out.items())}


def train_model(
    train: list[tuple[list[str], list[str]]], lex: Lexicon, params: dict[str, float], path: Path
) -> None:
    """Fit the CRF and write it to `path`."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in train:
        trainer.append(sentence_features(words, lex), tags)
    trainer.set_params({**params, "feature.possible_transitions": True})
    trainer.train(str(path))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry for `make train-ner`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("transforms/models"))
    parser.add_argument("--grid", action="store_true", help="try several c1/c2 on dev first")
    parser.add_argument("--c1", type=float, default=SEED_PARAMS["c1"])
    parser.add_argument("--c2", type=float, default=SEED_PARAMS["c2"])
    parser.add_argument("--iterations", type=int, default=int(SEED_PARAMS["max_iterations"]))
    args = parser.parse_args(argv)
    norne = args.data / "norne"
    if not norne.is_dir():
        print(f"train-ner: {norne} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    train = read_conll(norne / "nob" / "train.conll") + read_conll(norne / "nno" / "train.conll")
    dev = {v: read_conll(norne / v / "dev.conllu") for v in ("nob", "nno")}
    lex = lexicon(train, gazetteer(args.data))
    grid: list[dict[str, float]] = [
        {"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    ]
    if args.grid:
        grid = [
            {"c1": c1, "c2": c2, "max_iterations": 150}
            for c1 in (0.02, 0.05, 0.1)
            for c2 in (0.005, 0.01, 0.05)
        ]
    best: tuple[float, dict[str, float]] = (-1.0, SEED_PARAMS)
    with tempfile.TemporaryDirectory() as tmp:
        for params in grid:
            path = Path(tmp) / "m.crfsuite"
            train_model(train, lex, params, path)
            model = NerModel(path.read_bytes(), lex)
            scores = {v: evaluate_ner(s, model).micro["f1"] for v, s in dev.items()}
            print(
                f"{params}: dev F1 {scores} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
            mean = sum(scores.values()) / len(scores)
            if mean > best[0]:
                best = (mean, params)
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / "ner.crfsuite").write_bytes(path.read_bytes())
    (args.out / LEXICON_FILE).write_text(
        "".join(f"{w}\t{' '.join(t)}\n" for w, t in lex.items()), "utf-8"
    )
    print(
        f"chose {best[1]} (mean dev F1 {best[0]:.4f}); wrote {args.out}/ner.crfsuite in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
