"""Names as a newsroom reads them (issue 16): genitives, nicknames, line breaks, one label per
string, headline capitals; and speakers resolved without jumping to somebody else."""

from __future__ import annotations

import pytest
from nordwire.schemas.items import Mention
from nordwire.transforms.extract.mentions import _second_pass, extract_mentions, link
from nordwire.transforms.extract.ner import NerModel, consistent, sentences, tokenize

from tests.conftest import make_item


def _m(text: str, label: str, start: int) -> Mention:
    return Mention("body", text, label, start, start + len(text), 0, text)


LEXICON = {"biden": ("zf4",), "bidens": ("zf3",), "giske": ("zf3",), "han": ("lc", "zf7")}


@pytest.mark.parametrize(
    ("title", "word", "name"),
    [
        ("Politiet: Uavklart situasjon ved Ormen Lange", "Uavklart", None),
        ("Langrennspresidenten: Utelukket russisk deltakelse", "Utelukket", None),
        ("Samferdselsplanen: Dropper store prosjekter", "Dropper", None),
        ("Carlsen: – Jeg tror han har jukset", "Carlsen", "PER"),
    ],
)
def test_a_headline_word_after_a_kicker_is_no_name(
    ner: NerModel, title: str, word: str, name: str | None
) -> None:
    # A kicker or a dash capitalises whatever word follows; a word of a cluster that holds
    # almost no names (the lexicon's) is that word, while a surname stays a person.
    item = extract_mentions(make_item(title=title, language="nb"), ner)
    labels = {m.text: m.label for m in item.entities}
    assert labels.get(word) == name


def test_plain_words_come_from_clusters_of_ordinary_words() -> None:
    from nordwire.transforms.extract.ner import plain_words

    lexicon = {
        **{f"verb{i}": ("kA_1",) for i in range(20)},
        "oslo": ("gaz", "kA_1"),  # one place among 21 words: the cluster is ordinary words
        **{f"navn{i}": ("kA_2", "e:PER") for i in range(5)},
        "ola": ("kA_2",),  # untagged, but in a cluster of names
        "sjelden": ("zf3",),  # no cluster: no evidence either way
    }
    assert plain_words(lexicon) == frozenset(f"verb{i}" for i in range(20))


def test_genitive_full_names_take_their_stem() -> None:
    mentions = [
        _m("Joe Bidens", "PER", 0),
        _m("Trond Giskes", "PER", 30),
        _m("Torgeir Knag Fylkesnes", "PER", 60),  # a surname in s, not a genitive
        _m("Hans", "PER", 90),  # a first name in s; "han" is a word, not a name
    ]
    linked = {m.text: m.normalised for m in link(mentions, frozenset(), LEXICON)}
    assert linked == {
        "Joe Bidens": "Joe Biden",
        "Trond Giskes": "Trond Giske",
        "Torgeir Knag Fylkesnes": "Torgeir Knag Fylkesnes",
        "Hans": "Hans",
    }


def test_a_short_genitive_links_to_the_full_name() -> None:
    mentions = [_m("Bidens", "PER", 0), _m("Joe Biden", "PER", 20)]
    assert {m.normalised for m in link(mentions, frozenset(), LEXICON)} == {"Joe Biden"}


def test_a_nickname_in_guillemets_stays_inside_the_name() -> None:
    words = ["Per", "Joar", "«", "Perry", "»", "Hansen", "scoret"]
    tags = ["B-PER", "I-PER", "O", "B-PROD", "O", "B-PER", "O"]
    assert _second_pass(words, tags) == ["B-PER"] + ["I-PER"] * 5 + ["O"]


def test_capitalised_one_word_person_is_a_headline_word() -> None:
    assert _second_pass(["LIVE", ":", "Kampen"], ["B-PER", "O", "O"]) == ["O", "O", "O"]
    assert _second_pass(["Ola", "NORDMANN"], ["B-PER", "I-PER"]) == ["B-PER", "I-PER"]


def test_no_name_runs_across_a_line_break() -> None:
    text = "Støre\nStøre vil ha svar"
    sents = sentences(tokenize(text), text)
    assert [[t.text for t in s] for s in sents] == [["Støre"], ["Støre", "vil", "ha", "svar"]]


def test_one_label_per_string_within_an_article() -> None:
    words = [
        ["Arsenal", "vant", "."],
        ["Trener", "i", "Arsenal", "er", "glad"],
        ["Arsenal", "tapte"],
    ]
    tags = [["B-ORG", "O", "O"], ["O", "O", "B-PER", "O", "O"], ["B-ORG", "O"]]
    out = consistent(words, tags)
    assert out[1][2] == "B-ORG"
    # a capitalised untagged use of a tagged name is tagged too (not at a sentence start)
    assert consistent(
        [["Han", "så", "Arsenal"], ["Arsenal", "vant"]], [["O"] * 3, ["B-ORG", "O"]], fill=True
    )[0] == ["O", "O", "B-ORG"]
    # a country is a place and a state in one article: that is context, it stays
    gpe = consistent(
        [["Russland", "angrep"], ["i", "Russland"]], [["B-GPE_ORG", "O"], ["O", "B-GPE_LOC"]]
    )
    assert gpe == [["B-GPE_ORG", "O"], ["O", "B-GPE_LOC"]]


@pytest.fixture(scope="module")
def ner() -> NerModel:
    return NerModel()


def test_a_descriptor_never_becomes_the_person_in_the_headline(ner: NerModel) -> None:
    item = make_item(
        title="Kari Nordmann (34) ble drept i Bergen",
        summary="– Det klikket for meg, innrømmer samboeren i retten.",
    )
    (q,) = extract_mentions(item, ner).quotes
    assert (q.speaker, q.speaker_raw) == ("samboeren", "samboeren")


def test_apposition_and_headline_speakers_resolve_to_the_name(ner: NerModel) -> None:
    item = make_item(
        title="Støre: – Vi må stå sammen",
        summary="Statsminister Jonas Gahr Støre ber om samhold.",
        body="– Veien stenges, sier veisjef i Statens vegvesen, Kristin Greaker Carlsson.",
    )
    speakers = {q.quote: q.speaker for q in extract_mentions(item, ner).quotes}
    assert speakers == {
        "Vi må stå sammen": "Jonas Gahr Støre",
        "Veien stenges": "Kristin Greaker Carlsson",
    }


def test_a_pronoun_takes_the_last_person_named_and_den_nobody(ner: NerModel) -> None:
    item = make_item(
        title="Ny rapport",
        body="Jonas Gahr Støre kom til møtet.\n– Vi er klare, sa han.\n– Nei, sier den.",
    )
    quotes = extract_mentions(item, ner).quotes
    assert [(q.speaker, q.speaker_raw) for q in quotes] == [
        ("Jonas Gahr Støre", "han"),
        (None, None),
    ]


@pytest.mark.parametrize(
    ("title", "speaker"),
    [
        ("Kulturministeren kritiserer fotballforbundet: – Ser ikke bra ut", "Kulturministeren"),
        ("Russlands ambassadør: – Dette bidrar ikke til optimisme", "Russlands ambassadør"),
        ("FHI: – Situasjonen er uforutsigbar", "FHI"),
        ("Vil halvere tilskotet til skogvern: – Drastisk, seier skognæringa", "skognæringa"),
        # a topic or a verb-first headline names nobody
        ("Steinskred i Røldal: – Eg kjende frysningar i heile meg", None),
        ("Vil halvere tobakkskvoten: – Det roter det til for oss", None),
    ],
)
def test_headline_speaker_is_a_person_a_body_or_a_role(
    ner: NerModel, title: str, speaker: str | None
) -> None:
    (q,) = extract_mentions(
        make_item(title=title, summary="Saken handler om noe annet."), ner
    ).quotes
    assert q.speaker == speaker


def test_names_through_the_extraction_stage(ner: NerModel) -> None:
    item = make_item(
        title="Støre\nStøre vil ha svar",
        summary="Per Joar «Perry» Hansen scoret to mål. Joe Bidens rådgiver advarer.",
    )
    entities = extract_mentions(item, ner).entities
    assert not any("\n" in m.text for m in entities)  # no name across a line break
    people = {m.text: m.normalised for m in entities if m.label == "PER"}
    assert people.get("Per Joar «Perry» Hansen") == "Per Joar «Perry» Hansen"
    assert not any(m.text == "Perry" for m in entities)  # one person, not three entities
    assert people.get("Joe Bidens") == "Joe Biden"


def test_a_lone_surname_takes_the_full_name_across_articles() -> None:
    from nordwire.transforms.extract.mentions import surname_links

    articles = {
        "Putin": 17,
        "Vladimir Putin": 17,
        "Stoltenberg": 3,
        "Jens Stoltenberg": 4,
        "Camilla Stoltenberg": 3,
        "Støre": 2,
    }
    # Jens and Camilla Stoltenberg are both in the news: "Stoltenberg" alone is nobody yet.
    assert surname_links(articles) == {"Putin": "Vladimir Putin"}


def test_within_an_article_the_short_form_takes_the_full_name(ner: NerModel) -> None:
    item = make_item(
        title="Putin truer Vesten",
        summary="Russlands president Vladimir Putin sa onsdag at Putin ikke bløffer.",
    )
    people = {
        (m.text, m.normalised) for m in extract_mentions(item, ner).entities if m.label == "PER"
    }
    assert ("Putin", "Vladimir Putin") in people
    assert {n for _, n in people} == {"Vladimir Putin"}


def test_possessives_leave_normalised_names_only_where_the_evidence_says_genitive() -> None:
    from nordwire.transforms.extract.ner import shipped_lexicon

    lexicon = (
        shipped_lexicon()
    )  # wordfreq's buckets, as shipped: Nato beats Natos, Paris beats Pari
    mentions = [
        _m("Natos", "ORG", 0),
        _m("FNs", "ORG", 10),
        _m("Russlands", "GPE_ORG", 20),
        _m("Paris", "GPE_LOC", 40),
        _m("Hamas", "ORG", 50),
        _m("Texas", "GPE_LOC", 60),
        _m("Wales", "GPE_LOC", 70),
        _m("NRKs", "ORG", 80),
        _m("Oslo Børs", "ORG", 90),
        _m("Sky News", "ORG", 100),
    ]
    linked = {m.text: m.normalised for m in link(mentions, frozenset(), lexicon)}
    assert linked == {
        "Natos": "Nato",
        "FNs": "FN",
        "Russlands": "Russland",
        "Paris": "Paris",
        "Hamas": "Hamas",
        "Texas": "Texas",
        "Wales": "Wales",
        "NRKs": "NRK",
        "Oslo Børs": "Oslo Børs",
        "Sky News": "Sky News",
    }


@pytest.mark.parametrize(
    ("words", "tags", "want"),
    [
        (  # a venue is a place, never a person
            ["på", "Emirates", "Stadium", "i", "kveld"],
            ["O", "B-PER", "I-PER", "O", "O"],
            ["O", "B-LOC", "I-LOC", "O", "O"],
        ),
        (  # the head word belongs to the venue's name
            ["på", "Ullevaal", "stadion"],
            ["O", "B-LOC", "O"],
            ["O", "B-LOC", "I-LOC"],
        ),
        (["Eliteserien", "er", "avgjort"], ["B-GPE_LOC", "O", "O"], ["B-ORG", "O", "O"]),
        (
            ["til", "Premier", "League"],
            ["O", "B-GPE_LOC", "I-GPE_LOC"],
            ["O", "B-ORG", "I-ORG"],
        ),
        (  # a fixture: both sides are clubs when one is
            ["Molde", "–", "Rosenborg", "2–1"],
            ["B-GPE_LOC", "O", "B-ORG", "O"],
            ["B-ORG", "O", "B-ORG", "O"],
        ),
        (["Molde", "kommune", "vedtok"], ["B-GPE_LOC", "O", "O"], ["B-GPE_LOC", "O", "O"]),
    ],
)
def test_venues_leagues_and_clubs_take_norne_labels(
    words: list[str], tags: list[str], want: list[str]
) -> None:
    assert _second_pass(words, tags) == want


def test_a_place_beside_a_dash_is_no_club() -> None:
    # "signalfeil mellom Oslo S -Nationaltheatret": a station and a theatre, not a fixture.
    words = ["mellom", "Oslo", "S", "-", "Nationaltheatret"]
    tags = ["O", "B-LOC", "I-LOC", "O", "B-ORG"]
    assert _second_pass(words, tags) == tags
