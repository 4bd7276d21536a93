"""Normalise: HTML to text, entities, mojibake, NFC, whitespace."""

from __future__ import annotations

import unicodedata

from nordwire.transforms.normalise import clean_text, html_to_text, normalise

from tests.conftest import make_item


def test_html_becomes_paragraphs_and_scripts_vanish() -> None:
    text = clean_text(
        "<p>Første <b>avsnitt</b>.</p><script>alert('x')</script><p>Andre&nbsp;avsnitt.</p>"
    )
    assert text == "Første avsnitt.\n\nAndre avsnitt."


def test_entities_and_double_escaped_markup() -> None:
    assert clean_text("Bl&aring;b&aelig;r &amp; fl&oslash;te") == "Blåbær & fløte"
    assert (
        clean_text("&lt;p&gt;Tekst i &lt;em&gt;avsnitt&lt;/em&gt;&lt;/p&gt;") == "Tekst i avsnitt"
    )


def test_mojibake_is_repaired() -> None:
    assert clean_text("BjÃ¸rn fra TromsÃ¸ sÃ¥ nordlyset") == "Bjørn fra Tromsø så nordlyset"


def test_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Ærlig talt, på Østlandet")
    out = clean_text(decomposed)
    assert out == "Ærlig talt, på Østlandet" and unicodedata.is_normalized("NFC", out)


def test_control_characters_and_blank_text() -> None:
    assert clean_text("a\x00b\u200bc") == "abc"
    assert clean_text("   <p> </p> ") is None
    assert clean_text(None) is None


def test_literal_angle_brackets_survive() -> None:
    assert html_to_text("5 < 6 og 7 > 3") == "5 < 6 og 7 > 3"


def test_normalise_fills_clean_fields_and_drops_repeated_content() -> None:
    item = make_item(
        title_raw="<b>Tittel</b>\n  med  linjeskift",
        summary_raw="<p>Samme</p>",
        content_raw="Samme",
    )
    out = normalise(item)
    assert out.title == "Tittel med linjeskift"
    assert out.summary == "Samme" and out.body is None
