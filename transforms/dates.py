"""Publication dates: parse what feeds and wire text carry, to UTC with an honest precision."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

# Named zones feedparser reads as UTC without a word; RFC 822 knows only the US ones.
_ZONE_OFFSETS = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "IST": 60,
    "CET": 60,
    "MET": 60,
    "MEZ": 60,
    "CEST": 120,
    "MEST": 120,
    "MESZ": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
}
_NAMED_ZONE = re.compile(r"\s(?:\(?)([A-Z]{1,5})(?:\)?)\s*$")
_NORWEGIAN = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,kl.T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*$"
)
_YEAR_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")

Parsed = tuple[datetime | None, str]


def _aware(dt: datetime, default_tz: ZoneInfo) -> datetime:
    # A date without a zone in a Norwegian feed is Norwegian local time.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    return dt.astimezone(UTC)


def _rfc822(raw: str, default_tz: ZoneInfo) -> datetime | None:
    text = raw.strip()
    offset_minutes: int | None = None
    m = _NAMED_ZONE.search(text)
    if m and m.group(1) in _ZONE_OFFSETS:
        offset_minutes = _ZONE_OFFSETS[m.group(1)]
        text = text[: m.start()]
    parts = parsedate_tz(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if offset_minutes is None and parts[9] is not None and _has_numeric_zone(text):
        offset_minutes = parts[9] // 60
    if offset_minutes is None:
        return _aware(naive, default_tz)
    return naive.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).astimezone(UTC)


def _has_numeric_zone(text: str) -> bool:
    return bool(re.search(r"[+-]\d{4}\s*$", text))


def parse_date(
    raw: str | None, fallback: datetime | None = None, default_tz: ZoneInfo = OSLO
) -> Parsed:
    """Read a feed or wire date into (UTC datetime or None, precision).

    Precision is `time` for a time of day, `day`, `month` or `year` for coarser dates (the
    datetime is then the first instant of that period in `default_tz`), `none` when unknown.
    """
    if raw:
        text = raw.strip()
        m = _YEAR_MONTH.match(text)
        if m:
            try:
                return _aware(datetime(int(m[1]), int(m[2]), 1), default_tz), "month"
            except ValueError:
                pass
        m = _YEAR.match(text)
        if m and 1800 < int(m[1]) < 2200:
            return _aware(datetime(int(m[1]), 1, 1), default_tz), "year"
        m = _NORWEGIAN.match(text)
        if m:
            try:
                d, mo, y = int(m[1]), int(m[2]), int(m[3])
                if m[4] is None:
                    return _aware(datetime(y, mo, d), default_tz), "day"
                dt = datetime(y, mo, d, int(m[4]), int(m[5]), int(m[6] or 0))
                return _aware(dt, default_tz), "time"
            except ValueError:
                pass
        iso = _iso(text, default_tz)
        if iso is not None:
            return iso
        moment = _rfc822(text, default_tz)
        if moment is not None:
            return moment, "time"
    if fallback is not None:
        return fallback.astimezone(UTC), "time"
    return None, "none"


def _iso(text: str, default_tz: ZoneInfo) -> Parsed | None:
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if re.match(r"^\d{4}-\d{2}-\d{2}$", candidate):
        try:
            d = date.fromisoformat(candidate)
        except ValueError:
            return None
        return _aware(datetime(d.year, d.month, d.day), default_tz), "day"
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d", candidate):
        return None
    try:
        dt = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return _aware(dt, default_tz), "time"


def local_date(moment: datetime, tz: ZoneInfo = OSLO) -> str:
    """The calendar day of `moment` in `tz`, as YYYY-MM-DD."""
    return moment.astimezone(tz).date().isoformat()
