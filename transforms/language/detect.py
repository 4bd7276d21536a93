"""Language stage: keep Norwegian (bokmål or nynorsk), not Danish or Swedish; say how sure and on what.

The decision adds three kinds of evidence to the trained model's probabilities: spelling cues
(cues.py: Swedish and Danish function words, nynorsk and bokmål forms), the feed's context
(context.py: channel tag, country domain, the other items of the same document), and for a
Norwegian text the model's bokmål-vs-nynorsk classifier, which shares the Norwegian
probability between the two. `language_basis` on the row says which of them the decision used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException
from nordwire.schemas.items import Item, LanguageEvidence
from nordwire.schemas.rejects import Reject, excerpt_of
from nordwire.transforms.language.context import (
    Context,
    channel_group,
    document_votes,
    domain_group,
)
from nordwire.transforms.language.cues import cues
from nordwire.transforms.language.model import (
    CLASSES,
    MAX_CHARS,
    NORWEGIAN,
    OTHER,
    LangIdModel,
    Profiles,
    shipped_model,
    variety_inputs,
)
from nordwire.transforms.normalise import text_fields

STAGE = "language"
MIN_LETTERS = 2  # a lone letter or a number says nothing about the language
LATIN_SHARE = 0.5  # texts mostly in another script are not Norwegian, whatever the n-grams say
# Mean log-probability per 1-3-gram under the best-fitting profile: Norwegian dev sentences
# are all above -10; mojibake and unknown scripts fall below -12.
GIBBERISH_FLOOR = -11.0
# Each Swedish, Danish, English or German cue word adds this many nats to that language (at
# most CUE_MAX of them):
# a reader who sees `och` or `inte` knows the text is not Norwegian, whatever else it shares.
CUE_WEIGHT = 1.5
CUE_MAX = 4
# Words spelt as only Norwegian spells them (kjøpe, gjøre, øye, stasjon) count for Norwegian,
# less strongly: Danish and Swedish borrow a few.
NORWEGIAN_CUE_WEIGHT = 1.0
NORWEGIAN_CUE_MAX = 2
# Words Swedish shares but Danish writes otherwise (av, ut, mot) count against Danish alone.
NOT_DANISH_WEIGHT = 1.0
NOT_DANISH_MAX = 2
# The basis names `other` when the class for languages the model does not know weighed at least
# this much in the decision (it is the answer, or came close).
OTHER_EVIDENCE = 0.05
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Detection:
    """What the detector decided for one text."""

    language: str  # nb, nn or no for Norwegian; an ISO 639-1 code otherwise; und if unknown
    norwegian: bool
    variety: str | None
    confidence: float  # probability of the decision (Norwegian or not)
    basis: str = "text"  # what the decision used: text, cues, channel, domain, document


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

    def _name_other(self, text: str) -> str:
        # The model's `other`: langdetect names it among its 55 languages; when that is one of
        # the model's own, it only shows the language is none langdetect knows either.
        named = self._name_script(text)
        return "und" if named in ("no", *CLASSES) else named

    def evidence(self, text: str, label: str = "") -> LanguageEvidence:
        """What `text` (its first MAX_CHARS characters) says about its language, on its own."""
        letters = _letters(text)
        if _too_few(letters):
            return LanguageEvidence(label, len(text), (), "und", 0.0)
        latin = sum(
            1 for ch in letters if ch < "\u0250" or unicodedata.name(ch, "").startswith("LATIN")
        )
        if latin < LATIN_SHARE * len(letters):
            return LanguageEvidence(label, len(text), (), self._name_script(text), 1.0)
        probs, profile_ll, grams, nb = self._model.analyse(text, self._profiles)
        if float(profile_ll.max()) / max(1, grams) < GIBBERISH_FLOOR:
            return LanguageEvidence(label, len(text), (), "und", 1.0)
        found = cues(text)
        if found.looks_sami:
            # The model's `other` would find most Sámi too; its spelling settles it outright.
            return LanguageEvidence(label, len(text), (), "se", 1.0, found.words, cues=True)
        log_p = np.log(np.maximum(probs, 1e-12))
        for lang, n in found.foreign().items():
            log_p[CLASSES.index(lang)] += CUE_WEIGHT * min(n, CUE_MAX)
        for lang in NORWEGIAN:
            log_p[CLASSES.index(lang)] += NORWEGIAN_CUE_WEIGHT * min(
                found.norwegian, NORWEGIAN_CUE_MAX
            )
        log_p[CLASSES.index("da")] -= NOT_DANISH_WEIGHT * min(found.not_danish, NOT_DANISH_MAX)
        if self._model.has_variety:
            _split_variety(
                log_p,
                self._model.variety_logit(
                    variety_inputs(nb, found.nynorsk, found.bokmal, found.words)
                ),
            )
        return LanguageEvidence(
            label,
            len(text),
            tuple(log_p.tolist()),
            words=found.words,
            nynorsk=found.nynorsk,
            bokmal=found.bokmal,
            cues=bool(found.names),
        )

    def decide(
        self, evidence: LanguageEvidence, context: Context | None = None, text: str | None = None
    ) -> Detection:
        """The decision on a text's own `evidence` in its feed's `context`; `text` names a
        language the model has no class for (without it, such a language is `other`)."""
        used = ["text", "cues"] if evidence.cues else ["text"]
        if evidence.settled is not None:
            return Detection(evidence.settled, False, None, evidence.confidence, "+".join(used))
        context = context or Context()
        prior, names = context.log_prior(evidence.words)
        log_p = np.asarray(evidence.log_p) + prior
        used.extend(names)
        log_p -= np.logaddexp.reduce(log_p)
        probs = dict(zip(CLASSES, np.exp(log_p).tolist(), strict=True))
        if probs[OTHER] >= OTHER_EVIDENCE:
            used.append("other")
        basis = "+".join(used)
        p_no = probs["nb"] + probs["nn"]
        if p_no >= 0.5:
            variety = _variety(probs, evidence.nynorsk, evidence.bokmal, context.favoured_variety())
            return Detection(variety or "no", True, variety, round(p_no, 4), basis)
        named = max((c for c in CLASSES if c not in NORWEGIAN), key=probs.__getitem__)
        if named == OTHER and text is not None:
            named = self._name_other(text)
        return Detection(named, False, None, round(1.0 - p_no, 4), basis)

    def detect(self, text: str, context: Context | None = None) -> Detection:
        """Language of `text` (its first MAX_CHARS characters), in its feed's `context` if given."""
        return self.decide(self.evidence(text), context, text)


def _split_variety(log_p: np.ndarray, logit: float) -> None:
    """Share the Norwegian probability in `log_p` (over CLASSES) between bokmål and nynorsk by
    the variety classifier's `logit` for nynorsk; the Norwegian total stays as it was."""
    nb, nn = CLASSES.index("nb"), CLASSES.index("nn")
    norwegian = np.logaddexp(log_p[nb], log_p[nn])
    log_p[nb] = norwegian - np.logaddexp(0.0, logit)
    log_p[nn] = norwegian - np.logaddexp(0.0, -logit)


def _variety(
    probs: dict[str, float], nynorsk: int, bokmal: int, favoured: str | None = None
) -> str | None:
    """nb, nn or None (undecided) for a text judged Norwegian.

    Forms only one standard writes (ikkje/ikke, eg/jeg, frå/fra) decide when they all point
    one way; otherwise the variety classifier's share (with the feed's mix of varieties as its
    prior) decides, and a tie goes to the variety the feed `favoured` (most of its other items),
    else is undecided.
    """
    if nynorsk and not bokmal:
        return "nn"
    if bokmal and not nynorsk:
        return "nb"
    if probs["nn"] != probs["nb"]:
        return "nn" if probs["nn"] > probs["nb"] else "nb"
    return favoured


def detection_text(item: Item) -> tuple[str, str]:
    """(text, label of what it is made of): title plus summary, else title plus body."""
    return _compose(item.title, item.summary, item.body)


def _compose(title: str | None, summary: str | None, body: str | None) -> tuple[str, str]:
    parts = [("title", title), ("summary", summary)]
    if not summary or len(summary) < 200:
        parts.append(("body", body))
    used = [(name, t) for name, t in parts if t]
    return "\n".join(t for _, t in used), "+".join(name for name, _ in used)


def item_context(item: Item) -> Context:
    """The evidence an item carries besides its text: channel tag, host country, the other
    items' votes, its own xml:lang."""
    return Context(
        channel=channel_group(item.feed_language),
        domain=domain_group(item.link or item.url) or domain_group(item.source),
        votes=item.document_languages,
        item=channel_group(item.item_language),
    )


@cache
def shared_detector() -> LanguageDetector:
    """One detector per process for parsing (the stage builds its own in setup)."""
    return LanguageDetector()


def with_language_evidence(
    out: list[Item | Reject], detector: LanguageDetector | None = None
) -> list[Item | Reject]:
    """Items of one document, each given its own text's evidence and the other items' votes.

    The one reading of each item's text: the votes are the items' own decisions on it, and the
    language stage decides on the same evidence in context without reading the text again. The
    text is the one the stage would read: the fields as normalise cleans them.
    """
    items = [(i, x) for i, x in enumerate(out) if isinstance(x, Item)]
    judge = detector or shared_detector()
    evidence = [judge.evidence(*_compose(*text_fields(x))) for _, x in items]
    own = [judge.decide(e, Context(lean=False)) for e in evidence]
    votes = document_votes([(d.language, d.confidence) for d in own])
    result = list(out)
    for (i, x), e, v in zip(items, evidence, votes, strict=True):
        result[i] = x.evolve(document_languages=v, language_evidence=e)
    return result


def detect_language(item: Item, detector: LanguageDetector) -> Item | Reject:
    """Keep Norwegian items with language, variety and confidence; reject the rest with the reason."""
    text, label = detection_text(item)
    evidence = item.language_evidence
    if evidence is None or (evidence.label, evidence.chars) != (label, len(text)):
        evidence = detector.evidence(text, label)  # not parsed here, or its text changed since
    result = detector.decide(evidence, item_context(item), text)
    if not result.norwegian:
        return Reject.of_item(
            item,
            STAGE,
            "not_norwegian",
            detected_language=result.language,
            detail=f"detected {result.language} ({result.confidence:.2f}) on {label}, by {result.basis}",
            excerpt=excerpt_of(text),
        )
    return item.evolve(
        language=result.language,
        variety=result.variety,
        language_confidence=result.confidence,
        language_text=label,
        language_basis=result.basis,
        language_evidence=None,  # read: the later stages have no use for it
    )
