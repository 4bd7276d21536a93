"""Revisions of a story: which copy is the newest (the document's clock), and what changed.

One rule for every writer: the batch dedup, the streaming dedup, the poller and the sink
all call these functions, so a copy that wins in one place wins everywhere.

- `revision_clock(item)`: when the document says this version of the item was current: the
  item's own updated date when it is later than its publication (NRK's dc:date and many Atom
  feeds repeat the pubDate there, which dates the story, not the copy), else the channel's lastBuildDate (or pubDate), else the newest
  date any item of the same document carries, else the fetch time (the file's modification
  time for files). A date more than a day after the fetch is a feed error and is skipped.
- `newest_first(item)`: the sort key of copies of one story, newest revision first.
- `field_hashes(item)` / `content_hash(...)`: a digest per field a reader sees, and one for the
  whole version; two copies with the same content hash are the same revision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject, excerpt_of
from nordwire.schemas.revisions import Version
from nordwire.transforms.feed.dates import OSLO, parse_date

# A clock more than this after the fetch is a feed error, never the time of the version.
CLOCK_TOLERANCE = timedelta(days=1)
# The fields a reader sees, in the order `changed` lists them. published_at counts only when it
# is the item's own pubDate: a date borrowed from the channel or the fetch moves on every poll.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "caption",
    "byline",
    "credits",
    "categories",
    "url",
    "published_at",
)
CLOCK_BASES = ("updated", "channel", "feed_newest", "fetched", "file_mtime")
# The item's raw fields, for the poller's question "seen exactly this before?" (before any
# stage has run).
RAW_FIELDS = (
    "title_raw",
    "summary_raw",
    "content_raw",
    "caption_raw",
    "link",
    "guid",
    "categories",
    "authors",
    "credits",
    "published_raw",
    "updated_raw",
)


def revision_clock(item: Item, tz: ZoneInfo = OSLO) -> tuple[datetime, str]:
    """(UTC time, basis): when the document says this version of the item was current."""
    latest = item.fetched_at + CLOCK_TOLERANCE
    updated = parse_date(item.updated_raw, None, tz)[0] if item.updated_raw else None
    if updated is not None and item.published_raw:
        published = parse_date(item.published_raw, None, tz)[0]
        if published is not None and updated <= published:
            updated = None  # the publication restated: every copy of the story carries it
    for basis, value in (
        ("updated", updated),
        ("channel", item.channel_date),
        ("feed_newest", item.newest_item_date),
    ):
        if value is not None and value <= latest:
            return value, basis
    return item.fetched_at, "fetched" if _polled(item) else "file_mtime"


def _polled(item: Item) -> bool:
    return item.input.lower().startswith(("http://", "https://"))


def first_seen(item: Item) -> datetime:
    """When this copy of the story was seen: the fetch of a polled feed. A file's modification
    time is when it was written or copied, which for an archive of captures can be long after
    the capture: the document's own build date is used when it is earlier, since the story
    was in the feed by then. That date is the later of its channel date and its newest item's,
    of those not after the file's time: a document is built after every item it holds, so a
    channel date behind them is stale. A kept copy carries the earliest sighting of all the
    run's copies (`with_sightings`)."""
    if item.first_sighting is not None:
        return item.first_sighting
    if _polled(item):
        return item.fetched_at
    built = [d for d in (item.channel_date, item.newest_item_date) if d is not None]
    return max((d for d in built if d <= item.fetched_at), default=item.fetched_at)


def newest_first(item: Item) -> tuple[Any, ...]:
    """Sort key of the copies of one story: the newest revision first.

    Newest by the document's clock, then the later fetch; among copies of the same moment,
    one that carries its own date, then the richest text; the input name and position make
    the choice deterministic. The last two members are always (input, item_index).
    """
    clock, _ = revision_clock(item)
    dated = item.published_raw is not None or item.published_fallback is not None
    text = len(item.content_raw or "") + len(item.summary_raw or "")
    return (
        -clock.timestamp(),
        -item.fetched_at.timestamp(),
        -int(dated),
        -text,
        item.input,
        item.item_index,
    )


def supersedes(new: tuple[datetime, datetime], old: tuple[datetime, datetime]) -> bool:
    """Whether a version seen as (clock, fetched_at) `new` is newer than the stored `old`."""
    return new > old


def _canonical(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "\x1f".join(_canonical(v) for v in value)
    return str(value)


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def field_hashes(item: Item) -> dict[str, str]:
    """A short digest of each field a reader sees, from a finished (normalised) item."""
    return hashes_of({f: getattr(item, f) for f in CONTENT_FIELDS}, item.date_basis)


def hashes_of(values: Mapping[str, object], date_basis: str) -> dict[str, str]:
    """The field digests of a version given as values (an item's fields or an articles row)."""
    own = {
        **values,
        "published_at": values.get("published_at") if date_basis == "published" else None,
    }
    return {f: _digest(_canonical(own.get(f)), 16) for f in CONTENT_FIELDS}


def content_hash(hashes: Mapping[str, str]) -> str:
    """The digest of one version of a story, from its field digests."""
    return _digest("\n".join(f"{k}={hashes[k]}" for k in sorted(hashes)), 20)


def changed_fields(old: Mapping[str, str] | None, new: Mapping[str, str]) -> list[str]:
    """The fields whose digest differs, in CONTENT_FIELDS order; empty for a first version."""
    if old is None:
        return []
    return [f for f in CONTENT_FIELDS if old.get(f) != new.get(f)]


def raw_digest(item: Item) -> str:
    """A digest of the item as the feed gave it: equal for an unchanged item on every poll."""
    return _digest("\n".join(_canonical(getattr(item, f)) for f in RAW_FIELDS), 20)


def with_sightings(item: Item, seen: Iterable[datetime]) -> Item:
    """The kept copy of a story, first seen when the earliest of its copies (`seen`, each
    copy's `first_seen`) was: an older capture of the story in the same run counts."""
    earliest = min(seen, default=None)
    if earliest is None or earliest >= first_seen(item):
        return item
    return item.evolve(first_sighting=earliest)


def first_version(item: Item) -> Version:
    """The version a finished item would be as a story seen for the first time."""
    hashes = field_hashes(item)
    clock, basis = revision_clock(item)
    return Version(
        revision=1,
        content_hash=content_hash(hashes),
        field_hashes=tuple(hashes.items()),
        revised_at=clock,
        clock_basis=basis,
        first_seen_at=first_seen(item),
    )


def duplicate_of(other: Item, kept_input: str, kept_index: int) -> Reject:
    """The `duplicate` reject of a copy that lost to the item kept (named by input and index)."""
    return Reject.of_item(
        other,
        "dedup",
        "duplicate",
        detail=f"same article as {kept_input} item {kept_index}",
        excerpt=excerpt_of(other.title_raw or other.content_raw),
    )


def winner(
    element: tuple[str, Iterable[tuple[tuple[Any, ...], Any]]],
) -> Iterator[tuple[str, tuple[str, int, list[Any]]]]:
    """(article_id, [(newest_first key, what keeping needs of the copy)]) -> (article_id,
    (input, item_index, [what keeping needs of each copy])) of the copy to keep, for ids seen
    more than once only: the dedup's side input stays as small as the duplicates. The key ends
    with the copy's (input, item_index)."""
    article_id, records = element
    ranked = sorted(records, key=lambda record: record[0])
    if len(ranked) > 1:
        first, _ = ranked[0]
        yield article_id, (first[-2], first[-1], [bound for _, bound in ranked])
