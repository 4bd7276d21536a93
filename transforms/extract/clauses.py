"""Reporting clauses in narrative text: who a sentence says speaks (`Forsker X mener ...`).

Used for what introduces a quote (the lede of a headline quote, the paragraph before dash
speech without a clause). Norwegian puts the finite verb second: the subject stands before the
verb (`Brannsjef Kari Hansen advarer ...`) or, when something else opens the sentence, right
after it (`No fryktar industrieigar Atle Brynestad at ...`, `..., mener ordføreren.`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nordwire.schemas.items import Mention
from nordwire.transforms.extract.quotes import VERBS
from nordwire.transforms.extract.speakers import (
    PRONOUNS,
    capital,
    clean_speaker,
    is_agency,
    is_role,
    words,
)

Lexicon = Mapping[str, tuple[str, ...]]
Speaker = tuple[str | None, str | None]  # (resolved, as written)

# Verbs of a lede that says who speaks: the reporting verbs and the stances a headline quotes.
_STANCE_WORDS = (
    "frykter fryktar tror trur reagerer reagerte reager kritiserer kritiserte jubler raser "
    "rasar ber bad krever krev etterlyser beklager håper håpar fortviler fortvilar tviler "
    "lover lovar varsler varslar slår"
)
# ... but not the verbs that report speech only in a clause after a quote ("la han til").
_CLAUSE_ONLY = words("la legger ler smiler roper ropte sukker sukka")
_REPORTING = frozenset(VERBS) - _CLAUSE_ONLY
_LEDE_VERB = re.compile(
    r"\b(?:"
    + "|".join(sorted(_REPORTING | set(_STANCE_WORDS.split()), key=len, reverse=True))
    + r")\b"
)
# Words before a verb that leave the subject after it (Norwegian puts the verb second).
_FRONTED = words(
    "nå no da så samtidig her der likevel derfor også men og det dette dét etterpå tidligere "
    "seinare senere først dermed slik"
)
_FRONTED_TIME = re.compile(
    r"(?:i (?:dag|går|kveld|morgon|morgen|natt|helga|helgen|år)|til slutt|"
    r"(?:man|mån|tirs|tys|ons|tors|fre|lør|laur|søn|sun)dag(?:s?kveld|\s+\w+)?)",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?:]+|$)")
# A dateline or a score line before a lede: "OSLO/BRUSSEL (VG)", "FRANKRIKE (TV 2) :",
# "(Stjernen - Vålerenga 1–2)".
_DATELINE = re.compile(r"\s*(?:[A-ZÆØÅ][A-ZÆØÅ/ .-]*\s*)?\([^()\n]{1,60}\)\s*:?\s*")
# Newsrooms: the medium a statement was given to, never its speaker.
MEDIA = words(
    "nrk vg dagbladet aftenposten nettavisen e24 dn tv2 bt adresseavisen aftenbladet "
    "klassekampen dagsavisen finansavisen expressen cnn bbc"
)


def _subject(
    text: str,
    start: int,
    verb_start: int,
    field: str,
    mentions: Sequence[Mention],
    lexicon: Lexicon,
) -> Speaker | None:
    """The subject before a reporting verb when it is a short noun phrase that names somebody."""
    phrase = text[start:verb_start]
    lead = len(phrase) - len(phrase.lstrip(" –—-"))
    phrase = phrase.strip(" –—-").rstrip(",").strip()
    tokens = phrase.split()
    # a noun phrase, not a clause: short, or a name with its apposition ("X, direktør i Y")
    if not tokens or len(tokens) > (12 if "," in phrase else 6) or is_agency(phrase):
        return None
    if tokens[-1].lower() in PRONOUNS | {"og", "men", "eller"}:
        return None  # "... om det hun beskriver": the subject of another clause
    s = start + lead
    named = [m for m in mentions if m.field == field and s <= m.start and m.end <= s + len(phrase)]
    person = next((m.normalised for m in named if m.label == "PER"), None)
    if person is not None:
        return person, clean_speaker(phrase) or phrase
    org = next((m.normalised for m in named if m.label == "ORG" and m.start - s <= 1), None)
    if org is not None:
        return org, phrase
    first = tokens[0].strip("«»,.()").lower()
    name = all(capital(t) or t in ("og", "&") for t in tokens) and len(tokens) <= 4
    if is_role(phrase) or (name and "lc" not in lexicon.get(first, ("lc",))):
        return (None, None) if first in MEDIA else (phrase, phrase)
    return None


def _inverted(
    text: str,
    at: int,
    end: int,
    field: str,
    mentions: Sequence[Mention],
    lexicon: Lexicon,
    strict: bool,
) -> Speaker | None:
    """The subject after a verb (`..., mener X.`, `No fryktar X at ...`): a person the tagger
    found there, else (not `strict`) the words that describe somebody."""
    rest = text[at:end]
    cut = re.search(r"\s(?:at|om|som)\s|,|[.!?:]", rest)
    phrase = (rest[: cut.start()] if cut else rest).strip()
    if not phrase or is_agency(phrase) or phrase.split()[0].lower().strip(".,") in MEDIA:
        return None
    s = at + rest.index(phrase)
    raw = clean_speaker(phrase)
    for m in mentions:
        if m.field == field and m.label == "PER" and s <= m.start and m.end <= s + len(phrase):
            return m.normalised, raw
    if raw is None or raw in PRONOUNS or strict:
        return None
    return raw, raw


def narrative_speaker(
    text: str,
    start: int,
    end: int,
    field: str,
    mentions: Sequence[Mention],
    lexicon: Lexicon,
) -> Speaker | None:
    """The speaker of a reporting clause in the sentence text[start:end] (quotations masked):
    the subject before the verb (`Forsker Cecilie Hellestveit mener ...`, `Forskar ved
    Forsvarets høgskule, Geir Hågen Karlsen, seier ...`) or after it when something else
    comes first (`No fryktar industrieigar Atle Brynestad at ...`, `..., sier X`)."""
    dateline = _DATELINE.match(text, start, end)
    if dateline is not None and dateline.start() == start:
        start = dateline.end()
    sentence = text[start:end]
    for v in _LEDE_VERB.finditer(sentence):
        before = sentence[: v.start()].strip(" –—-")
        if not before:
            continue  # "Mener ...": a verb-first line names nobody
        verb_start, after = start + v.start(), start + v.end()
        reporting = v.group() in _REPORTING
        chunks = before.rstrip(",").split(",")
        # "Forskar ved Forsvarets høgskule, Geir Hågen Karlsen, seier": a name in apposition
        apposition = 2 <= len(chunks) <= 3 and len(before.split()) <= 12
        fronted = before.lower() in _FRONTED or bool(_FRONTED_TIME.fullmatch(before))
        if (before.endswith(",") and not apposition) or fronted:
            found = _inverted(text, after, end, field, mentions, lexicon, not reporting)
        else:
            found = _subject(text, start, verb_start, field, mentions, lexicon)
            # "Konsekvensen mener Carsten Five ...": an object first, the person after the verb
            found = found or _inverted(text, after, end, field, mentions, lexicon, True)
        if found is not None:
            return None if found[0] is None else found
    return None
