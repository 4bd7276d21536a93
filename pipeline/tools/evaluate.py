"""`nordwire eval`: the language detector and the topic classifier on labelled TSV, the NER model on CoNLL-U."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nordwire.transforms.language.detect import LanguageDetector

if TYPE_CHECKING:
    from nordwire.transforms.extract.ner import NerModel
    from nordwire.transforms.topics.classify import TopicClassifier

LABEL_ALIASES = {
    "nob": "nb",
    "nno": "nn",
    "dan": "da",
    "swe": "sv",
    "eng": "en",
    "deu": "de",
    "ger": "de",
}


# The languages the model has classes for; any other label counts as an `other` language.
KNOWN_LABELS = frozenset({"nb", "nn", "no", "da", "sv", "en", "de"})


class BadInput(ValueError):
    """The evaluation file is not what the command expects."""


@dataclass
class LangIdReport:
    """Scores of one evaluation run."""

    n: int = 0
    norwegian_correct: int = 0
    variety_n: int = 0
    variety_correct: int = 0
    other_n: int = 0  # texts in languages the model has no class for (not nb nn da sv en de)
    other_kept: int = 0  # ... of them called Norwegian
    seconds: float = 0.0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """The JSON form: the keys the issue names, plus the confusion matrix."""
        return {
            "norwegian_accuracy": round(self.norwegian_correct / self.n, 5) if self.n else None,
            "variety_accuracy": round(self.variety_correct / self.variety_n, 5)
            if self.variety_n
            else None,
            "other_called_norwegian": round(self.other_kept / self.other_n, 5)
            if self.other_n
            else None,
            "ms_per_doc": round(1000 * self.seconds / self.n, 4) if self.n else None,
            "n": self.n,
            "confusion": {f"{t}->{p}": c for (t, p), c in sorted(self.confusion.items())},
        }

    def table(self) -> str:
        """A readable report: the scores, then the confusion matrix (rows: truth)."""
        d = self.as_dict()
        lines = [
            f"documents           {self.n}",
            f"norwegian accuracy  {d['norwegian_accuracy']}",
            f"variety accuracy    {d['variety_accuracy']}  (bokmål/nynorsk, over {self.variety_n} Norwegian items)",
            f"other languages     {d['other_called_norwegian']}  called Norwegian (of {self.other_n} texts in languages outside nb nn da sv en de)",
            f"ms per document     {d['ms_per_doc']}",
            "",
        ]
        truths = sorted({t for t, _ in self.confusion})
        preds = sorted({p for _, p in self.confusion})
        width = max(6, *(len(p) for p in preds))
        lines.append("truth \\ predicted ".ljust(18) + "".join(p.rjust(width + 1) for p in preds))
        for t in truths:
            lines.append(
                t.ljust(18) + "".join(str(self.confusion[(t, p)]).rjust(width + 1) for p in preds)
            )
        return "\n".join(lines)


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """`label<TAB>text` lines; blank lines are skipped, anything else without a tab is an error."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or not label.strip():
            raise BadInput(f"{path}:{number}: expected `label<TAB>text`")
        label = label.strip().lower()
        pairs.append((LABEL_ALIASES.get(label, label), text))
    if not pairs:
        raise BadInput(f"{path}: no labelled lines")
    return pairs


def evaluate_langid(
    pairs: list[tuple[str, str]], detector: LanguageDetector | None = None
) -> LangIdReport:
    """Detect each text and score against its label (`no` counts as Norwegian of either variety)."""
    detector = detector or LanguageDetector()
    report = LangIdReport()
    started = time.perf_counter()
    results = [detector.detect(text) for _, text in pairs]
    report.seconds = time.perf_counter() - started
    for (label, _), result in zip(pairs, results, strict=True):
        truth_norwegian = label in ("nb", "nn", "no")
        report.n += 1
        report.norwegian_correct += truth_norwegian == result.norwegian
        report.confusion[(label, result.language)] += 1
        if label in ("nb", "nn") and result.norwegian:
            report.variety_n += 1
            report.variety_correct += result.variety == label
        if label not in KNOWN_LABELS:
            report.other_n += 1
            report.other_kept += result.norwegian
    return report


@dataclass
class FeedReport:
    """Feed files scored against one gold language, each item judged in its feed's context."""

    gold: str
    feeds: int = 0
    items: int = 0
    empty: int = 0  # items with no text at all: the pipeline rejects them before the language stage
    seconds: float = 0.0  # parse (with the document votes), normalise and detection
    detect_seconds: float = 0.0  # the language stage alone
    decided: Counter[str] = field(default_factory=Counter)  # in context, as the pipeline does
    alone: Counter[str] = field(default_factory=Counter)  # the same items without their feed

    @staticmethod
    def _wrong(gold: str, counts: Counter[str], n: int) -> dict[str, object]:
        norwegian = sum(c for lang, c in counts.items() if lang in ("nb", "nn", "no"))
        out: dict[str, object] = {"norwegian": norwegian, "not_norwegian": n - norwegian}
        if gold in ("nb", "nn", "no"):
            out["rejected_per_1000"] = round(1000 * (n - norwegian) / n, 2) if n else None
        else:
            out["kept_per_100"] = round(100 * norwegian / n, 2) if n else None
        if gold == "nb":
            out["called_nn_per_100"] = round(100 * counts["nn"] / n, 2) if n else None
        if gold == "nn":
            out["called_nb_per_100"] = round(100 * counts["nb"] / n, 2) if n else None
        out["languages"] = dict(sorted(counts.items()))
        return out

    def as_dict(self) -> dict[str, object]:
        """The JSON form: counts and rates in context and for the items alone."""
        return {
            "gold": self.gold,
            "feeds": self.feeds,
            "items": self.items,
            "empty_items_skipped": self.empty,
            "in_context": self._wrong(self.gold, self.decided, self.items),
            "item_alone": self._wrong(self.gold, self.alone, self.items),
            "ms_per_doc": round(1000 * self.seconds / self.items, 4) if self.items else None,
            "ms_per_doc_language_stage": round(1000 * self.detect_seconds / self.items, 4)
            if self.items
            else None,
        }

    def table(self) -> str:
        """The figures as text."""
        d = self.as_dict()
        lines = [
            f"feeds {self.feeds}, items {self.items}, gold {self.gold}, ms per item "
            f"{d['ms_per_doc']} (parse to language), {d['ms_per_doc_language_stage']} (language stage)"
        ]
        for key in ("in_context", "item_alone"):
            part = d[key]
            assert isinstance(part, dict)
            rates = ", ".join(f"{k} {v}" for k, v in part.items() if k != "languages")
            lines.append(f"{key:11} {rates}; {part['languages']}")
        return "\n".join(lines)


def evaluate_feeds(
    paths: list[Path], gold: str, detector: LanguageDetector | None = None
) -> FeedReport:
    """Parse, normalise and detect every item of these feed files, as the pipeline does."""
    from nordwire.schemas.items import Item, RawDocument
    from nordwire.transforms.feed.parse import parse_document
    from nordwire.transforms.language.detect import detect_language, detection_text
    from nordwire.transforms.normalise import normalise

    detector = detector or LanguageDetector()
    report = FeedReport(LABEL_ALIASES.get(gold.lower(), gold.lower()))
    fetched = datetime(2000, 1, 1, tzinfo=UTC)
    for path in paths:
        report.feeds += 1
        data = path.read_bytes()
        started = time.perf_counter()
        parsed = [
            normalise(x)
            for x in parse_document(RawDocument(str(path), data, fetched))
            if isinstance(x, Item)
        ]
        items = [x for x in parsed if x.title or x.summary or x.body]
        report.empty += len(parsed) - len(items)
        detecting = time.perf_counter()
        decided = [detect_language(item, detector) for item in items]
        report.detect_seconds += time.perf_counter() - detecting
        report.seconds += time.perf_counter() - started
        for item, out in zip(items, decided, strict=True):
            report.items += 1
            language = out.language if isinstance(out, Item) else out.detected_language
            report.decided[language or "und"] += 1
            report.alone[detector.detect(detection_text(item)[0]).language] += 1
    return report


def render(report: LangIdReport | NerReport | FeedReport | TopicReport, fmt: str) -> str:
    """Either report as JSON or as its text table."""
    return json.dumps(report.as_dict(), indent=2) if fmt == "json" else report.table()


@dataclass
class NerReport:
    """Strict entity-level scores (exact span and label), CoNLL style."""

    micro: dict[str, float]
    labels: dict[str, dict[str, float]]
    tokens: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """The JSON form: `micro`, `labels`, and speed."""
        return {
            "micro": self.micro,
            "labels": self.labels,
            "tokens": self.tokens,
            "tokens_per_second": round(self.tokens / self.seconds) if self.seconds else None,
        }

    def table(self) -> str:
        """Per label and micro, as a text table."""
        lines = [f"{'label':10} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}"]
        for label, s in sorted(self.labels.items()):
            lines.append(
                f"{label:10} {s['precision']:9.4f} {s['recall']:9.4f} {s['f1']:9.4f} {int(s['support']):8d}"
            )
        m = self.micro
        lines.append(
            f"{'micro':10} {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f} {int(m['support']):8d}"
        )
        lines.append(f"{self.tokens} tokens, {self.as_dict()['tokens_per_second']} tokens/s")
        return "\n".join(lines)


def _prf(tp: int, pred: int, gold: int) -> dict[str, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return {
        "precision": round(p, 5),
        "recall": round(r, 5),
        "f1": round(2 * p * r / (p + r), 5) if p + r else 0.0,
        "support": gold,
    }


def evaluate_ner(
    sentences: list[tuple[list[str], list[str]]], model: NerModel | None = None
) -> NerReport:
    """Tag the given tokens and score against their tags."""
    from nordwire.transforms.extract.ner import NerModel, spans

    model = model or NerModel()
    started = time.perf_counter()
    words = [w for w, _ in sentences]
    # Batches of consecutive sentences, about an article's worth, as the pipeline tags them.
    predicted = [
        tags for i in range(0, len(words), 32) for tags in model.tag_many(words[i : i + 32])
    ]
    seconds = time.perf_counter() - started
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for (_, gold_tags), pred_tags in zip(sentences, predicted, strict=True):
        gold = {(s.start, s.end, s.label) for s in spans(gold_tags)}
        pred = {(s.start, s.end, s.label) for s in spans(pred_tags)}
        for _, _, label in gold:
            n_gold[label] += 1
        for _, _, label in pred:
            n_pred[label] += 1
        for _, _, label in gold & pred:
            tp[label] += 1
    labels = {
        lab: _prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in sorted(set(n_gold) | set(n_pred))
    }
    micro = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return NerReport(micro, labels, sum(len(w) for w, _ in sentences), seconds)


@dataclass
class TopicReport:
    """Topic accuracy, coverage, abstain rate and per-topic precision, recall and abstain rate."""

    n: int
    correct: int
    covered: int  # predictions other than unclassified
    labels: dict[str, dict[str, float]]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """The JSON form: accuracy, coverage, abstain rate, per-topic scores and speed."""
        return {
            "accuracy": round(self.correct / self.n, 5) if self.n else None,
            "coverage": round(self.covered / self.n, 5) if self.n else None,
            "abstain_rate": round(1 - self.covered / self.n, 5) if self.n else None,
            "n": self.n,
            "ms_per_item": round(1000 * self.seconds / self.n, 4) if self.n else None,
            "topics": self.labels,
        }

    def table(self) -> str:
        """The scores, then one line per topic (abstain: its items left unclassified)."""
        d = self.as_dict()
        lines = [
            f"items        {self.n}",
            f"accuracy     {d['accuracy']}",
            f"coverage     {d['coverage']}  (share not unclassified)",
            f"abstain      {d['abstain_rate']}  (share unclassified)",
            f"ms per item  {d['ms_per_item']}",
            "",
            f"{'topic':34} {'precision':>9} {'recall':>9} {'abstain':>9} {'support':>8}",
        ]
        for label, sc in sorted(self.labels.items()):
            lines.append(
                f"{label:34} {sc['precision']:9.4f} {sc['recall']:9.4f} "
                f"{sc['abstain']:9.4f} {int(sc['support']):8d}"
            )
        return "\n".join(lines)


def topic_gold(pairs: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(gold slug, headline, lede) from `slug<TAB>headline[<TAB>lede]` pairs; IPTC codes allowed."""
    from nordwire.schemas.topics import UNCLASSIFIED, vocabulary

    vocab = vocabulary()
    by_code = {t.code: t.slug for t in vocab.topics if t.code}
    known = set(vocab.slugs)
    out: list[tuple[str, str, str]] = []
    for label, text in pairs:
        slug = by_code.get(label, label)
        if slug not in known:
            raise BadInput(
                f"unknown topic {label!r}: use a slug of schemas/topics.json or {UNCLASSIFIED}"
            )
        headline, _, lede = text.partition("\t")
        out.append((slug, headline.strip(), lede.strip()))
    return out


def evaluate_topics(
    pairs: list[tuple[str, str]], classifier: TopicClassifier | None = None
) -> TopicReport:
    """Classify each text alone (no section, no link) and score against its gold topic."""
    from nordwire.schemas.topics import UNCLASSIFIED
    from nordwire.transforms.topics.classify import TopicClassifier

    gold = topic_gold(pairs)
    classifier = classifier or TopicClassifier()
    started = time.perf_counter()
    predicted = [classifier.classify((), None, title, lede)[0] for _, title, lede in gold]
    seconds = time.perf_counter() - started
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    abstained: Counter[str] = Counter()
    for (truth, _, _), guess in zip(gold, predicted, strict=True):
        n_gold[truth] += 1
        n_pred[guess] += 1
        tp[truth] += truth == guess
        abstained[truth] += guess == UNCLASSIFIED
    labels = {
        lab: {
            **{k: v for k, v in _prf(tp[lab], n_pred[lab], n_gold[lab]).items() if k != "f1"},
            "abstain": round(abstained[lab] / n_gold[lab], 5) if n_gold[lab] else 0.0,
        }
        for lab in sorted(set(n_gold) | set(n_pred))
    }
    return TopicReport(
        n=len(gold),
        correct=sum(tp.values()),
        covered=sum(p != UNCLASSIFIED for p in predicted),
        labels=labels,
        seconds=seconds,
    )
