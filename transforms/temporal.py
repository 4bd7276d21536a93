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
_PATTERN = re.compile(
    rf"\b(?P<dm>(?P<day>[0-3]?\d)\.\s*(?P<dmonth>{_MONTH})(?:\s+(?P<dyear>(?:1[89]|20)\d\d))?)\b"
    rf"|\b(?P<my>(?:i\s+)?(?P<mmonth>{_MONTH})\s+(?P<myear>(?:1[89]|20)\d\d))\b"
    rf"|\b(?P<im>i\s+(?P<imonth>{_MONTH}))\b"
    rf"|\b(?P<wd>(?:på\s+|sist\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})(?:s?kveld|morgen|formiddag|ettermiddag)?)\b"
    rf"|\b(?P<season>i\s+(?P<sname>{'|'.join(SEASONS)}))\b"
    rf"|\b(?P<rel>{'|'.join(RELATIVE_DAYS)})\b"
    r"|\b(?P<fjor>i\s+fjor)\b"
    r"|\b(?P<iyear>i\s+(?P<year>(?:1[89]|20)\d\d))\b",
    re.IGNORECASE,
)


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


def find_dates(text: str, anchor: date | None, precision: str) -> list[TimeExpression]:
    """Every temporal expression, resolved against the local publication day `anchor` where possible.

    `precision` is the anchor's own (time, day, month, ...): weekdays and "i går" need a known day.
    """
    day_known = anchor is not None and precision in ("time", "day")
    out: list[TimeExpression] = []
    for m in _PATTERN.finditer(text):
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
                value, kind = f"{_closest_year(month, anchor):04d}-{month:02d}", "month"
            elif g["wd"] and day_known and anchor:
                back = (anchor.weekday() - WEEKDAYS[g["weekday"].lower()]) % 7
                value, kind = (anchor - timedelta(days=back)).isoformat(), "day"
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
