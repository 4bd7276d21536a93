"""Normalise: HTML to text, entities, mojibake, NFC, whitespace."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
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


_SPACE_LIKE = "\t\u00a0\u2000\u2005\u200a\u202f\u205f\u3000"
_INVISIBLE_CHARS = "\u00ad\u180e\u200b\u200c\u200e\u200f\u202a\u202e\u2060\u2064\u2066\u2069\ufeff"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ord", "Å", " ", "\n", "\u200d", "\U0001f600", *_SPACE_LIKE, *_INVISIBLE_CHARS]),
        max_size=30,
    )
)
def test_spaces_collapse_and_invisible_characters_go_everywhere_in_the_text(parts: list[str]) -> None:
    text = clean_text("".join(parts), markup=False)
    if text is None:
        return
    for line in text.split("\n"):
        assert line == line.strip() and "  " not in line
        assert not set(line) & set(_SPACE_LIKE + _INVISIBLE_CHARS)
    # A zero-width joiner stays only where it builds a glyph: after an emoji.
    assert all(text[i - 1] == "\U0001f600" for i, c in enumerate(text) if c == "\u200d")


def test_mojibake_of_polish_and_czech_letters_is_repaired() -> None:
    # UTF-8 read as Windows-1252: š ł ż ń leave Å and a second character behind.
    assert clean_text("Å¡koda") == "škoda"
    assert clean_text("Wojciech PrzybyÅ‚a og Katowice-Å»ory") == "Wojciech Przybyła og Katowice-Żory"
    assert clean_text("Lech WaÅ‚Ä™sa besøkte Oslo") == "Lech Wałęsa besøkte Oslo"


def test_a_text_with_the_letter_a_ring_is_not_changed_as_mojibake() -> None:
    # Å is a Norwegian letter, not a trace of mojibake: the text is left as written, curly
    # quotes and all, as the same text without an Å is.
    for text in ("Årets “beste” sak fra Ålesund", "Arets “beste” sak fra Alesund", "Åse så ﬁne Å"):
        assert clean_text(text) == text
