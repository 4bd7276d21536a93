"""Issue 25, item 3: reported speech (`X sier at ...`, `Det opplyser X.`) as `kind = reported`."""

from __future__ import annotations

from typing import Any

import pytest
from nordwire.schemas.items import QuoteMention
from nordwire.transforms.extract.mentions import extract_mentions
from nordwire.transforms.extract.ner import NerModel

from tests.conftest import make_item


@pytest.fixture(scope="module")
def ner() -> NerModel:
    return NerModel()


def reported(ner: NerModel, summary: str, **fields: Any) -> list[QuoteMention]:
    item = make_item(title=fields.pop("title", "Nyheter"), summary=summary, **fields)
    found = [q for q in extract_mentions(item, ner).quotes if q.kind == "reported"]
    for q in found:  # offsets point at the quote text in its field
        assert summary[q.start : q.end] == q.quote
    return found


@pytest.mark.parametrize(
    ("summary", "quote", "speaker"),
    [
        (
            "Forsvarsadvokat Marius Dahle opplyser at klienten hans vil anke dommen.",
            "klienten hans vil anke dommen",
            "Marius Dahle",
        ),
        (
            "Trener Ingrid Solberg bekrefter at hun går av etter sesongen.",
            "hun går av etter sesongen",
            "Ingrid Solberg",
        ),
        (
            "Politiet skriver på Twitter at en mann er pågått i Drammen sentrum.",
            "en mann er pågått i Drammen sentrum",
            "Politiet",
        ),
        (
            "Talsperson Olga Petrova sier ifølge AFP at forhandlingene er avbrutt.",
            "forhandlingene er avbrutt",
            "Olga Petrova",
        ),
        (
            "Professoren meiner at skulen må få meir pengar.",
            "skulen må få meir pengar",
            "Professoren",
        ),
        (
            "Til Aftenposten forteller rektor Knut Aas at skolen stenger fredag.",
            "skolen stenger fredag",
            "Knut Aas",
        ),
        (
            "Statsministeren sier onsdag til NRK at avtalen er i boks, skriver Reuters.",
            "avtalen er i boks",
            "Statsministeren",
        ),
    ],
)
def test_speaker_verb_at_clause(ner: NerModel, summary: str, quote: str, speaker: str) -> None:
    (q,) = reported(ner, summary)
    assert (q.quote, q.speaker) == (quote, speaker)


def test_at_left_out_before_a_pronoun_and_its_verb(ner: NerModel) -> None:
    (q,) = reported(ner, "Ole Hansen sier han baserer seg på at ingen er skadet.")
    assert (q.quote, q.speaker) == ("han baserer seg på at ingen er skadet", "Ole Hansen")
    # the pronoun after the verb is its subject when something else opens the sentence
    assert reported(ner, "Nå sier han det er for sent.") == []
    assert reported(ner, "Ole Hansen sier det til NRK.") == []


def test_a_name_with_a_particle_is_whole(ner: NerModel) -> None:
    summary = "Spissen er ikke med på treningen. Manager Erik ten Hag opplyste at han er skadet."
    (q,) = reported(ner, summary)
    assert (q.quote, q.speaker, q.verb) == ("han er skadet", "Erik ten Hag", "opplyste")


def test_det_opplyser_x_takes_the_sentence_before(ner: NerModel) -> None:
    summary = (
        "Brannen i lagerbygget er slukket og ingen er skadet. "
        "Det opplyser innsatsleder Per Hovland til NRK."
    )
    (q,) = reported(ner, summary)
    assert (q.quote, q.speaker, q.verb) == (
        "Brannen i lagerbygget er slukket og ingen er skadet",
        "Per Hovland",
        "opplyser",
    )


def test_a_trailing_reporting_clause_takes_its_sentence(ner: NerModel) -> None:
    (q,) = reported(ner, "Veien er stengt etter et steinras i natt, melder Statens vegvesen.")
    assert (q.quote, q.speaker) == ("Veien er stengt etter et steinras i natt", "Statens vegvesen")


def test_a_pronoun_takes_the_person_named_before(ner: NerModel) -> None:
    summary = (
        "– Vi må handle nå, sier helseminister Kari Lunde.\nHun sier også at sykehusene får mer."
    )
    (q,) = reported(ner, summary)
    assert (q.quote, q.speaker, q.speaker_raw) == ("sykehusene får mer", "Kari Lunde", "hun")


def test_a_pronoun_that_could_mean_two_people_gives_no_row(ner: NerModel) -> None:
    summary = (
        "President Joe Biden tror ikke at Vladimir Putin vil bruke atomvåpen. "
        "Han sier at han ser på ham som en rasjonell person."
    )
    assert reported(ner, summary) == []


def test_no_speaker_named_gives_no_row(ner: NerModel) -> None:
    assert reported(ner, "Det sier seg selv at prisene stiger.") == []
    assert reported(ner, "Rapporten bekrefter at prisene stiger kraftig i år.") == []
    assert reported(ner, "Senere opplyste de at det var kontroll på en mistenkt.") == []
    # "sier til NRK det er viktig at": the "at" belongs to another clause
    assert reported(ner, "Ole Hansen sier til NRK det er viktig at ingen er skadet.") == []


def test_a_newsroom_or_an_agency_is_never_the_speaker(ner: NerModel) -> None:
    assert reported(ner, "CNN skriver at presidenten vil benåde alle.") == []
    assert reported(ner, "Tre personer er skadet i ulykken, skriver Stavanger Aftenblad.") == []
    assert reported(ner, "Tre personer er skadet i ulykken. Det skriver AFP.") == []
    (q,) = reported(ner, "Ordføreren i Aukra opplyser til TV 2 at skolen er evakuert.")
    assert q.speaker == "Ordføreren i Aukra"


def test_the_owner_in_a_genitive_does_not_speak(ner: NerModel) -> None:
    found = reported(ner, "Møtet er avlyst i dag. Det sier president Vladimir Putins talsperson.")
    assert [q.speaker for q in found] == ["president Vladimir Putins talsperson"]


def test_a_direct_quote_is_not_doubled(ner: NerModel) -> None:
    for summary in (
        "– Vi kommer ikke til å anke dommen. Det bekrefter advokat Lise Berg.",
        "– Vi kommer ikke til å anke dommen, sier advokat Lise Berg.",
        "«Vi kommer ikke til å anke dommen», sier advokat Lise Berg.",
    ):
        found = extract_mentions(make_item(title="Dom", summary=summary), ner).quotes
        assert [(q.kind, q.quote.rstrip("."), q.speaker) for q in found] == [
            ("direct", "Vi kommer ikke til å anke dommen", "Lise Berg")
        ]
    # «» after "sier at" has no reporting verb of its own: one row, the reported one
    (q,) = reported(ner, "Lise Berg sier at «dette er en skandale».")
    assert (q.quote, q.speaker) == ("«dette er en skandale»", "Lise Berg")
