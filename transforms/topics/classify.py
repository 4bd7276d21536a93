"""Topic stage: the newsroom's own section first (categories, URL, subdomain), else a trained text model.

`topic` is the primary topic (the partition); `topics` holds every topic a section or the
text supports, with a score in [0, 1] (1.0 for a section, the calibrated probability for the
text); `topic_basis` says which signal decided: `category`, `url`, `text` or `none`.
The text names a topic only when its calibrated probability reaches the topic's threshold
(chosen for at least 85 % precision out of fold); below it, and when the text reads as hard news
without a finer topic (the model's `news` class), the article is `unclassified`: a wrong topic
would put it in the wrong partition. The primary is `unclassified` only when `topics` is empty.
"""

from __future__ import annotations

from nordwire.schemas.items import Item
from nordwire.schemas.topics import UNCLASSIFIED, Vocabulary, vocabulary
from nordwire.transforms.topics.model import HARD_NEWS, TopicModel, shipped_model, topic_text
from nordwire.transforms.topics.sections import SectionMap, SectionSignal

SECTION_SCORE = 1.0
BASES = ("category", "url", "text", "none")

Scored = tuple[tuple[str, float], ...]


class TopicClassifier:
    """Sections first, the text model second; build once per worker (it loads the model)."""

    def __init__(self, vocab: Vocabulary | None = None, model: TopicModel | None = None) -> None:
        self.vocab = vocab or vocabulary()
        self.sections = SectionMap(self.vocab)
        self.model = model or shipped_model()
        known = {t.slug for t in self.vocab.topics}
        if not set(self.model.classes) <= known | {HARD_NEWS}:
            raise ValueError("the topic model names topics the vocabulary does not have")
        # The classes the text may name, with their thresholds; `news` is never named.
        self._nameable = tuple(
            (i, slug, self.model.threshold(i))
            for i, slug in enumerate(self.model.classes)
            if slug in known
        )

    def text_scores(self, title: str, lede: str) -> dict[str, float]:
        """Topics the text names: calibrated probability at or above the topic's threshold."""
        if not (title or lede):
            return {}
        probs = self.model.calibrated(title, lede)
        return {
            slug: round(float(probs[i]), 3)
            for i, slug, threshold in self._nameable
            if probs[i] >= threshold
        }

    def classify(
        self,
        categories: tuple[str, ...],
        link: str | None,
        title: str | None,
        summary: str | None = None,
        body: str | None = None,
    ) -> tuple[str, Scored, str]:
        """(primary topic, every supported topic with its score, basis of the primary)."""
        signals = self.sections.signals(categories, link)
        text = self.text_scores(*topic_text(title, summary, body))
        scores = dict(text)
        for signal in signals:
            scores[signal.slug] = SECTION_SCORE
        ranked = tuple(sorted(scores.items(), key=lambda sv: (-sv[1], sv[0])))
        if signals:
            # The section is the newsroom's own filing: it decides (section.signals orders it).
            primary = primary_signal(signals, text)
            return primary.slug, ranked, primary.basis
        if ranked:
            return ranked[0][0], ranked, "text"
        return UNCLASSIFIED, (), "none"


def primary_signal(signals: list[SectionSignal], text: dict[str, float]) -> SectionSignal:
    """The section that is primary: of the first kind found (categories, else the link), the
    topic the text names too (the highest calibrated score), else the first.

    Several categories of one item can name different topics (`Statsbudsjettet 2023`,
    `Samferdsel`, `Psykisk helse`); they are all the newsroom's filing, and the text breaks the
    tie when it is sure of one of them. It never brings in a topic no section names.
    """
    candidates = [s for s in signals if s.basis == signals[0].basis]
    supported = [s for s in candidates if s.slug in text]
    if len(candidates) > 1 and supported:
        return max(supported, key=lambda s: text[s.slug])
    return signals[0]


def assign_topic(item: Item, classifier: TopicClassifier) -> Item:
    """Set topic (the partition), topics with scores and the basis of the choice."""
    topic, topics, basis = classifier.classify(
        item.categories, item.url or item.link, item.title, item.summary, item.body
    )
    return item.evolve(topic=topic, topics=topics, topic_basis=basis)
