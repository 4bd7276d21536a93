"""Scoring the topic model against the newsroom's filing: precision, recall, abstention, reliability.

Gold is a section's topic, or `news` for an item filed only under a general news desk. Naming a
soft topic (sport, culture, lifestyle) for a news-desk item is wrong; naming a hard-news topic
(crime, politics, ...) for it cannot be judged from the filing alone, so precision is given two
ways: `precision` leaves such items out, `precision_strict` counts them wrong (a lower bound).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nordwire.pipeline.tools.topic_data import Example, first_sentence
from nordwire.schemas.topics import UNCLASSIFIED
from nordwire.transforms.topics.calibration import reliability
from nordwire.transforms.topics.model import HARD_NEWS, TopicModel

SPORT = "sport"
ECONOMY = "economy-business-finance"
CULTURE = "arts-culture-entertainment-media"
# Soft topics: a news desk files none of them, so naming one for a news-desk item is wrong.
SOFT = frozenset({SPORT, CULTURE, "lifestyle-leisure"})
FOCUS_PRECISION = (SPORT, CULTURE)
FOCUS_RECALL = (SPORT, ECONOMY, CULTURE)
RELIABILITY_EDGES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def judge(
    predicted: str, gold: str, also: tuple[str, ...] = (), keywords: str | None = None
) -> bool | None:
    """Whether naming `predicted` is right for an item filed as `gold` (and `also`); None: unknowable.

    An item filed under several sections (`Statsbudsjettet` and `Samferdsel`) is rightly named
    by any of their topics; the first is its partition, the others are listed in `topics` too.
    A news-desk item cannot confirm a hard topic, but when its keywords clearly name one
    (`keywords`: a road death, `ulykke`, `omkom`), naming another is counted wrong: this is how
    the accidents called health in the first model's run show up in the figures. Agreeing with
    the keywords is not counted right: the model reads the same words.
    """
    if predicted == gold or predicted in also:
        return True
    if gold == HARD_NEWS and predicted not in SOFT:
        return False if keywords not in (None, HARD_NEWS, predicted) else None
    return False


@dataclass(frozen=True, slots=True)
class Scored:
    """One scored item: its gold, the stage's answer, the best topic's calibrated probability."""

    gold: str
    also: tuple[str, ...]  # the item's other section topics
    predicted: str  # a topic or unclassified
    top: str  # the vocabulary topic with the highest calibrated probability
    probability: float  # that topic's calibrated probability
    outlet: str
    keywords: str | None = None  # a news-desk item's clear keyword topic (judges other topics)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def per_topic(rows: Sequence[Scored]) -> dict[str, dict[str, float | int | None]]:
    """Precision (judgeable items), strict precision, recall, named count and gold support."""
    topics = sorted({r.gold for r in rows} | {r.predicted for r in rows} - {UNCLASSIFIED})
    out: dict[str, dict[str, float | int | None]] = {}
    for topic in topics:
        named = [r for r in rows if r.predicted == topic]
        verdicts = [judge(topic, r.gold, r.also, r.keywords) for r in named]
        right = sum(v is True for v in verdicts)
        judged = sum(v is not None for v in verdicts)
        gold = [r for r in rows if r.gold == topic]
        out[topic] = {
            "precision": _ratio(right, judged),
            "precision_strict": _ratio(right, len(named)),
            "recall": _ratio(sum(r.predicted == topic for r in gold), len(gold)),
            "abstain": _ratio(sum(r.predicted == UNCLASSIFIED for r in gold), len(gold)),
            "named": len(named),
            "judged": judged,
            "support": len(gold),
        }
    return out


def summary(rows: Sequence[Scored]) -> dict[str, object]:
    """The figures the issue's targets name, and per-topic scores."""
    topics = per_topic(rows)
    focus = [r for r in rows if r.gold in FOCUS_RECALL]
    named = [r for r in rows if r.predicted != UNCLASSIFIED]
    verdicts = [judge(r.predicted, r.gold, r.also, r.keywords) for r in named]
    return {
        "items": len(rows),
        "abstain_rate": _ratio(len(rows) - len(named), len(rows)),
        "precision_named": _ratio(
            sum(v is True for v in verdicts), sum(v is not None for v in verdicts)
        ),
        "precision": {t: topics.get(t, {}).get("precision") for t in FOCUS_PRECISION},
        "recall_sport_economy_culture": _ratio(
            sum(r.predicted == r.gold for r in focus), len(focus)
        ),
        "news_items_named_soft": _ratio(
            sum(r.predicted in SOFT for r in rows if r.gold == HARD_NEWS),
            sum(r.gold == HARD_NEWS for r in rows),
        ),
        "per_topic": topics,
        "recall_lost": recall_lost(rows),
    }


def recall_lost(rows: Sequence[Scored]) -> dict[str, dict[str, object]]:
    """Where the items filed under sport, economy and culture went.

    `named`: named right; `below_threshold`: the model's best topic was right but not sure
    enough; `unsure_other`: unclassified, the best topic another; `named_other`: named another
    topic (the items' other section topics count as right); `others`: those other best topics.
    """
    out: dict[str, dict[str, object]] = {}
    for topic in FOCUS_RECALL:
        gold = [r for r in rows if r.gold == topic]
        if not gold:
            continue
        missed = [r for r in gold if r.predicted != topic]
        others = Counter(r.top for r in missed if r.top != topic)
        out[topic] = {
            "items": len(gold),
            "named": len(gold) - len(missed),
            "below_threshold": sum(r.predicted == UNCLASSIFIED and r.top == topic for r in missed),
            "unsure_other": sum(r.predicted == UNCLASSIFIED and r.top != topic for r in missed),
            "named_other": sum(r.predicted != UNCLASSIFIED for r in missed),
            "others": dict(others.most_common(4)),
        }
    return out


def reliability_table(rows: Iterable[Scored]) -> list[dict[str, object]]:
    """Calibrated probability of the best topic against how often it was right (judged items)."""
    pairs = [(r.probability, judge(r.top, r.gold, r.also, r.keywords)) for r in rows]
    judged = [(p, v) for p, v in pairs if v is not None]
    bins = reliability([p for p, _ in judged], [bool(v) for _, v in judged], RELIABILITY_EDGES)
    return [
        {
            "bin": f"{b.low:.2f}-{b.high:.2f}",
            "n": b.n,
            "mean": b.mean_probability,
            "observed": b.observed,
        }
        for b in bins
    ]


def format_topics(title: str, report: dict[str, object]) -> str:
    """A plain-text table: the headline figures, then precision, recall and abstain per topic."""
    precision = report["precision"]
    assert isinstance(precision, dict)
    lines = [
        f"== {title}: {report['items']} items, abstain {report['abstain_rate']}, "
        f"precision of named {report['precision_named']}, recall sport+economy+culture "
        f"{report['recall_sport_economy_culture']}, sport precision {precision.get(SPORT)}, "
        f"culture precision {precision.get(CULTURE)}",
        f"   {'topic':34} {'prec':>6} {'strict':>6} {'recall':>6} {'abstain':>7} {'named':>5} {'gold':>5}",
    ]
    per = report["per_topic"]
    assert isinstance(per, dict)
    for topic, sc in per.items():
        cells = [sc[k] for k in ("precision", "precision_strict", "recall", "abstain")]
        shown = " ".join(f"{'-' if c is None else c:>6}" for c in cells[:3])
        lines.append(
            f"   {topic:34} {shown} {'-' if cells[3] is None else cells[3]:>7} "
            f"{sc['named']:>5} {sc['support']:>5}"
        )
    lost = report.get("recall_lost")
    if isinstance(lost, dict):
        for topic, got in lost.items():
            lines.append(
                f"   recall of {topic}: {got['named']} of {got['items']} named; "
                f"{got['below_threshold']} best guess right but unsure, {got['unsure_other']} unsure "
                f"and guessing another, {got['named_other']} named another ({got['others']})"
            )
    return "\n".join(lines)


def keyword_topic(e: Example) -> str | None:
    """The topic a news-desk item's keywords clearly name (judges other hard topics), else None."""
    return e.label if e.basis == "keywords" and e.gold == HARD_NEWS else None


def score(model: TopicModel, e: Example, short: bool) -> Scored:
    """The text-only answer for one example, as the stage would give it."""
    lede = first_sentence(e.lede) if short else e.lede
    q = model.calibrated(e.title, lede)
    named = [
        (float(q[k]), slug)
        for k, slug in enumerate(model.classes)
        if slug != HARD_NEWS and q[k] >= model.threshold(k)
    ]
    ranked = sorted(
        ((float(q[k]), slug) for k, slug in enumerate(model.classes) if slug != HARD_NEWS),
        reverse=True,
    )
    return Scored(
        gold=e.gold or "",
        also=e.also,
        predicted=max(named)[1] if named else UNCLASSIFIED,
        top=ranked[0][1],
        probability=ranked[0][0],
        outlet=e.outlet,
        keywords=keyword_topic(e),
    )


def evaluate(model: TopicModel, test: list[Example]) -> dict[str, object]:
    """Figures on full ledes and on first sentences, plus the pipeline's unclassified share."""
    out: dict[str, object] = {}
    for name, short in (("full", False), ("short", True)):
        rows = [score(model, e, short) for e in test if e.gold is not None]
        report = summary(rows)
        report["reliability"] = reliability_table(rows)
        # The whole stage: a section decides where there is one, the text elsewhere.
        textual = [e for e in test if e.basis != "section"]
        abstained = sum(score(model, e, short).predicted == UNCLASSIFIED for e in textual)
        report["stage_unclassified"] = round(abstained / len(test), 3) if test else None
        out[name] = report
    return out
