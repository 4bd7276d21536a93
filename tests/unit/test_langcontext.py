"""Language in context: spelling cues, the feed's channel tag, host country and other items."""

from __future__ import annotations

import pytest
from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.language.context import (
    Context,
    channel_group,
    document_votes,
    domain_group,
)
from nordwire.transforms.language.cues import cues
from nordwire.transforms.language.detect import LanguageDetector, detect_language
from nordwire.transforms.normalise import normalise
from nordwire.transforms.revisions import first_version

from tests.conftest import FETCHED, make_item

SWEDISH_FEED = Context(channel="sv", domain="sv", votes=(("sv", 60),))
NORWEGIAN_FEED = Context(channel="no", domain="no", votes=(("nb", 50), ("nn", 10)))


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_cues_count_function_words_and_skip_names() -> None:
    swedish = cues("Polisen vill inte säga något om fallet och utredningen")
    assert swedish.swedish >= 3 and swedish.nynorsk == 0
    # Björn and Malmö are names: ä and ö in them say nothing about the text around them.
    assert cues("Intervju med Björn fra Malmö i dag").swedish == 0
    assert cues("Eg veit ikkje kva ho meiner").nynorsk >= 3
    assert cues("Jeg vet ikke hva hun mener").bokmal >= 3
    assert cues("Mistet førerkortet i fartskontroll").nynorsk == 0


@pytest.mark.parametrize(
    ("tag", "group"),
    [("nb-NO", "no"), ("nn", "no"), ("no", "no"), ("sv-se", "sv"), ("da", "da"), ("en-US", "en")],
)
def test_channel_tags(tag: str, group: str) -> None:
    assert channel_group(tag) == group


def test_country_domains() -> None:
    assert domain_group("https://www.nrk.no/nyheter/1") == "no"
    assert domain_group("https://www.svt.se/") == "sv"
    assert domain_group("dr.dk") == "da"
    assert domain_group("https://www.example.com/") is None and domain_group(None) is None


def test_votes_leave_the_item_itself_out() -> None:
    votes = document_votes([("nb", 0.99), ("nn", 0.95), ("sv", 0.99), ("da", 0.5)])
    assert votes[0] == (("nn", 1), ("sv", 1))  # b and c; d is unsure and does not vote
    assert votes[2] == (("nb", 1), ("nn", 1))
    assert votes[3] == (("nb", 1), ("nn", 1), ("sv", 1))


def test_a_bokmal_feed_reads_an_unmarked_headline_as_bokmal(detector: LanguageDetector) -> None:
    # No nynorsk or bokmål form in it: the feed's own mix decides the variety.
    text = "Albania først"
    bokmal = Context(channel="no", domain="no", votes=(("nb", 40),))
    nynorsk = Context(channel="no", domain="no", votes=(("nn", 40),))
    assert detector.detect(text, bokmal).variety == "nb"
    assert detector.detect(text, nynorsk).variety == "nn"


@pytest.mark.parametrize("headline", ["Ny låt", "Sverige utvisar rysk diplomat", "Tog sig vidare"])
def test_short_headline_follows_its_feed(detector: LanguageDetector, headline: str) -> None:
    in_swedish = detector.detect(headline, SWEDISH_FEED)
    assert not in_swedish.norwegian and in_swedish.language == "sv"
    assert "document" in in_swedish.basis and "channel" in in_swedish.basis


@pytest.mark.parametrize(
    "headline", ["Tiltalt for forræderi", "Skuespiller Frøydis Armand er død", "Trues", "Ny låt"]
)
def test_short_norwegian_headline_is_kept_in_a_norwegian_feed(
    detector: LanguageDetector, headline: str
) -> None:
    result = detector.detect(headline, NORWEGIAN_FEED)
    assert result.norwegian and result.language != "nn"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Norway and Russia have agreed to cut next year's cod quota by a fifth.", "en"),
        ("Polisen misstänker att bränderna är anlagda och söker nu efter vittnen.", "sv"),
        (
            "Regeringen vil hæve pensionsalderen, og flere partier har allerede sagt nej til det.",
            "da",
        ),
    ],
)
def test_a_foreign_story_in_a_norwegian_feed_is_still_found(
    detector: LanguageDetector, text: str, language: str
) -> None:
    result = detector.detect(text, NORWEGIAN_FEED)
    assert not result.norwegian and result.language == language


@pytest.mark.parametrize(
    "text", ["Mistet førerkortet i fartskontroll", "Aker BP mer enn doblet produksjonen"]
)
def test_nynorsk_needs_nynorsk_evidence(detector: LanguageDetector, text: str) -> None:
    for context in (None, NORWEGIAN_FEED):
        result = detector.detect(text, context)
        assert result.norwegian and result.variety != "nn", (text, result)


def test_nynorsk_with_nynorsk_forms_stays_nynorsk(detector: LanguageDetector) -> None:
    result = detector.detect("Ikkje meir straum til dei som bur på øya", NORWEGIAN_FEED)
    assert result.variety == "nn"


def test_confidence_is_lower_for_a_headline_than_for_a_paragraph(
    detector: LanguageDetector,
) -> None:
    short = detector.detect("Tiltalt for forræderi")
    long = detector.detect(
        "Tiltalt for forræderi. Mannen er tiltalt for å ha gitt opplysninger til en fremmed "
        "stat, og saken skal opp i tingretten neste uke, opplyser politiet."
    )
    assert long.norwegian and long.confidence > 0.99
    assert short.confidence < long.confidence


FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Nyheter</title>
<link>https://www.example.se/</link>{items}</channel></rss>"""
SWEDISH = [
    "Regeringen vill sänka skatten för pensionärer",
    "Polisen söker vittnen efter skottlossningen i natt",
    "Hon vann guld i Sverige för tredje året i rad",
    "Det blir inte någon ny omröstning i år",
    "Kommunen måste spara på skolan och vården",
]


def test_parse_gives_each_item_the_other_items_votes_and_the_row_records_the_basis(
    detector: LanguageDetector,
) -> None:
    items = "".join(
        f"<item><title>{t}</title><link>https://www.example.se/{i}</link></item>"
        for i, t in enumerate([*SWEDISH, "Ny låt"])
    )
    doc = RawDocument("f.xml", FEED.format(items=items).encode(), FETCHED)
    parsed = [x for x in parse_document(doc) if isinstance(x, Item)]
    assert parsed[-1].document_languages == (("sv", 5),)
    out = detect_language(normalise(parsed[-1]), detector)
    assert isinstance(out, Reject) and out.detected_language == "sv"
    assert "document" in (out.detail or "") and "domain" in (out.detail or "")


def test_kept_item_records_the_basis(detector: LanguageDetector) -> None:
    item = make_item(
        title="Tiltalt for forræderi",
        feed_language="nb-NO",
        link="https://www.example.no/a",
        document_languages=(("nb", 30),),
    )
    out = detect_language(item, detector)
    assert isinstance(out, Item)
    assert out.language_basis == "text+channel+domain+document"


def test_articles_table_has_the_language_basis_column() -> None:
    import pyarrow as pa
    from nordwire.schemas import PIPELINE_VERSION, articles

    item = make_item(article_id="a", language="nb", variety="nb", language_basis="text+document")
    row = articles.to_row(item, PIPELINE_VERSION, first_version(item))
    table = pa.Table.from_pylist([row], schema=articles.SCHEMA)
    assert table.column("language_basis").to_pylist() == ["text+document"]


@pytest.mark.parametrize(
    "text",
    [
        "Sámediggi háliida ahte eanet mánát galget oažžut oahpahusa sámegillii.",
        "Ođđa čálli lea válljejuvvon ja son álgá bargguin boahtte vahkus.",
    ],
)
def test_a_sami_story_in_a_norwegian_feed_is_found(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text, NORWEGIAN_FEED)
    assert not result.norwegian and result.language == "se"


def test_a_sami_name_in_norwegian_text_is_no_evidence(detector: LanguageDetector) -> None:
    result = detector.detect("Sámediggi og Čáhcesuolu får nye penger fra regjeringen i år")
    assert result.norwegian
