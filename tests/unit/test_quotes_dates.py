"""Quotes with speakers and temporal expressions, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest
from nordwire.transforms.quotes import find_quotes
from nordwire.transforms.temporal import find_dates


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
