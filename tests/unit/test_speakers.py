"""Issue 25, item 3: speakers who speak; direct and reported speech told apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from nordwire.schemas import articles as articles_schema
from nordwire.schemas import quotes as quotes_schema
from nordwire.schemas.items import Item, QuoteMention
from nordwire.transforms.extract.mentions import extract_mentions
from nordwire.transforms.extract.ner import NerModel
from nordwire.transforms.extract.quotes import find_quotes
from nordwire.transforms.extract.speakers import is_agency, is_kicker
from nordwire.transforms.revisions import first_version

from tests.conftest import make_item


@pytest.fixture(scope="module")
def ner() -> NerModel:
    return NerModel()


def quotes(ner: NerModel, **fields: Any) -> tuple[QuoteMention, ...]:
    return extract_mentions(make_item(**fields), ner).quotes


def speakers(ner: NerModel, **fields: Any) -> list[tuple[str | None, str | None]]:
    return [(q.speaker, q.speaker_raw) for q in quotes(ner, **fields)]


# A headline kicker is never a speaker.


@pytest.mark.parametrize("kicker", ["SE NÅ", "NÅ", "LIVE", "VIDEO", "DIREKTE", "STORT INTERVJU"])
def test_a_headline_kicker_is_not_a_speaker(ner: NerModel, kicker: str) -> None:
    found = speakers(ner, title=f"{kicker}: – Dette er historisk", summary="Det snør i Oslo.")
    assert found == [(None, None)]


def test_a_speaker_after_a_kicker_speaks(ner: NerModel) -> None:
    (q,) = quotes(
        ner,
        title="SE NÅ: Støre: – Vi må stå sammen",
        summary="Statsminister Jonas Gahr Støre ber om samhold.",
    )
    assert (q.quote, q.speaker, q.speaker_raw) == ("Vi må stå sammen", "Jonas Gahr Støre", "Støre")


def test_acronyms_are_names_and_label_words_are_kickers() -> None:
    assert is_kicker("SE NÅ") and is_kicker("Live") and is_kicker("SISTE NYTT")
    assert not is_kicker("WWF") and not is_kicker("NHO") and not is_kicker("Støre")


# A headline verb is never the speaker; Dagbladet's `Verb: – quote` takes the lede's speaker.


@pytest.mark.parametrize(
    ("summary", "speaker"),
    [
        # the lede's own quote and its reporting clause
        ("Isen er tynn. – Ikke gå ut på isen, sier brannsjef Kari Hansen.", "Kari Hansen"),
        # a reporting clause with the subject first
        ("Brannsjef Kari Hansen advarer folk mot å gå på isen i helga.", "Kari Hansen"),
        # the verb second, the subject after it
        (
            "No åtvarar brannvesenet, og i dag fryktar brannsjef Kari Hansen at isen brest.",
            "Kari Hansen",
        ),
        # a body that names nobody gives nobody
        ("Isen på vatnet er tynn etter mildvêret.", None),
    ],
)
def test_a_verb_headline_takes_the_speaker_the_lede_names(
    ner: NerModel, summary: str, speaker: str | None
) -> None:
    found = quotes(ner, title="Advarer: – Ekstremt farlig", summary=summary)
    title = [q for q in found if q.field == "title"]
    assert [(q.quote, q.speaker) for q in title] == [("Ekstremt farlig", speaker)]
    assert all(q.speaker_raw not in ("Advarer", "advarer") for q in found)


@pytest.mark.parametrize("title", ["Raser: – Helt uakseptabelt", "Om kuttene: – Helt uakseptabelt"])
def test_headline_verbs_and_prepositions_are_not_speaker_words(ner: NerModel, title: str) -> None:
    assert speakers(ner, title=title, summary="Kommunen kutter i budsjettet.") == [(None, None)]


# News agencies relay speech; they are not speakers.


@pytest.mark.parametrize(
    "text",
    [
        "Eksplosjoner ble hørt i byen. – Vi så flammene fra leiligheten, melder AFP.",
        "«Situasjonen er under kontroll», melder Reuters.",
        "– Det er for tidlig å si noe, melder det russiske nyhetsbyrået Tass.",
    ],
)
def test_an_agency_in_the_reporting_clause_is_not_the_speaker(ner: NerModel, text: str) -> None:
    (q,) = quotes(ner, title="Eksplosjoner i byen", body=text)
    assert (q.speaker, q.speaker_raw) == (None, None)


def test_a_source_agency_gives_no_reported_quote() -> None:
    assert find_quotes("Russland angrep byen natt til søndag, ifølge Reuters og AFP.") == []
    assert find_quotes("Flere ble drept, ifølge nyhetsbyrået Interfax Ukraina.") == []
    (q,) = find_quotes("– Vi har ingen kommentar, sier Putin til nyhetsbyrået Tass.")
    assert q.speaker == "Putin"
    assert is_agency("AP") and is_agency("Reuters og AFP") and not is_agency("AFPs journalist")


# Reported speech is not a direct quote.


def test_reported_speech_is_kind_reported_and_counted_with_the_rest(ner: NerModel) -> None:
    item = make_item(
        article_id="a1",
        title="Ubåt observert",
        summary="Ifølge orlogskaptein Per Olsen var fartøyet i området i flere timer. "
        "– Vi følger situasjonen nøye, sier Olsen.",
    )
    found = extract_mentions(item, ner).quotes
    assert [(q.kind, q.speaker) for q in found] == [
        ("reported", "Per Olsen"),
        ("direct", "Per Olsen"),
    ]
    quoted = Item.evolve(item, quotes=found)
    rows = quotes_schema.to_rows(quoted, "test", first_version(quoted).content_hash)
    assert [r["kind"] for r in rows] == ["reported", "direct"]
    assert quotes_schema.SCHEMA.field("kind").nullable is False
    # quote_count matches the article's rows in the quotes table, reported ones included
    article = articles_schema.to_row(
        Item.evolve(
            item,
            quotes=found,
            published_at=datetime(2022, 10, 1, tzinfo=UTC),
            language="nb",
        ),
        "test",
        first_version(item),
    )
    assert article["quote_count"] == len(rows) == 2


# A speaker comes from the quote's own attribution, never from the quote before it.


@pytest.mark.parametrize(
    "body",
    [
        "– Russland står trolig bak, sier sikkerhetsekspert Ola Nordmann.\n"
        "Forsvarsdepartementet svarer i en e-post til NRK:\n"
        "– Vi kommenterer ikke etterretningsvurderinger.",
        "– Russland står trolig bak, sier sikkerhetsekspert Ola Nordmann.\n"
        "– Vi kommenterer ikke etterretningsvurderinger. Det skriver Forsvarsdepartementet i en "
        "e-post til NRK.",
        "– Russland står trolig bak, sier sikkerhetsekspert Ola Nordmann.\n"
        "– Vi kommenterer ikke etterretningsvurderinger, skriver Forsvarsdepartementet i en "
        "e-post til NRK.",
    ],
)
def test_a_ministrys_reply_is_the_ministrys(ner: NerModel, body: str) -> None:
    found = quotes(ner, title="Sabotasje i Østersjøen", body=body)
    assert [q.speaker for q in found] == ["Ola Nordmann", "Forsvarsdepartementet"]


def test_a_name_inside_a_quote_is_not_the_next_speaker(ner: NerModel) -> None:
    body = (
        "Nato-sjef Jens Stoltenberg møtte pressen.\n"
        "– President Vladimir Putins retorikk er uansvarlig, sier Nato-sjefen.\n"
        "Øvelsen starter neste uke.\n"
        "– Vi følger med, som vi alltid gjør."
    )
    assert [q.speaker for q in quotes(ner, title="Nato", body=body)] == [
        "Jens Stoltenberg",
        "Jens Stoltenberg",
    ]


def test_a_continued_quote_keeps_its_speaker_and_a_pronoun_the_last_one(ner: NerModel) -> None:
    body = (
        "– Årsaken er uklar, sier en polititalsmann til DPA. Ifølge ham er det ingenting som "
        "tilsier at det var en gasseksplosjon."
    )
    found = quotes(ner, title="Eksplosjon i Halle", body=body)
    assert [(q.kind, q.speaker) for q in found] == [
        ("direct", "en polititalsmann"),
        ("reported", "en polititalsmann"),
    ]


def test_roles_in_headlines_take_the_person_introduced_with_the_role(ner: NerModel) -> None:
    (q,) = quotes(
        ner,
        title="Ordfører i okkupert by: – Dette er en farlig tid",
        summary="Ordfører Ivan Fedorov ble tatt til fange da angriperne inntok byen.",
    )
    assert (q.speaker, q.speaker_raw) == ("Ivan Fedorov", "Ordfører i okkupert by")


def test_weekdays_are_resolved_only_against_the_items_own_day(ner: NerModel) -> None:
    base = {"title": "Pågrepet", "summary": "Han ble pågrepet mandag."}
    own = make_item(
        **base,
        published_at=datetime(2022, 9, 28, 10, tzinfo=UTC),
        date_precision="time",
        date_basis="published",
    )
    bound = make_item(
        **base,
        published_at=datetime(2022, 9, 27, 22, tzinfo=UTC),
        date_precision="day",
        date_basis="feed_newest",
    )
    assert [d.value for d in extract_mentions(own, ner).dates] == ["2022-09-26"]
    assert [d.value for d in extract_mentions(bound, ner).dates] == [None]
