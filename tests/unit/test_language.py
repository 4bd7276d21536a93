"""Language: Norwegian kept with its variety; Danish, Swedish and English are not Norwegian."""

from __future__ import annotations

import pytest
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.language.detect import LanguageDetector, detect_language

from tests.conftest import make_item


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Regjeringen vil bruke mer penger på forsvaret, sier statsministeren. Opposisjonen mener det er for lite og for sent.",
            "nb",
        ),
        (
            "Helseføretaket seier at dei ikkje har råd til å halde alle sengene opne når underskotet veks.",
            "nn",
        ),
        (
            "Den danske regering foreslår, at pensionsalderen skal stige til 70 år, og flere partier har allerede sagt nej.",
            "da",
        ),
        (
            "Polisen misstänker att bränderna är anlagda och söker nu efter vittnen i Göteborg.",
            "sv",
        ),
        ("Norway and Russia have agreed to cut next year's cod quota by a fifth.", "en"),
    ],
)
def test_detects_language_and_variety(detector: LanguageDetector, text: str, language: str) -> None:
    result = detector.detect(text)
    assert result.language == language
    assert result.norwegian == (language in ("nb", "nn"))
    assert 0.0 <= result.confidence <= 1.0


def test_detection_is_deterministic(detector: LanguageDetector) -> None:
    text = "Kort tekst om vêret"
    assert len({detector.detect(text) for _ in range(5)}) == 1
    assert LanguageDetector().detect(text) == detector.detect(text)


def test_no_letters_is_undetermined(detector: LanguageDetector) -> None:
    assert detector.detect("12345 !!!").language == "und"


def test_non_norwegian_item_is_rejected_with_the_language(detector: LanguageDetector) -> None:
    item = make_item(
        item_index=3,
        title="Fishing quotas cut",
        summary="Norway and Russia have agreed to cut the cod quota.",
    )
    out = detect_language(item, detector)
    assert isinstance(out, Reject)
    assert out.reason == "not_norwegian" and out.detected_language == "en" and out.item_index == 3


def test_norwegian_item_records_what_text_was_used(detector: LanguageDetector) -> None:
    item = make_item(
        title="Sjukehuset må kutte",
        summary="Helseføretaket seier at dei ikkje har råd til å halde sengene opne.",
    )
    out = detect_language(item, detector)
    assert isinstance(out, Item)
    assert (out.language, out.variety, out.language_text) == ("nn", "nn", "title+summary")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Программы для Nokia 5800 и Nokia N97: новая версия программы", "ru"),
        ("²»¹éÒÆÃñÂþ»­ÏµÁУº×¨Òµ¹¤×÷ ëÁË ÐÅÒÅÖÉÔØ ÎÏ×ÏÇÏÄÎÀÀ", "und"),
        ("5.", "und"),
    ],
)
def test_other_scripts_mojibake_and_too_little_text_are_not_norwegian(
    detector: LanguageDetector, text: str, language: str
) -> None:
    result = detector.detect(text)
    assert not result.norwegian and result.language == language
