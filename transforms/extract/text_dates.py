"""Temporal expressions in Norwegian text, resolved against the publication date where it is known."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "januar": 1,
    "februar": 2,
    "mars": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "desember": 12,
}
WEEKDAYS = {
    "mandag": 0,
    "måndag": 0,
    "tirsdag": 1,
    "tysdag": 1,
    "onsdag": 2,
    "torsdag": 3,
    "fredag": 4,
    "lørdag": 5,
    "laurdag": 5,
    "søndag": 6,
    "sundag": 6,
}
SEASONS = {"vinter": 12, "våres": 3, "vår": 3, "sommer": 6, "sommar": 6, "høst": 9, "haust": 9}
RELATIVE_DAYS = {"i går": -1, "i dag": 0, "i morgen": 1, "i forgårs": -2, "i overmorgen": 2}
_MONTH = "|".join(MONTHS)
_WEEK = r"(?:uke|uka|veke|veka)"
_PATTERN = re.compile(
    rf"\b(?P<dm>(?P<day>[0-3]?\d)\.\s*(?P<dmonth>{_MONTH})(?:\s+(?P<dyear>(?:1[89]|20)\d\d))?)\b"
    rf"|\b(?P<my>(?:i\s+)?(?P<mmonth>{_MONTH})\s+(?P<myear>(?:1[89]|20)\d\d))\b"
    rf"|\b(?P<im>i\s+(?P<imonth>{_MONTH})(?:\s+(?P<imyear>i\s+fjor|i\s+år|neste\s+år))?)\b"
    rf"|\b(?P<wd>(?:(?P<cue>på|sist|kommende|førstkommende|neste|forrige|denne)\s+)?"
    rf"(?P<weekday>{'|'.join(WEEKDAYS)})(?:s?kveld|morgen|formiddag|ettermiddag|natt)?"
    rf"(?:\s+(?:i\s+)?(?P<week>forrige|neste|denne|kommende)\s+{_WEEK})?)\b"
    rf"|\b(?P<fjorseason>i\s+fjor\s*(?P<fsname>{'|'.join(SEASONS)}))\b"
    rf"|\b(?P<season>i\s+(?P<sname>{'|'.join(SEASONS)}))\b"
    rf"|\b(?P<rel>{'|'.join(RELATIVE_DAYS)})\b"
    r"|\b(?P<fjor>i\s+fjor)\b"
    r"|\b(?P<iyear>i\s+(?P<year>(?:1[89]|20)\d\d))\b",
    re.IGNORECASE,
)
# Tense of the sentence around a bare weekday: news looks back unless the verbs look ahead.
_FUTURE_WORDS = (
    "skal vil blir kommer planlegger ventes venter starter begynner åpner spilles arrangeres "
    "møtes holdes avgjøres presenteres lanseres legges går braker kjem byrjar opnar vert "
    "møter spiller gjester besøker reiser holder arrangerer legger legg"
)
_PAST_WORDS = (
    "ble var hadde har sa fikk kom gikk skjedde døde vant tapte møtte spilte startet åpnet "
    "fant tok ga sto satt lå meldte skrev uttalte måtte fortalte vart "
    "blei fekk gjekk sette slo døydde "
    "opplyste kunngjorde varslet varsla bekreftet bekrefta avslørte vedtok sendte ankom landet "
    "brant omkom forsvant signerte presenterte annonserte pågrep arresterte traff angrep dro "
    "reiste la ringte mistet slapp ankom besøkte talte svarte sluttet kollapset eksploderte "
    "pågrepet arrestert funnet drept skadd omkommet meldt sendt"
)
_FUTURE = frozenset(_FUTURE_WORDS.split())
_PAST = frozenset(_PAST_WORDS.split())
_CUE_FUTURE = frozenset({"kommende", "førstkommende", "neste"})
_CUE_PAST = frozenset({"forrige", "sist"})
_SENTENCE = re.compile(r"[.!?\n]")
# Where a clause ends inside a sentence: a comma, a dash, "at", "og", "men", "som", "fordi".
_CLAUSE = re.compile(r"[,;:–]|\s(?:at|og|men|som|fordi|etter at|før|mens)\s")
_DATED = re.compile(r"\s+(?:den\s+)?[0-3]?\d\.\s*(?:" + _MONTH + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TimeExpression:
    """A date in the text: its words, offsets, ISO value (None if it cannot be resolved) and precision."""

    text: str
    start: int
    end: int
    value: str | None
    precision: str  # day, month, season, year, or unresolved


def _closest_year(month: int, anchor: date) -> int:
    # News mostly looks back: a month later in the year than the anchor is last year's,
    # unless it is only a few months ahead (plans, schedules).
    if month <= anchor.month or month - anchor.month <= 3:
        return anchor.year
    return anchor.year - 1


def _tense(text: str, start: int, end: int) -> int:
    """The tense around [start, end): > 0 ahead (skal, blir, møter: the present of a fixture
    is its future), < 0 back (ble, var, opplyste), 0 undecided. The clause the weekday stands
    in decides ("Mandag ble det kjent at regjeringen vil kutte" looks back); only when it has no
    tense word does the whole sentence."""
    window = max(0, start - 200)  # bounded both ways: a text without full stops stays linear
    left = max((m.end() for m in _SENTENCE.finditer(text, window, start)), default=window)
    right_m = _SENTENCE.search(text, end, end + 200)
    right = right_m.start() if right_m else min(len(text), end + 200)
    clause_left = max((m.end() for m in _CLAUSE.finditer(text, left, start)), default=left)
    clause_right_m = _CLAUSE.search(text, end, right)
    clause_right = clause_right_m.start() if clause_right_m else right
    for a, b in ((clause_left, clause_right), (left, right)):
        words = re.findall(r"\w+", (text[a:start] + " " + text[end:b]).lower())
        tense = sum(w in _FUTURE for w in words) - sum(w in _PAST for w in words)
        if tense:
            return tense
    return 0


def _weekday(g: dict[str, str | None], anchor: date, tense: int) -> date:
    """The day a weekday expression names: by its week (i forrige uke), its cue word
    (kommende, neste, forrige, sist, på) or, bare, the tense of its sentence."""
    wanted = WEEKDAYS[(g["weekday"] or "").lower()]
    cue = (g["cue"] or "").lower()
    week = (g["week"] or "").lower()
    monday = anchor - timedelta(days=anchor.weekday())
    if week:
        shift = {"forrige": -7, "neste": 7, "kommende": 7}.get(week, 0)
        return monday + timedelta(days=shift + wanted)
    if cue == "denne":
        return monday + timedelta(days=wanted)
    # "på lørdag" looks ahead unless its sentence is told in the past.
    forward = cue in _CUE_FUTURE or (cue == "på" and tense >= 0) or (not cue and tense > 0)
    if forward:
        days = (wanted - anchor.weekday()) % 7
        if days == 0 and cue in ("neste", "kommende", "førstkommende", "på"):
            days = 7
        return anchor + timedelta(days=days)
    back = (anchor.weekday() - wanted) % 7
    if back == 0 and cue in _CUE_PAST:
        back = 7
    return anchor - timedelta(days=back)


def find_dates(text: str, anchor: date | None, precision: str) -> list[TimeExpression]:
    """Every temporal expression, resolved against the local publication day `anchor` where possible.

    `precision` is the anchor's own (time, day, month, ...): weekdays and "i går" need a known day.
    A date joined by a hyphen to a word is part of a name ("6. januar-komiteen"), not a date.
    """
    day_known = anchor is not None and precision in ("time", "day")
    out: list[TimeExpression] = []
    for m in _PATTERN.finditer(text):
        if text[m.end() : m.end() + 1] in ("-", "–") and text[m.end() + 1 : m.end() + 2].isalnum():
            continue
        value: str | None = None
        kind = "unresolved"
        g = m.groupdict()
        try:
            if g["dm"]:
                month = MONTHS[g["dmonth"].lower()]
                year = (
                    int(g["dyear"])
                    if g["dyear"]
                    else (_closest_year(month, anchor) if anchor else None)
                )
                if year:
                    value, kind = date(year, month, int(g["day"])).isoformat(), "day"
            elif g["my"]:
                value, kind = f"{int(g['myear']):04d}-{MONTHS[g['mmonth'].lower()]:02d}", "month"
            elif g["im"] and anchor:
                month = MONTHS[g["imonth"].lower()]
                rel = " ".join((g["imyear"] or "").lower().split())
                years = {
                    "i fjor": anchor.year - 1,
                    "i år": anchor.year,
                    "neste år": anchor.year + 1,
                }
                value = f"{years.get(rel, _closest_year(month, anchor)):04d}-{month:02d}"
                kind = "month"
            elif g["wd"] and _DATED.match(text, m.end()):
                continue  # "fredag 30. september": the date that follows says which Friday
            elif g["wd"] and day_known and anchor:
                tense = _tense(text, m.start(), m.end())
                value, kind = _weekday(g, anchor, tense).isoformat(), "day"
            elif g["fjorseason"] and anchor:
                start = SEASONS[g["fsname"].lower()]
                value, kind = f"{anchor.year - 1:04d}-{start:02d}", "season"
            elif g["season"] and anchor:
                start = SEASONS[g["sname"].lower()]
                year = anchor.year - 1 if start == 12 and anchor.month < 12 else anchor.year
                if start != 12 and start > anchor.month:
                    year -= 1
                value, kind = f"{year:04d}-{start:02d}", "season"
            elif g["rel"] and day_known and anchor:
                value = (anchor + timedelta(days=RELATIVE_DAYS[g["rel"].lower()])).isoformat()
                kind = "day"
            elif g["fjor"] and anchor:
                value, kind = f"{anchor.year - 1:04d}", "year"
            elif g["iyear"]:
                value, kind = g["year"], "year"
        except ValueError:  # 31. februar
            value, kind = None, "unresolved"
        out.append(TimeExpression(m.group(), m.start(), m.end(), value, kind))
    return out
