"""Topic: the closed IPTC vocabulary, category mapping, keywords and desk labels."""

from __future__ import annotations

import pytest
from nordwire.schemas.topics import SLUG_RE, UNCLASSIFIED, vocabulary
from nordwire.transforms.topic import TopicClassifier


@pytest.fixture(scope="module")
def clf() -> TopicClassifier:
    return TopicClassifier()


def test_vocabulary_is_the_17_iptc_top_level_topics_plus_unclassified() -> None:
    vocab = vocabulary()
    assert len(vocab.topics) == 17 and vocab.slugs[-1] == UNCLASSIFIED
    assert [t.code for t in vocab.topics] == [f"medtop:{i:02d}000000" for i in range(1, 18)]
    assert all(SLUG_RE.match(s) for s in vocab.slugs)
    assert all(t.nb and t.en for t in vocab.topics)


@pytest.mark.parametrize(
    ("category", "slug"),
    [
        ("Sport", "sport"),
        ("Økonomi", "economy-business-finance"),
        ("Kultur", "arts-culture-entertainment-media"),
        ("Politikk", "politics"),
        ("Vêr", "weather"),
        ("Helse", "health"),
    ],
)
def test_feed_categories_map_to_topics(clf: TopicClassifier, category: str, slug: str) -> None:
    topic, topics, basis = clf.classify((category,), "Overskrift", "tekst")
    assert (topic, basis) == (slug, "category") and (slug, 1.0) in topics


def test_keywords_decide_when_categories_do_not(clf: TopicClassifier) -> None:
    topic, topics, basis = clf.classify(
        ("Nyheter",), "Storm og kraftig vind", "Meteorologene varsler kuling og mye nedbør i kveld."
    )
    assert (topic, basis) == ("weather", "keywords")
    assert abs(sum(s for _, s in topics) - 1.0) < 0.01


def test_desk_labels_are_a_weak_fallback(clf: TopicClassifier) -> None:
    assert clf.classify(("Innenriks",), "Kort melding", "Ingen treff her.")[0::2] == (
        "society",
        "desk",
    )
    # keywords beat the desk
    assert (
        clf.classify(("Utenriks",), "Fotballkamp", "Landslaget vant kampen 2-1 i VM.")[0] == "sport"
    )


def test_nothing_known_is_unclassified(clf: TopicClassifier) -> None:
    assert clf.classify((), "Hei", "Ingenting å se her.") == (UNCLASSIFIED, (), "none")


def test_compound_suffix_needs_a_longer_word(clf: TopicClassifier) -> None:
    hits = clf.keyword_scores("", "fredag våpen atomvåpen")  # fredag is not fred
    assert hits["conflict-war-peace"] == 2
