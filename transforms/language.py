"""Language stage: keep Norwegian (bokmål or nynorsk), not Danish or Swedish; say how sure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject, excerpt_of
from nordwire.transforms.langid import (
    CLASSES,
    MAX_CHARS,
    NORWEGIAN,
    PROFILE_LANGS,
    LangIdModel,
    Profiles,
    shipped_model,
)

STAGE = "language"
VARIETY_SHARE = 0.6  # below this share of the Norwegian probability, the variety is left open
MIN_LETTERS = 2  # a lone letter or a number says nothing about the language
LATIN_SHARE = 0.5  # texts mostly in another script are not Norwegian, whatever the n-grams say
# Mean log-probability per 1-3-gram under the best-fitting profile: Norwegian dev sentences
# are all above -10; mojibake and unknown scripts fall below -12.
GIBBERISH_FLOOR = -11.0
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector decided for one text."""

    language: str  # nb, nn or no for Norwegian; an ISO 639-1 code otherwise; und if unknown
    norwegian: bool
    variety: str | None
    confidence: float  # probability of the decision (Norwegian or not)


def _letters(text: str) -> list[str]:
    return _LETTER.findall(text[:MAX_CHARS])


def _too_few(letters: list[str]) -> bool:
    return len(letters) < MIN_LETTERS


def too_short(text: str) -> bool:
    """Fewer letters than any language can be told from."""
    return _too_few(_letters(text))


class LanguageDetector:
    """The shipped model: char n-gram Naive Bayes and langdetect's own profiles, stacked.

    langdetect's profiles are used as features rather than through its sampling detector:
    the same knowledge, deterministic, at a tenth of the cost. Build once per worker.
    """

    def __init__(self, model: LangIdModel | None = None) -> None:
        self._model = model or shipped_model()
        self._profiles = Profiles()
        self._factory: DetectorFactory | None = None

    def _name_script(self, text: str) -> str:
        # Rare in Norwegian feeds, so langdetect's full (seeded) detector can afford to name it;
        # its 55 profiles are loaded the first time one is needed, not at every worker start.
        if self._factory is None:
            self._factory = DetectorFactory()
            self._factory.load_profile(PROFILES_DIRECTORY)
            self._factory.set_seed(0)
        detector = self._factory.create()
        detector.append(text[:MAX_CHARS])
        try:
            return str(detector.detect())
        except LangDetectException:
            return "und"

    def detect(self, text: str) -> Detection:
        """Language of `text` (its first MAX_CHARS characters)."""
        letters = _letters(text)
        if _too_few(letters):
            return Detection("und", False, None, 0.0)
        latin = sum(
            1 for ch in letters if ch < "\u0250" or unicodedata.name(ch, "").startswith("LATIN")
        )
        if latin < LATIN_SHARE * len(letters):
            return Detection(self._name_script(text), False, None, 1.0)
        probs_array, profile_ll, grams = self._model.analyse(text, self._profiles)
        if float(profile_ll.max()) / max(1, grams) < GIBBERISH_FLOOR:
            return Detection("und", False, None, 1.0)
        probs = dict(zip(CLASSES, probs_array.tolist(), strict=True))
        p_no = probs["nb"] + probs["nn"]
        if p_no >= 0.5:
            share = max(probs["nb"], probs["nn"]) / p_no
            variety = (
                ("nb" if probs["nb"] >= probs["nn"] else "nn") if share >= VARIETY_SHARE else None
            )
            return Detection(variety or "no", True, variety, round(p_no, 4))
        named = max((c for c in CLASSES if c not in NORWEGIAN), key=probs.__getitem__)
        if probs[named] < 0.5:
            # None of the model's own languages is likely: name it from langdetect's profiles.
            ranked = sorted(zip(profile_ll.tolist(), PROFILE_LANGS, strict=True), reverse=True)
            named = next(lang for _, lang in ranked if lang != "no")
        return Detection(named, False, None, round(1.0 - p_no, 4))


def detection_text(item: Item) -> tuple[str, str]:
    """(text, label of what it is made of): title plus summary, else title plus body."""
    parts = [("title", item.title), ("summary", item.summary)]
    if not item.summary or len(item.summary) < 200:
        parts.append(("body", item.body))
    used = [(name, t) for name, t in parts if t]
    return "\n".join(t for _, t in used), "+".join(name for name, _ in used)


def detect_language(item: Item, detector: LanguageDetector) -> Item | Reject:
    """Keep Norwegian items with language, variety and confidence; reject the rest with the reason."""
    text, label = detection_text(item)
    result = detector.detect(text)
    if not result.norwegian:
        return Reject.of_item(
            item,
            STAGE,
            "not_norwegian",
            detected_language=result.language,
            detail=f"detected {result.language} ({result.confidence:.2f}) on {label}",
            excerpt=excerpt_of(text),
        )
    return item.evolve(
        language=result.language,
        variety=result.variety,
        language_confidence=result.confidence,
        language_text=label,
    )
