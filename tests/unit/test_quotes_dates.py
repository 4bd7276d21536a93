"""Quotes with speakers and temporal expressions, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest
from nordwire.transforms.extract.quotes import find_quotes
from nordwire.transforms.extract.text_dates import find_dates


def test_dash_speech_with_the_reporting_clause_after() -> None:
    text = (
        "Innledning.\n\n– De neste månedene vil vi overføre raketter, sa Putin i uttalelser lørdag."
    )
    (q,) = find_quotes(text)
    assert q.quote == "De neste månedene vil vi overføre raketter"
    assert (q.speaker, q.verb) == ("Putin", "sa")
    assert text[q.start : q.end] == q.quote


@pytest.mark.parametrize(
    ("text", "quote", "speaker", "verb"),
    [
        (
            "«Tre milliarder rekker ikke langt», skriver KS-lederen i en kommentar.",
            "Tre milliarder rekker ikke langt",
            "KS-lederen",
            "skriver",
        ),
        (
            "Statsministeren sa: «Vi må handle nå, og vi må gjøre det sammen.»",
            "Vi må handle nå, og vi må gjøre det sammen.",
            "Statsministeren",
            "sa",
        ),
        (
            "“Dette er en viktig dag for oss alle”, sier Kari Nordmann.",
            "Dette er en viktig dag for oss alle",
            "Kari Nordmann",
            "sier",
        ),
        (
            "– Eg veit ikkje kva som skjer no, seier ho.",
            "Eg veit ikkje kva som skjer no",
            "ho",
            "seier",
        ),
    ],
)
def test_quote_forms(text: str, quote: str, speaker: str, verb: str) -> None:
    (q,) = find_quotes(text)
    assert (q.quote, q.speaker, q.verb) == (quote, speaker, verb)


def test_scare_quotes_are_not_quotations() -> None:
    assert find_quotes("Han mener det ville vært «uakseptabelt» å ta i bruk atomvåpen.") == []


def test_text_without_punctuation_or_quotes() -> None:
    assert find_quotes("bare ord uten tegn " * 1000) == []


@pytest.mark.parametrize(
    ("text", "anchor", "precision", "expected"),
    [
        ("invasjonen 24. februar", date(2022, 6, 1), "month", ("2022-02-24", "day")),
        ("møtet 24. februar 2021", date(2022, 6, 1), "month", ("2021-02-24", "day")),
        ("i november 2017", date(2022, 6, 1), "month", ("2017-11", "month")),
        ("i mai", date(2022, 6, 1), "month", ("2022-05", "month")),
        ("i desember", date(2022, 3, 1), "day", ("2021-12", "month")),
        ("i vinter", date(2022, 6, 1), "month", ("2021-12", "season")),
        ("i går", date(2024, 3, 13), "time", ("2024-03-12", "day")),
        ("lørdag", date(2024, 3, 13), "time", ("2024-03-09", "day")),
        ("lørdag", date(2022, 6, 1), "month", (None, "unresolved")),
        ("i går", None, "none", (None, "unresolved")),
        ("i fjor", date(2024, 3, 13), "day", ("2023", "year")),
        ("31. februar", date(2024, 3, 13), "day", (None, "unresolved")),
    ],
)
def test_dates_resolve_against_the_publication_day(
    text: str, anchor: date | None, precision: str, expected: tuple[str | None, str]
) -> None:
    (d,) = find_dates(text, anchor, precision)
    assert (d.value, d.precision) == expected
    assert text[d.start : d.end] == d.text


# Issue 16: the quote forms of Norwegian news, as a hand reading of real feeds found them.


@pytest.mark.parametrize(
    ("title", "quote", "speaker"),
    [
        ("Støre: – Vi må stå sammen", "Vi må stå sammen", "Støre"),
        ("Politiet advarer: – Legg på røret", "Legg på røret", "Politiet"),
        (
            "Leiar i rusorganisasjon: – Beundringsverdig",
            "Beundringsverdig",
            "Leiar i rusorganisasjon",
        ),
        (
            "Bråthen trakk seg midt i FIS-møte: – Eneste mulige reaksjonsmåten",
            "Eneste mulige reaksjonsmåten",
            "Bråthen",
        ),
        ("Sp-ordføreren sterkt uenig med Vedum: – Prinsipiell feilmelding", None, "Sp-ordføreren"),
    ],
)
def test_headline_name_colon_dash_quote(title: str, quote: str | None, speaker: str) -> None:
    (q,) = find_quotes(title, headline=True)
    assert q.speaker == speaker
    assert quote is None or q.quote == quote
    assert title[q.start : q.end] == q.quote


def test_headline_form_is_only_read_in_headlines() -> None:
    # In running text "X: – ..." is speech introduced by X's clause, not a headline.
    (q,) = find_quotes("Han sa: – Vi kommer tilbake.")
    assert (q.quote, q.speaker, q.verb) == ("Vi kommer tilbake.", "han", "sa")


@pytest.mark.parametrize(
    ("text", "quote", "speaker"),
    [
        (
            "Serbia er sterke. – Jeg vil holde Serbia som svak favoritt, sier Egil «Drillo» Olsen.",
            "Jeg vil holde Serbia som svak favoritt",
            "Egil «Drillo» Olsen",
        ),
        (
            "Einsemd aukar blodsukkeret, viser studien. – Legane bør spørje, meiner forskar.",
            "Legane bør spørje",
            "forskar",
        ),
        (
            "– Russland er presset, sier assisterende PST-sjef Hedvig Moe.",
            "Russland er presset",
            "Hedvig Moe",
        ),
    ],
)
def test_dash_quotes_inside_a_lede(text: str, quote: str, speaker: str) -> None:
    (q,) = find_quotes(text)
    assert (q.quote, q.speaker) == (quote, speaker)


def test_two_dash_quotes_in_one_paragraph_keep_their_own_speakers() -> None:
    quotes = find_quotes("– A er bra, sier Per. – B er dårlig, sier Kari.")
    assert [(q.quote, q.speaker) for q in quotes] == [("A er bra", "Per"), ("B er dårlig", "Kari")]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # the speaker span stops at its sentence and drops the party's genitive
        ("– Vi er klare, sier Rødts Mímir Kristjánsson. Han legger til mer.", "Mímir Kristjánsson"),
        # the name in the apposition, not the title before it
        (
            "– Veien stenges, sier veisjef i Statens vegvesen, Kristin Greaker Carlsson.",
            "Kristin Greaker Carlsson",
        ),
        ("– Det brant, sier operasjonsleder Per Hansen i Vest politidistrikt.", "Per Hansen"),
        # a determiner alone is nobody; with its noun it describes somebody
        ("– Det er ikke sikkert, sier den.", None),
        ("– Det er alvorlig, sier en talsperson for Kreml.", "en talsperson"),
    ],
)
def test_speaker_words(text: str, speaker: str | None) -> None:
    (q,) = find_quotes(text)
    assert q.speaker == speaker


def test_titles_of_works_in_guillemets_are_not_quotes() -> None:
    assert find_quotes("Hun står bak filmen «The Ice is Melting at the Poles» fra i fjor.") == []
    assert find_quotes("Han leste «Ingen vet hvor vi skal hen i morgen» høyt.") == []
    (q,) = find_quotes("«Vi må handle nå, før det er for sent», sier Jonas Gahr Støre.")
    assert q.speaker == "Jonas Gahr Støre"


@pytest.mark.parametrize(
    ("text", "quote", "speaker"),
    [
        ("Mannen er i 30-årene, ifølge politiet.", "Mannen er i 30-årene", "politiet"),
        (
            "Russland vil levere raketter til Belarus, ifølge president Vladimir Putin.",
            "Russland vil levere raketter til Belarus",
            "Vladimir Putin",
        ),
        (
            "Ifølge øyenvitner ble det avfyrt en rekke skudd mot boligen.",
            "ble det avfyrt en rekke skudd mot boligen",
            "øyenvitner",
        ),
    ],
)
def test_ifolge_attributes_the_sentence(text: str, quote: str, speaker: str) -> None:
    (q,) = find_quotes(text)
    assert (q.quote, q.speaker, q.verb) == (quote, speaker, "ifølge")
    assert text[q.start : q.end] == q.quote


WEDNESDAY = date(2022, 9, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kommende lørdag møter Norge Serbia.", "2022-10-01"),
        ("Søndag blir det storkamp på Ullevaal.", "2022-10-02"),
        ("Norge møter Serbia på lørdag.", "2022-10-01"),
        ("Neste fredag skal saken opp.", "2022-09-30"),
        ("Han ble arrestert søndag.", "2022-09-25"),
        ("Det var fullt på lørdag.", "2022-09-24"),
        ("Det skjedde forrige fredag.", "2022-09-23"),
        ("Det skjedde onsdag i forrige uke.", "2022-09-21"),
        ("Møtet er onsdag neste uke.", "2022-10-05"),
    ],
)
def test_weekdays_by_tense_and_cue_words(text: str, expected: str) -> None:
    (d,) = find_dates(text, WEDNESDAY, "time")
    assert (d.value, d.precision) == (expected, "day")


def test_month_and_season_of_last_year() -> None:
    (d,) = find_dates("Det skjedde i mai i fjor.", WEDNESDAY, "time")
    assert (d.text, d.value) == ("i mai i fjor", "2021-05")
    (d,) = find_dates("Det var tørt i fjor sommer.", WEDNESDAY, "time")
    assert (d.value, d.precision) == ("2021-06", "season")


def test_a_weekday_followed_by_its_date_is_that_date() -> None:
    found = find_dates("Det skjedde fredag 30. september i Bergen.", date(2022, 10, 7), "time")
    assert [(d.text, d.value) for d in found] == [("30. september", "2022-09-30")]


def test_no_dates_inside_names() -> None:
    assert find_dates("6. januar-komiteen la fram rapporten.", WEDNESDAY, "time") == []
    (d,) = find_dates("Komiteen møtes 6. januar.", WEDNESDAY, "time")
    assert d.value == "2022-01-06"


def test_long_adversarial_texts_are_read_whole() -> None:
    # 100,000 characters of one pattern each: every quote and weekday is found (the finders
    # stay linear in the text, so a 1 MB article cut to 100,000 characters does not stall).
    assert len(find_quotes("– a b c. " * 11_000)) == 11_000
    assert len(find_quotes("– a, sier Per. " * 6_600)) == 6_600
    assert len(find_dates("lørdag skal " * 8_000, WEDNESDAY, "time")) == 8_000
