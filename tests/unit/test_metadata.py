"""Basic extraction: wire structure (caption, credit, byline, sub-headings) and feed metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.extract.metadata import (
    extract_metadata,
    is_byline,
    is_subheading,
    split_wire,
)
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.normalise import normalise

from tests.conftest import FETCHED, make_item

WIRE = """Statsråden svarte på spørsmål. Foto: Kari Lien / NTB

Av Kari Lien

Regjeringen vil gi kommunene mer penger, opplyste statsråden.

– Dette er viktig, sa statsråden.

Kritikk fra opposisjonen

Opposisjonen mener tiltaket ikke er nok.

«Det rekker ikke», skriver lederen.
"""


def test_split_wire_finds_caption_credit_byline_and_subheadings() -> None:
    parts = split_wire(WIRE)
    assert parts.caption == "Statsråden svarte på spørsmål."
    assert parts.credits == ("Kari Lien / NTB",)
    assert parts.byline == "Kari Lien"
    assert parts.subheadings == ("Kritikk fra opposisjonen",)
    assert "Kritikk fra opposisjonen" not in parts.body
    assert parts.body.startswith("Regjeringen vil gi") and parts.body.endswith("skriver lederen.")


def test_byline_and_subheading_rules() -> None:
    assert is_byline("NTB") and is_byline("Ola Nordmann, NTB") and is_byline("Av Kari Lien")
    assert not is_byline("Regjeringen vil gi kommunene mer penger.")
    assert is_subheading("Angrep fra Belarus")
    assert not is_subheading("– De neste månedene vil vi overføre")
    assert not is_subheading("Han sa nei.")


def test_seed_article(seed_path: Path) -> None:
    raw = RawDocument(input=str(seed_path), data=seed_path.read_bytes(), fetched_at=FETCHED)
    (item,) = parse_document(raw)
    assert isinstance(item, Item)
    out = extract_metadata(normalise(item))
    assert out.byline == "NTB" and out.source == "ntb"
    assert out.credits == ("Pool via AP / NTB",)
    assert out.caption is not None and out.caption.startswith(
        "Russlands president Vladimir Putin (t.h.)"
    )
    assert out.subheadings == ("Angrep fra Belarus", "Grunnlovsendring")
    assert out.body is not None
    assert "Angrep fra Belarus" not in out.body and "Grunnlovsendring\n" not in out.body
    assert out.date_precision == "month"
    assert out.published_at == datetime(2022, 5, 31, 22, 0, tzinfo=UTC)


def test_feed_item_byline_credit_and_dates() -> None:
    item = make_item(
        authors=("Ingrid Berg", "Ola Haugland"),
        summary="Tekst.\n\nFoto: Terje Pedersen / NTB",
        published_raw="Sun, 10 Mar 2024 21:40:00 CET",
        updated_raw="2024-03-10T22:00:00+01:00",
    )
    out = extract_metadata(item)
    assert out.byline == "Ingrid Berg, Ola Haugland"
    assert out.credits == ("Terje Pedersen / NTB",)
    assert out.published_at == datetime(2024, 3, 10, 20, 40, tzinfo=UTC)
    assert out.updated_at == datetime(2024, 3, 10, 21, 0, tzinfo=UTC)
    assert out.date_precision == "time"
