"""Section signals: categories, path-style categories, tag lists, URL sections and subdomains."""

from __future__ import annotations

import pytest
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.topics.sections import SectionMap, fold


@pytest.fixture(scope="module")
def sections() -> SectionMap:
    return SectionMap(vocabulary())


def test_fold_spells_norwegian_letters_as_links_do() -> None:
    assert fold(" Økonomi  og  BØRS ") == "okonomi og bors"
    assert fold("Håndball") == "handball" and fold("Vêr") == "ver"


@pytest.mark.parametrize(
    ("word", "slug"),
    [
        ("ekstremvær", "weather"),  # compound head
        ("sportsstudio", "sport"),  # compound first part
        ("fotballandslaget", "sport"),
        ("persontransport", "economy-business-finance"),  # the longest part wins: not `sport`
        ("politikere", "politics"),  # politicians, not `politi` (crime)
        ("politikerlønninger", "politics"),
        ("osloskolen", "education"),  # `skole` + the definite `-n`
        ("kunstig", None),  # not `kunst`
        ("toppmøte", None),  # folded `møte` is not a section word
        ("helgeland", None),
        ("nyheter", None),
    ],
)
def test_compounds_match_by_a_word_sized_part(
    sections: SectionMap, word: str, slug: str | None
) -> None:
    assert sections.word(fold(word)) == slug


def test_a_tag_list_gives_each_tag_that_maps(sections: SectionMap) -> None:
    assert sections.category("trafikk, ulykke, nyheter, trafikkulykke") == [
        "disaster-accident-emergency"
    ]
    assert sections.category("liz truss, politikk, utenriks, storbritannia, nyheter") == [
        "politics"
    ]
    # A word inside a multi-word tag is a name, not a section (`tv` in `tv 2 hjelper deg`).
    assert sections.category("norgestaxi, taxi, tv 2 hjelper deg") == []
    assert sections.category("Fotballandslaget, menn") == ["sport"]


def test_path_categories_read_from_the_most_specific_segment(sections: SectionMap) -> None:
    assert sections.category("/kultur/bok") == ["arts-culture-entertainment-media"]
    assert sections.category("/nyheter/lokalt/stavanger") == []
    assert sections.category("/sport/sjakk/carlsen") == ["sport"]


def test_url_ids_and_headline_slugs_are_not_sections(sections: SectionMap) -> None:
    # The article slug and ids are skipped, even when they contain a section word.
    assert sections.url("https://www.nrk.no/nyheter/ny-rekord-i-fotball-vm-1.16143086") == []
    assert sections.url("https://www.vg.no/nyheter/i/0QQ3K2/sport") == []
    assert sections.url("https://www.tv2.no/a/15195823") == []
    assert sections.url("not a url") == []


def test_signals_keep_feed_order_then_the_link(sections: SectionMap) -> None:
    signals = sections.signals(("Nyheter", "Helse", "Sport"), "https://e24.no/boers-og-finans/i/x/y")
    assert [(s.slug, s.basis) for s in signals] == [
        ("health", "category"),
        ("sport", "category"),
        ("economy-business-finance", "url"),
    ]


@pytest.mark.parametrize(
    ("category", "slug"),
    [
        # Hard-news desks that used to map to nothing.
        ("Drapet på Birgitte Tengs", "crime-law-justice"),
        ("Kongsbergdrapene", "crime-law-justice"),  # definite plural of a compound
        ("Skyting i Oslo", "crime-law-justice"),
        ("Politisaker i Møre og Romsdal", "crime-law-justice"),
        ("Flom og ras i Norge", "disaster-accident-emergency"),
        ("Orkanen «Ian»", "disaster-accident-emergency"),
        ("Kreft", "health"),
        ("Sykehuset Telemark", "health"),
        ("Lønnsoppgjøret 2022", "labour"),
        ("Lærerstreiken", "labour"),  # the head decides: a strike, not a school
        ("Senterpartiet", "politics"),
        ("Miljøpartiet De Grønne", "politics"),  # a party, whatever its name says
        ("Regjeringa Støre", "politics"),
        ("Statsbudsjettet 2023", "politics"),
        ("Barnevern", "society"),
        ("Strøm", "economy-business-finance"),
        ("Næringslivet i Nordland", "economy-business-finance"),  # not `livet` (human interest)
        ("Veitransport", "economy-business-finance"),  # vei-transport, not veitran-sport
        ("Premier League 2022/2023", "sport"),  # the season is not a path
        ("Molde FK", "sport"),  # a club's name ends with its kind
        ("Idrettspolitikk", "sport"),
        ("NRK anmelder lyrikk", "arts-culture-entertainment-media"),
    ],
)
def test_norwegian_desk_names_map_to_their_topic(
    sections: SectionMap, category: str, slug: str
) -> None:
    assert sections.category(category)[:1] == [slug]


@pytest.mark.parametrize(
    "category",
    ["Rusmiljøet i Oslo", "Brann", "Trøndelag", "Nyheiter frå Vestland", "NRK Stor-Oslo", "Urix"],
)
def test_milieus_ambiguous_names_and_news_desks_map_to_nothing(
    sections: SectionMap, category: str
) -> None:
    # `rusmiljø` is a drug scene, not the environment; `Brann` is a fire or a Bergen football
    # club; regional and general news desks name no topic.
    assert sections.category(category) == []


def test_a_compound_ending_in_sport_is_not_sport(sections: SectionMap) -> None:
    assert sections.word(fold("våpeneksport")) == "economy-business-finance"
    assert sections.word(fold("sjøtransport")) == "economy-business-finance"
    assert sections.word(fold("hestesport")) == "sport"


def test_a_category_naming_its_topic_in_a_word_goes_before_one_read_into_a_compound(
    sections: SectionMap,
) -> None:
    # NRK's story tag for a road names landslides only in a cut-off compound part (`Ras-`) and
    # a compound's first part (`ulykkesvegen`): the road-budget story is not a disaster.
    categories = ("Ras- og ulykkesvegen E16", "Samferdsel", "Statsbudsjettet 2023")
    signals = sections.signals(categories, None)
    assert [(s.slug, s.exact) for s in signals] == [
        ("economy-business-finance", True),
        ("politics", True),
        ("disaster-accident-emergency", False),
    ]
    # A coordination of whole words still names its topic: a rockfall stays a disaster.
    assert sections.signals(("Flom og ras i Norge", "Samferdsel"), None)[0].slug == (
        "disaster-accident-emergency"
    )
