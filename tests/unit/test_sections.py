"""Section signals: categories, path-style categories, tag lists, URL sections and subdomains."""

from __future__ import annotations

import pytest
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.sections import SectionMap, fold


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
        ("politikere", None),  # not `politi`
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
