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
# The year as written after an RFC 822 month name: only a two-digit one is expanded.
_RFC_YEAR = re.compile(r"[A-Za-z]{3}[a-z]*\.?[\s-]+(\d+)\b")
_NUMERIC_ZONE = re.compile(r"([+-])(\d{2}):?(\d{2})\s*$")
# An ISO 8601 / RFC 3339 date by its shape, whatever its values (a year of any length, a
# 30 February, a +99:99 offset): text of this shape that is no real moment is impossible.
_ISO_SHAPE = re.compile(
    r"^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:[Zz]|([+-])(\d{2}):?(\d{2})?)?)?$"
)
# Publication years a news item can have; anything else (year 1, year 9999, a run of "1"s
# that a lenient parser reads as 1111-11-11) is a broken date, not a fact.
FIRST_YEAR, LAST_YEAR = 1801, 2199

Parsed = tuple[datetime | None, str]


class _Impossible(Exception):
    """A date that was recognised but cannot be a publication time: no fallback applies."""


def _plausible(dt: datetime) -> datetime:
    if not FIRST_YEAR <= dt.year <= LAST_YEAR:
        raise _Impossible(f"year {dt.year}")
    return dt


def _aware(dt: datetime, default_tz: ZoneInfo) -> datetime:
    # A date without a zone in a Norwegian feed is Norwegian local time.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    try:
        return _plausible(dt.astimezone(UTC))
    except OverflowError as exc:  # year 1 or 9999 shifted past the calendar's end
        raise _Impossible(str(exc)) from exc


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
    written = _RFC_YEAR.search(text)
    if written is not None and len(written.group(1)) > 2:
        year = int(written.group(1))  # "0001" is year 1, not 2001 (parsedate expands it)
    elif year < 100:
        year += 2000 if year < 70 else 1900
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except (ValueError, OverflowError) as exc:  # 30 Feb, 25:61, a year past 2**31
        raise _Impossible(f"{text!r}: {exc}") from exc
    zone = _NUMERIC_ZONE.search(text)
    if offset_minutes is None and zone is not None:
        hours, minutes = int(zone.group(2)), int(zone.group(3))
        if hours > 18 or minutes > 59:  # +9999, -2400: no such offset exists
            raise _Impossible(f"offset {zone.group(0).strip()}")
        offset_minutes = (hours * 60 + minutes) * (-1 if zone.group(1) == "-" else 1)
    if offset_minutes is None:
        return _aware(naive, default_tz)
    return _aware(naive.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))), default_tz)


def parse_date(
    raw: str | None, fallback: datetime | None = None, default_tz: ZoneInfo = OSLO
) -> Parsed:
    """Read a feed or wire date into (UTC datetime or None, precision).

    Precision is `time` for a time of day, `day`, `month` or `year` for coarser dates (the
    datetime is then the first instant of that period in `default_tz`), `none` when unknown
    or impossible (a year outside FIRST_YEAR..LAST_YEAR, an offset beyond ±18 hours).
    """
    try:
        return _parse(raw, fallback, default_tz)
    except (_Impossible, OverflowError, ValueError):
        # Only this date is lost, never the item or its document (a year past 2**31 made
        # the calendar raise OverflowError and took every item of the feed with it).
        return None, "none"


def _parse(raw: str | None, fallback: datetime | None, default_tz: ZoneInfo) -> Parsed:
    if raw:
        text = raw.strip()
        m = _YEAR_MONTH.match(text)
        if m:
            try:
                return _aware(datetime(int(m[1]), int(m[2]), 1), default_tz), "month"
            except ValueError as exc:
                raise _Impossible(text) from exc
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
            except ValueError as exc:  # 30.02.2024: recognised, and no such day
                raise _Impossible(text) from exc
        iso = _iso(text, default_tz)
        if iso is not None:
            return iso
        moment = _rfc822(text, default_tz)
        if moment is not None:
            return moment, "time"
    if fallback is not None:
        try:
            return _plausible(fallback.astimezone(UTC)), "time"
        except OverflowError:
            return None, "none"
    return None, "none"


def _iso(text: str, default_tz: ZoneInfo) -> Parsed | None:
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if re.match(r"^\d{4}-\d{2}-\d{2}$", candidate):
        try:
            d = date.fromisoformat(candidate)
        except ValueError as exc:  # 2024-02-30
            raise _Impossible(candidate) from exc
        return _aware(datetime(d.year, d.month, d.day), default_tz), "day"
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d", candidate):
        _check_iso_shape(text)
        return None
    try:
        dt = datetime.fromisoformat(candidate)
    except ValueError:
        _check_iso_shape(text)
        return None
    offset = dt.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=18):  # -19:00: no such zone
        raise _Impossible(f"offset {offset}")
    return _aware(dt, default_tz), "time"


def _check_iso_shape(text: str) -> None:
    """_Impossible for ISO-shaped text whose values are no moment; None for other text.

    feedparser's reading of such text is a moment made up from the pieces (2024-02-30
    becomes 1 March, +99:99 an offset of four days): it is not used as a fallback.
    """
    m = _ISO_SHAPE.match(text.strip())
    if m is None:
        return
    year, month, day, hour, minute, second, sign, zone_h, zone_m = m.groups()
    if len(year) > 4:
        raise _Impossible(f"year {year}")
    try:
        datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as exc:
        raise _Impossible(f"{text!r}: {exc}") from exc
    if sign and (int(zone_h) > 18 or int(zone_m or 0) > 59):
        raise _Impossible(f"offset {sign}{zone_h}:{zone_m}")


def start_of_day(moment: datetime, tz: ZoneInfo = OSLO) -> datetime:
    """The first instant (in UTC) of the calendar day `moment` falls on in `tz`."""
    day = moment.astimezone(tz).date()
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo = OSLO) -> str:
    """The calendar day of `moment` in `tz`, as YYYY-MM-DD."""
    return moment.astimezone(tz).date().isoformat()
