"""Direct quotations in Norwegian typography, with the speaker from the reporting clause."""

from __future__ import annotations

import re
from dataclasses import dataclass

VERBS = [
    "sa",
    "sier",
    "sei",
    "seier",
    "uttalte",
    "uttaler",
    "skriver",
    "skreiv",
    "skrev",
    "skrive",
    "mener",
    "meiner",
    "meinte",
    "mente",
    "forteller",
    "fortel",
    "fortalte",
    "opplyser",
    "opplyste",
    "understreker",
    "understreka",
    "understreket",
    "påpeker",
    "påpekte",
    "hevder",
    "hevdet",
    "hevda",
    "advarer",
    "advarte",
    "svarer",
    "svarte",
    "svara",
    "legger",
    "la",
    "konkluderer",
    "erkjenner",
    "bekrefter",
    "bekreftet",
    "stadfester",
    "tilføyer",
    "spør",
    "spurte",
    "roper",
    "ropte",
    "smiler",
    "ler",
    "innrømmer",
    "innrømte",
]
_VERB = "|".join(sorted(VERBS, key=len, reverse=True))
PRONOUNS = frozenset({"han", "hun", "ho", "de", "dei", "vi", "eg", "jeg", "den", "det"})
# Speaker after the verb: a name (capitalised words), a pronoun, or a lower-case role noun.
_SPEAKER = r"(?P<speaker>(?:[A-ZÆØÅ][\w'’.-]*(?:\s+(?:[A-ZÆØÅ][\w'’.-]*|von|van|de|al))*)|[a-zæøå][\w-]*(?:en|erne|ane|a|et)?|han|hun|ho|de|dei)"
_AFTER = re.compile(rf"^\s*,?\s*(?P<verb>{_VERB})\s+{_SPEAKER}", re.UNICODE)
_BEFORE = re.compile(rf"{_SPEAKER}\s+(?P<verb>{_VERB})(?:\s+\w+)?\s*:\s*$", re.UNICODE)
_GUILLEMETS = re.compile(r"«(?P<q>[^«»]{2,2000})»")
_CURLY = re.compile(r"[“\"](?P<q>[^“”\"]{2,2000})[”\"]")
_DASH_LINE = re.compile(r"(?m)^[–—-]\s+(?P<body>.+)$")
MIN_WORDS_WITHOUT_VERB = 4


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation: text, offsets in the source text, speaker as written, and the verb."""

    quote: str
    start: int
    end: int
    speaker: str | None
    verb: str | None


def _clean_speaker(raw: str | None) -> str | None:
    if not raw:
        return None
    words = raw.split()
    # "Putin i uttalelser": stop at the first lower-case word after a name.
    if words[0][:1].isupper():
        kept = [w for w in words if w[:1].isupper() or w in ("von", "van", "de", "al")]
        cut = []
        for w in words:
            if w not in kept:
                break
            cut.append(w)
        return " ".join(cut).rstrip(".,")
    return words[0].rstrip(".,")


def _dash_quotes(text: str) -> list[Quote]:
    out: list[Quote] = []
    for m in _DASH_LINE.finditer(text):
        body, start = m.group("body"), m.start("body")
        # The reporting clause is the last ", <verb> <speaker>" in the paragraph.
        best = None
        for clause in re.finditer(rf",\s*(?P<verb>{_VERB})\s+{_SPEAKER}", body):
            best = clause
        if best is not None:
            quote = body[: best.start()].strip()
            out.append(
                Quote(
                    quote,
                    start,
                    start + len(quote),
                    _clean_speaker(best.group("speaker")),
                    best.group("verb"),
                )
            )
        else:
            quote = body.strip()
            out.append(Quote(quote, start, start + len(quote), None, None))
    return out


def _quoted(text: str, pattern: re.Pattern[str]) -> list[Quote]:
    out: list[Quote] = []
    for m in pattern.finditer(text):
        q = m.group("q").strip()
        after = _AFTER.match(text[m.end() : m.end() + 120])
        before = _BEFORE.search(text[max(0, m.start() - 120) : m.start()])
        clause = after or before
        if clause is None and len(q.split()) < MIN_WORDS_WITHOUT_VERB:
            continue  # a scare quote or a title: «uakseptabelt»
        speaker = _clean_speaker(clause.group("speaker")) if clause else None
        out.append(
            Quote(
                q.rstrip(","),
                m.start("q"),
                m.start("q") + len(q.rstrip(",")),
                speaker,
                clause.group("verb") if clause else None,
            )
        )
    return out


def find_quotes(text: str) -> list[Quote]:
    """Dash-introduced speech, «guillemets» and double quotes, in text order, without overlaps."""
    found = sorted(
        _dash_quotes(text) + _quoted(text, _GUILLEMETS) + _quoted(text, _CURLY),
        key=lambda q: (q.start, -q.end),
    )
    out: list[Quote] = []
    for q in found:
        if q.quote and not any(o.start <= q.start < o.end for o in out):
            out.append(q)
    return out
