"""Topic lexicon: keywords of topics.json as word -> topics, features of the shipped text model."""

from __future__ import annotations

import re

import pytest
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.topics.lexicon import Lexicon
from nordwire.transforms.topics.model import LEXICON_PREFIX, shipped_model, word_features, words

CULTURE = "arts-culture-entertainment-media"
ECONOMY = "economy-business-finance"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(vocabulary())


@pytest.mark.parametrize(
    ("word", "slug"),
    [
        ("fotballkampen", "sport"),  # a compound by its first part
        ("landskampen", "sport"),
        ("verdensmester", "sport"),
        ("konserten", CULTURE),
        ("debutromanen", CULTURE),  # a compound by its head
        ("humorklassikerne", CULTURE),
        ("sesongpremieren", CULTURE),  # a TV season
        ("styringsrenten", ECONOMY),
        ("kursfallet", ECONOMY),
        ("sjeføkonomen", ECONOMY),
        ("frontkollisjon", "disaster-accident-emergency"),
        ("politiet", "crime-law-justice"),
        ("statsministeren", "politics"),
    ],
)
def test_words_and_compounds_name_their_topic(lexicon: Lexicon, word: str, slug: str) -> None:
    assert slug in lexicon.topics_of(word)


@pytest.mark.parametrize(
    ("word", "wrong"),
    [
        # A prefix must not swallow a different word.
        ("politikk", "crime-law-justice"),  # politi*
        ("operasjon", CULTURE),  # opera*
        ("sekunder", ECONOMY),  # *kunder
        ("naturligvis", "environment"),  # natur*
        ("prestasjon", "religion"),  # prest*
        ("kristensen", "religion"),  # kristen*
        ("hundre", "human-interest"),  # hund*
        ("mobilisering", "science-technology"),  # mobil*
        ("beskytte", "conflict-war-peace"),  # beskyt*
        ("sykdom", "crime-law-justice"),  # *dom
        ("skuespilleren", "sport"),  # *spiller
        ("svær", "weather"),  # *vær
        # Nynorsk `seier` is "says", not a victory; `i løpet av` is "during".
        ("seier", "sport"),
        ("løpet", "sport"),
        # Deaths and case handling are not health by themselves (road deaths, a sea rescue).
        ("dødsfall", "health"),
        ("behandling", "health"),
        # Nor is the hospital the injured are taken to: `fraktet til sykehus` ends accident reports.
        ("sykehus", "health"),
        ("sjukehuset", "health"),
        ("forskjellige", "science-technology"),  # forsk*
        ("syklisten", "sport"),  # a cyclist in the news is mostly in traffic
        ("vær", "weather"),  # the imperative: `vær så snill`, `Vær varsom`
    ],
)
def test_false_friends_do_not_match(lexicon: Lexicon, word: str, wrong: str) -> None:
    assert wrong not in lexicon.topics_of(word)


def test_every_keyword_is_one_word_as_the_model_reads_it() -> None:
    # The model splits at hyphens and digits: `vm-gull` or `nrk1` would never match anything.
    for topic in vocabulary().topics:
        for keyword in topic.keywords:
            assert re.fullmatch(r"\*?[^\W\d_]+\*?", keyword), (topic.slug, keyword)
            assert words(keyword.strip("*")) == [keyword.strip("*")], (topic.slug, keyword)


def test_a_word_carries_its_lexicon_topics_as_features(lexicon: Lexicon) -> None:
    feats = word_features("landskampen", True, lexicon)
    assert LEXICON_PREFIX + "sport" in feats
    assert not any(f.startswith(LEXICON_PREFIX) for f in word_features("landskampen", True))


def test_the_shipped_model_reads_the_current_lexicon() -> None:
    # load_model refuses a model trained on other keywords; the shipped one uses these.
    model = shipped_model()
    assert model.lexicon is not None and model.lexicon.digest == Lexicon(vocabulary()).digest
    assert any(f.startswith(LEXICON_PREFIX) for f in model.vocab)
