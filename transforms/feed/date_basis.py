"""The dates a feed document offers an item that has no publication date of its own.

The chain, best first (each candidate carries its basis, which becomes `date_basis`):
`updated` (the item's other date elements: updated, dc:date, dcterms:modified/created), `url`
(a date in the item's link, /2022/10/12/), `feed_order` (in a document whose dated items are in
date order, the date of the nearest newer dated item: the item cannot be newer than that),
`channel` (the channel's lastBuildDate, pubDate, updated), `feed_newest` (the newest item date
in the same document). The fetch time of a live
poll and, last, a file's modification time come after these (see `metadata`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from nordwire.transforms.feed.dates import OSLO, parse_date

# /2022/10/12/, /2022-10-12-, /20221012/ in a path; the year anchors it, so ids do not match.
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)\d{2})([/-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![0-9])"
)

Candidate = tuple[str, datetime]


def _struct(value: Any) -> datetime | None:
    try:
        return datetime(*value[:6]).replace(tzinfo=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def element_date(node: Any, key: str, tz: ZoneInfo = OSLO) -> datetime | None:
    """One date element of an entry or channel (`published`, `updated`, `created`) in UTC."""
    raw = dict.get(node, key)  # FeedParserDict.get would map published to updated, with a warning
    parsed = dict.get(node, key + "_parsed")
    if not raw and not parsed:
        return None
    value, _ = parse_date(raw if isinstance(raw, str) else None, _struct(parsed), tz)
    return value


def url_date(link: str | None, tz: ZoneInfo = OSLO) -> datetime | None:
    """The day a link's path names (/2022/10/12/), as the start of that day in `tz`."""
    if not link:
        return None
    try:
        path = urlsplit(link).path
    except ValueError:
        return None
    found = None
    for m in _URL_DATE.finditer(path):
        if m.group(2) == "" and len(path) > m.end() and path[m.end()].isalnum():
            continue  # 20221012 glued to more characters is a number, not a date
        found = m
    if found is None:
        return None
    try:
        day = date(int(found.group(1)), int(found.group(3)), int(found.group(4)))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def channel_date(feed: Mapping[str, Any], tz: ZoneInfo = OSLO) -> datetime | None:
    """The channel's own date: lastBuildDate (or Atom updated, dc:date), else its pubDate."""
    return element_date(feed, "updated", tz) or element_date(feed, "published", tz)


def newest_item_date(entries: Sequence[Mapping[str, Any]], tz: ZoneInfo = OSLO) -> datetime | None:
    """The newest publication (or update) date any item of the document carries."""
    dates = [
        d
        for e in entries
        for d in (element_date(e, "published", tz) or element_date(e, "updated", tz),)
        if d is not None
    ]
    return max(dates, default=None)


def newer_neighbours(
    entries: Sequence[Mapping[str, Any]], tz: ZoneInfo = OSLO
) -> list[datetime | None]:
    """Per item, the date of the nearest newer dated item, when the document is in date order.

    A feed sorted newest first (or oldest first) puts an undated item between its neighbours
    in time, so the nearest newer dated item bounds its date far closer than the newest item
    of the whole document. A front page sorted by editorial weight is not in date order, and
    then nothing is said (all None); it takes at least three dated items to tell.
    """
    own = [element_date(e, "published", tz) or element_date(e, "updated", tz) for e in entries]
    dated = [d for d in own if d is not None]
    if len(dated) < 3:
        return [None] * len(entries)
    if all(a >= b for a, b in itertools.pairwise(dated)):
        order = range(len(own))  # newest first: the newer neighbour is above
    elif all(a <= b for a, b in itertools.pairwise(dated)):
        order = range(len(own) - 1, -1, -1)  # oldest first: it is below
    else:
        return [None] * len(entries)
    result: list[datetime | None] = [None] * len(entries)
    newer: datetime | None = None
    for i in order:
        if own[i] is None:
            result[i] = newer
        else:
            newer = own[i]
    return result


def fallbacks(
    entry: Mapping[str, Any],
    link: str | None,
    channel: datetime | None,
    newest: datetime | None,
    tz: ZoneInfo = OSLO,
    neighbour: datetime | None = None,
) -> tuple[Candidate, ...]:
    """The candidates after the item's publication date, best first, each with its basis."""
    found: list[tuple[str, datetime | None]] = [
        ("updated", element_date(entry, "updated", tz) or element_date(entry, "created", tz)),
        ("url", url_date(link, tz)),
        ("feed_order", neighbour),
        ("channel", channel),
        ("feed_newest", newest),
    ]
    return tuple((basis, value) for basis, value in found if value is not None)
