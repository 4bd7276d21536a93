"""Topic stage: the newsroom's own section first (categories, URL, subdomain), else a trained text model.

`topic` is the primary topic (the partition); `topics` holds every topic a section or the
text supports, with a score in [0, 1] (1.0 for a section, the model's probability for the
text); `topic_basis` says which signal decided: `category`, `url`, `text` or `none`.
The primary is `unclassified` only when nothing supports any topic.
"""

from __future__ import annotations

from nordwire.schemas.items import Item
from nordwire.schemas.topics import UNCLASSIFIED, Vocabulary, vocabulary
from nordwire.transforms.sections import SectionMap
from nordwire.transforms.topic_model import TopicModel, shipped_model, topic_text

# The text model's probability a topic needs to be listed in `topics` and to be the primary.
# Chosen on out-of-fold predictions (docs/topics.md): below it, right answers are rarer than
# wrong ones. Seventeen topics share the mass, so 0.25 is already four times the uniform share.
MIN_SUPPORT = 0.25
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
        if not set(self.model.classes) <= known:
            raise ValueError("the topic model names topics the vocabulary does not have")

    def text_scores(self, title: str, lede: str) -> dict[str, float]:
        """Topics the text supports (probability at least MIN_SUPPORT), from headline and lede."""
        if not (title or lede):
            return {}
        probs = self.model.probabilities(title, lede)
        return {
            slug: round(float(p), 3)
            for slug, p in zip(self.model.classes, probs, strict=True)
            if p >= MIN_SUPPORT
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
        scores = self.text_scores(*topic_text(title, summary, body))
        for signal in signals:
            scores[signal.slug] = SECTION_SCORE
        ranked = tuple(sorted(scores.items(), key=lambda sv: (-sv[1], sv[0])))
        if signals:
            # The section is the newsroom's own filing: the first one that maps is primary.
            return signals[0].slug, ranked, signals[0].basis
        if ranked:
            return ranked[0][0], ranked, "text"
        return UNCLASSIFIED, (), "none"


def assign_topic(item: Item, classifier: TopicClassifier) -> Item:
    """Set topic (the partition), topics with scores and the basis of the choice."""
    topic, topics, basis = classifier.classify(
        item.categories, item.url or item.link, item.title, item.summary, item.body
    )
    return item.evolve(topic=topic, topics=topics, topic_basis=basis)
