"""Parse stage: format sniffing, feeds, wire text, and bad inputs becoming rejects."""

from __future__ import annotations

from pathlib import Path

import pytest
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.parse import decode_text, parse_document, sniff, source_slug

from tests.conftest import ROOT
from tests.helpers.documents import RSS, doc

SAMPLES = ROOT / "pipeline" / "samples"

@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (RSS, "feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "feed"),
        (
            b"<!DOCTYPE html><html><head><title>404</title></head><body>Ikke funnet</body></html>",
            "html",
        ),
        (b"date 2022-06 Bildetekst. Foto: NTB\n\nNTB\n\nTekst.", "wire"),
        (b"  \n\t ", "empty"),
        (bytes(range(256)) * 4, "binary"),
        (
            b"<<<<<<< HEAD\n=======\n>>>>>>> x\n<?xml version='1.0'?><rss version='2.0'></rss>",
            "feed",
        ),
        (
            "<?xml version='1.0' encoding='utf-16'?><rss version='2.0'></rss>".encode("utf-16"),
            "feed",
        ),
    ],
)
def test_sniff_reads_the_format_from_content(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_rss_items_carry_fields_and_placeholder_guids_are_dropped() -> None:
    out = parse_document(doc(RSS))
    items = [o for o in out if isinstance(o, Item)]
    assert [i.title_raw for i in items] == ["En", "To", "Tre"]
    assert items[0].guid is None and items[1].guid is None  # "/a/" repeats with different links
    assert items[2].guid == "tre-123456"
    assert items[2].published_raw == "Sun, 10 Mar 2024 21:40:00 CET"
    assert {i.source for i in items} == {"test.no"}
    assert items[0].format == "rss20"


def test_a_category_that_flags_emphasis_is_no_subject() -> None:
    # NRK marks its top stories with <category domain="emphasis">high</category>.
    rss = (
        b'<rss version="2.0"><channel><title>t</title><link>https://www.nrk.no/</link>'
        b"<item><title>Sak</title><link>https://www.nrk.no/sak-1</link>"
        b'<category domain="emphasis">high</category><category domain="section">Sport</category>'
        b"<category>Fotball</category></item></channel></rss>"
    )
    (item,) = [o for o in parse_document(doc(rss)) if isinstance(o, Item)]
    assert item.categories == ("Sport", "Fotball")


def test_junk_before_xml_is_stripped() -> None:
    out = parse_document(doc(b"logg: hentet 12:00\n" + RSS))
    assert sum(isinstance(o, Item) for o in out) == 3
    # An opened merge conflict that never closes is not junk: the file is rejected whole.
    (reject,) = parse_document(doc(b"<<<<<<< HEAD\nlogg: hentet\n" + RSS))
    assert isinstance(reject, Reject) and reject.reason == "conflict_markers"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<!DOCTYPE html><html><body><p>Feil 500</p></body></html>", "html_page"),
        (b"", "empty"),
        (bytes(range(256)) * 8, "undecodable"),
        (b"<rss version='2.0'><channel><title>x</title></channel></rss>", "no_items"),
        (b"<?xml version='1.0'?><notafeed><x>1</x></notafeed>", "unparseable"),
    ],
)
def test_unusable_inputs_become_one_reject_with_a_reason(data: bytes, reason: str) -> None:
    out = parse_document(doc(data))
    assert len(out) == 1 and isinstance(out[0], Reject)
    assert out[0].reason == reason and out[0].stage == "parse"
    assert out[0].input == "in.xml"


def test_truncated_feed_keeps_the_items_before_the_cut() -> None:
    cut = RSS[: RSS.index(b"<item><title>Tre")] + b"<item><title>Tr"
    items = [o for o in parse_document(doc(cut)) if isinstance(o, Item)]
    assert [i.title_raw for i in items[:2]] == ["En", "To"]
    # the cut item may come through half-read; normalise then rejects it as empty
    assert all(not i.title_raw and not i.summary_raw for i in items[2:])


def test_wire_text_parses_date_and_body(seed_path: Path) -> None:
    (item,) = parse_document(doc(seed_path.read_bytes(), str(seed_path)))
    assert isinstance(item, Item)
    assert item.format == "wire" and item.published_raw == "2022-06"
    assert item.content_raw is not None and item.content_raw.startswith("Russlands president")


def test_samples_parse_without_rejects_at_this_stage() -> None:
    for path in sorted(SAMPLES.iterdir()):
        out = parse_document(doc(path.read_bytes(), str(path)))
        assert out and all(isinstance(o, Item) for o in out), path.name


def test_decode_text_falls_back_to_windows_1252() -> None:
    assert decode_text("Blåbær på Østlandet".encode("cp1252")) == "Blåbær på Østlandet"
    assert decode_text("Blåbær".encode()) == "Blåbær"


def test_source_slug_is_path_safe() -> None:
    assert source_slug("https://www.nrk.no/toppsaker.rss") == "nrk.no"
    assert source_slug("../../etc/passwd") == "etc-passwd"
    assert source_slug("") is None
