"""Language stage: langdetect (seeded) plus Scandinavian function-word evidence; bokmål or nynorsk."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException

from schemas.items import Item
from schemas.rejects import Reject, excerpt_of

STAGE = "language"
PREFIX_CHARS = 1000  # accuracy holds at this length (see issue 5) and langdetect cost grows with it

# Function words of one language that the others do not use (or rarely): evidence for the
# Scandinavian decision. Shared words (ikke, jeg, hvor, og, ...) are deliberately absent.
_DA = frozenset(
    [
        "af",
        "hvad",
        "nu",
        "efter",
        "mig",
        "dig",
        "meget",
        "nogle",
        "noget",
        "nogen",
        "sådan",
        "blev",
        "gennem",
        "mellem",
        "uden",
        "været",
        "havde",
        "have",
        "sige",
        "siger",
        "sagde",
        "lige",
        "tilbage",
        "op",
        "ud",
        "ind",
        "aldrig",
        "måske",
        "blive",
        "gøre",
        "gør",
        "give",
        "tage",
        "spørgsmål",
        "fik",
        "hjælp",
        "kvinde",
        "mand",
        "mænd",
        "købe",
        "øjeblik",
    ]
)
_SV = frozenset(
    [
        "och",
        "inte",
        "är",
        "jag",
        "att",
        "för",
        "från",
        "till",
        "också",
        "hade",
        "mycket",
        "någon",
        "något",
        "några",
        "bara",
        "vara",
        "varit",
        "säger",
        "sade",
        "mellan",
        "utan",
        "redan",
        "än",
        "här",
        "där",
        "vad",
        "hur",
        "varför",
        "vem",
        "när",
        "kvinna",
        "människor",
        "polisen",
    ]
)
_NO = frozenset(
    [
        "hva",
        "kva",
        "vært",
        "vore",
        "mye",
        "mykje",
        "noe",
        "noko",
        "noen",
        "nokon",
        "fikk",
        "fekk",
        "mer",
        "meir",
        "sier",
        "seier",
        "nå",
        "ble",
        "blei",
        "vart",
        "etter",
        "tilbake",
        "kanskje",
        "regjeringen",
        "regjeringa",
        "seg",
        "gjør",
        "gjer",
        "vet",
        "veit",
        "av",
        "ut",
        "opp",
        "inn",
        "mellom",
        "uten",
        "gjennom",
        "aldri",
        "bli",
        "gi",
        "si",
        "sa",
        "hadde",
        "meg",
        "deg",
        "slik",
        "sånn",
        "ikkje",
        "eg",
        "ein",
        "eit",
        "frå",
        "berre",
        "vere",
        "dei",
        "ho",
        "hjå",
        "korleis",
        "kvifor",
        "kven",
        "kvar",
        "òg",
        "medan",
        "sjølv",
        "sidan",
        "kjem",
        "kome",
        "kvinne",
        "menn",
        "kjøpe",
        "øyeblikk",
        "spørsmål",
        "hjelp",
    ]
)
# Variety markers: bokmål forms and their nynorsk counterparts.
_NB_ONLY = frozenset(
    [
        "ikke",
        "jeg",
        "hva",
        "hvordan",
        "hvorfor",
        "hvem",
        "hvor",
        "en",
        "et",
        "fra",
        "bare",
        "være",
        "vært",
        "mye",
        "noe",
        "noen",
        "de",
        "disse",
        "hele",
        "fikk",
        "mer",
        "sier",
        "hun",
        "vi",
        "hos",
        "nå",
        "ble",
        "sammen",
        "kirke",
        "flere",
        "egen",
        "mens",
        "selv",
        "siden",
        "vet",
        "komme",
        "gjør",
        "kommer",
        "senere",
        "første",
        "hennes",
        "deres",
        "også",
        "regjeringen",
    ]
)
_NN_ONLY = frozenset(
    [
        "ikkje",
        "eg",
        "kva",
        "korleis",
        "kvifor",
        "kven",
        "kvar",
        "ein",
        "eit",
        "frå",
        "berre",
        "vere",
        "vore",
        "mykje",
        "noko",
        "nokon",
        "dei",
        "desse",
        "heile",
        "fekk",
        "meir",
        "seier",
        "ho",
        "me",
        "hjå",
        "vart",
        "saman",
        "kyrkje",
        "fleire",
        "eigen",
        "medan",
        "sjølv",
        "sidan",
        "veit",
        "kome",
        "gjer",
        "kjem",
        "seinare",
        "fyrste",
        "hennar",
        "deira",
        "òg",
        "regjeringa",
        "blei",
    ]
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SWEDISH_LETTERS = re.compile(r"[äöÄÖ]")


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector decided for one text."""

    language: str  # nb, nn or no for Norwegian; an ISO 639-1 code otherwise; und if unknown
    norwegian: bool
    variety: str | None
    confidence: float


def marker_counts(text: str) -> dict[str, int]:
    """How many distinctive function words of bokmål, nynorsk, Norwegian, Danish and Swedish."""
    counts = {"nb": 0, "nn": 0, "no": 0, "da": 0, "sv": 0}
    sets = (("nb", _NB_ONLY), ("nn", _NN_ONLY), ("no", _NO), ("da", _DA), ("sv", _SV))
    for word in _WORD.findall(text.lower()):
        for key, words in sets:
            if word in words:
                counts[key] += 1
    counts["sv"] += len(_SWEDISH_LETTERS.findall(text)) // 2
    return counts


def variety_of(counts: dict[str, int]) -> str | None:
    """nb or nn when the function words tell, else None."""
    if counts["nn"] > counts["nb"]:
        return "nn"
    if counts["nb"] > counts["nn"]:
        return "nb"
    return None


class LanguageDetector:
    """Seeded langdetect with Scandinavian tie-breaking; build once per worker (profiles are large)."""

    def __init__(self, seed: int = 0) -> None:
        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(seed)

    def _probabilities(self, text: str) -> dict[str, float]:
        detector = self._factory.create()
        detector.append(text)
        try:
            return {p.lang: p.prob for p in detector.get_probabilities()}
        except LangDetectException:  # no letters at all
            return {}

    def detect(self, text: str) -> Detection:
        """Language of `text` (first PREFIX_CHARS characters)."""
        sample = text[:PREFIX_CHARS]
        probs = self._probabilities(sample)
        if not probs:
            return Detection("und", False, None, 0.0)
        top = max(probs, key=lambda k: probs[k])
        counts = marker_counts(sample)
        if top in ("no", "da", "sv"):
            scand = {
                "no": float(counts["no"]),
                "da": float(counts["da"]),
                "sv": float(counts["sv"]),
            }
            evidence = {lang: probs.get(lang, 0.0) + 0.2 * n for lang, n in scand.items()}
            top = max(evidence, key=lambda k: evidence[k])
            confidence = min(1.0, evidence[top] / max(1e-9, sum(evidence.values())))
        else:
            confidence = probs[top]
        if top != "no":
            return Detection(top, False, None, round(confidence, 4))
        variety = variety_of(counts)
        return Detection(variety or "no", True, variety, round(confidence, 4))


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
        return Reject(
            stage=STAGE,
            reason="not_norwegian",
            input=item.input,
            fetched_at=item.fetched_at,
            source=item.source,
            item_index=item.item_index,
            article_id=item.article_id,
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
