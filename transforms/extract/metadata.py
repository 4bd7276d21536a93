"""Basic extraction: dates, byline, photo credits, caption and sub-headings of wire text and feed items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nordwire.schemas.items import Item
from nordwire.transforms.feed.dates import OSLO, parse_date, start_of_day

_CREDIT = re.compile(
    r"(?:^|(?<=[\s.(]))(?:Foto|Photo|Bilde|Illustrasjon|Grafikk|Faksimile|Skjermbilde|Skjermdump|Video)"
    r"\s*:\s*(?P<credit>[^\n]{2,120}?)\s*\)?\s*$",
    re.IGNORECASE,
)
FUTURE_TOLERANCE = timedelta(days=1)
# Dates the item itself gives: a time of day is claimed only from these.
OWN_DATE_BASES = frozenset({"published", "updated", "url"})
# Dates its document gives: the story is no newer than they are (a day, never a time).
BOUND_BASES = frozenset({"feed_order", "channel", "feed_newest"})


def _credit(text: str) -> re.Match[str] | None:
    """A `Foto: NAME` credit at the end of `text`; the colon is checked first, since trying the
    pattern at every position of every paragraph costs more than the rest of the stage."""
    return _CREDIT.search(text) if ":" in text else None


AGENCIES = {
    "ntb": "ntb",
    "anb": "anb",
    "afp": "afp",
    "ap": "ap",
    "reuters": "reuters",
    "tt": "tt",
    "ritzau": "ritzau",
    "dpa": "dpa",
    "bloomberg": "bloomberg",
    "nrk": "nrk",
}
_BYLINE_PREFIX = re.compile(r"^(?:av|by|tekst|frå|fra)\s*:?\s+", re.IGNORECASE)
_NAMEISH = re.compile(
    r"^[A-ZÆØÅÉÜÖÄ][\w'’.-]*(?:\s+(?:[A-ZÆØÅÉÜÖÄ][\w'’.-]*|og|and|&|/|,|von|van|de))*$"
)
_SENTENCE_END = re.compile(r"[.!?:;,»”\"…]$")
_DASH_START = re.compile(r"^[–—\-«\"“”]")


@dataclass(frozen=True, slots=True)
class WireParts:
    """The structure of a wire text body."""

    caption: str | None
    credits: tuple[str, ...]
    byline: str | None
    subheadings: tuple[str, ...]
    body: str


def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    if len(paras) == 1 and "\n" in paras[0]:
        paras = [p.strip() for p in paras[0].split("\n") if p.strip()]
    return paras


def is_byline(para: str) -> bool:
    """A short line naming the writer or agency: `NTB`, `Av Kari Nordmann`, `Ola Nordmann, NTB`."""
    if len(para) > 80 or len(para.split()) > 8 or _SENTENCE_END.search(para.rstrip(")")):
        return False
    if para.strip().lower() in AGENCIES or _BYLINE_PREFIX.match(para):
        return True
    last = re.split(r"[,/]\s*", para)[-1].strip().lower()
    return last in AGENCIES and bool(_NAMEISH.match(para.replace(",", " ,").replace("  ", " ")))


def is_subheading(para: str) -> bool:
    """A short heading line inside a body: no closing punctuation, no quote dash, a capital first."""
    words = para.split()
    return (
        0 < len(words) <= 8
        and len(para) <= 70
        and not _SENTENCE_END.search(para)
        and not _DASH_START.match(para)
        and para[0].isupper()
    )


def split_wire(text: str) -> WireParts:
    """Caption with credit, byline, sub-headings and the prose body of a wire article."""
    paras = _paragraphs(text)
    caption: str | None = None
    credits: list[str] = []
    byline: str | None = None
    head_limit = min(3, len(paras))
    for i in range(head_limit):
        m = _credit(paras[i])
        if m:
            credits.append(m.group("credit").strip().rstrip(")"))
            caption = paras[i][: m.start()].strip().rstrip("(").strip() or None
            paras.pop(i)
            break
    for i in range(min(3, len(paras))):
        if is_byline(paras[i]):
            byline = _BYLINE_PREFIX.sub("", paras.pop(i)).strip()
            break
    subheadings: list[str] = []
    prose: list[str] = []
    for i, para in enumerate(paras):
        # The lede and the last paragraph are never headings: a heading introduces what follows.
        if 0 < i < len(paras) - 1 and is_subheading(para):
            subheadings.append(para)
        else:
            prose.append(para)
    return WireParts(caption, tuple(credits), byline, tuple(subheadings), "\n\n".join(prose))


def _agency(byline: str | None) -> str | None:
    if not byline:
        return None
    last = re.split(r"[,/]\s*|\s+", byline.strip())[-1].lower()
    return AGENCIES.get(last)


def best_date(item: Item, tz: ZoneInfo = OSLO) -> tuple[datetime | None, str, str]:
    """(published_at, precision, basis): the item's own date, else the best its input gives.

    The chain: the item's publication date, its other date elements, a date in its link, the
    nearest newer dated item of a feed in date order, the channel's date, the newest item date
    of the same document (all found by the parse stage),
    then the fetch time of a live poll, and last a file's modification time. A date more than
    a day after the fetch is a feed error, never a fact, and the next candidate is taken.
    """
    latest = item.fetched_at + FUTURE_TOLERANCE
    published_at, precision = parse_date(item.published_raw, item.published_fallback, tz)
    if published_at is not None and published_at <= latest:
        basis = item.date_basis if item.date_basis != "none" else "published"
        return published_at, precision, basis
    fallback = _fallback(item)
    if fallback is not None:
        basis, value = fallback
        if basis in BOUND_BASES:
            # The newest item of a snapshot dates the document, not this item: the day it falls
            # on in `tz` is all that is claimed, never its time (docs/feeds.md).
            return start_of_day(value, tz), "day", basis
        return value, "day" if basis == "url" else "time", basis
    # Nothing in the input dates the item: no publication time is claimed (published_at NULL,
    # precision none); the partition date is the fetch day, and the basis says which clock.
    polled = item.input.lower().startswith(("http://", "https://"))
    return None, "none", "fetched" if polled else "file_mtime"


def _fallback(item: Item) -> tuple[str, datetime] | None:
    latest = item.fetched_at + FUTURE_TOLERANCE
    return next(((b, v) for b, v in item.date_fallbacks if v <= latest), None)


def date_bound(item: Item) -> tuple[str, datetime] | None:
    """The date a copy of an undated story is bounded by (its document's date), for the
    first-seen rule of `with_bound`; None when the copy dates itself or nothing dates it."""
    if item.published_raw is not None or item.published_fallback is not None:
        return None
    fallback = _fallback(item)
    return fallback if fallback is not None and fallback[0] in BOUND_BASES else None


def with_bound(item: Item, bounds: list[tuple[str, datetime] | None]) -> Item:
    """The kept copy of a story seen in several documents, dated no later than the earliest
    document that held it: an undated story is not dated by a later snapshot's newest item."""
    found = [b for b in bounds if b is not None]
    if not found:
        return item
    earliest = min(found, key=lambda b: b[1])
    if item.published_raw is not None or item.published_fallback is not None:
        return item
    own = _fallback(item)
    if own is not None and (own[0] not in BOUND_BASES or own[1] <= earliest[1]):
        return item
    return item.evolve(date_fallbacks=(earliest, *item.date_fallbacks))


def extract_metadata(item: Item, tz: ZoneInfo = OSLO) -> Item:
    """Dates with precision and basis, and byline, credits, caption and sub-headings."""
    published_at, precision, basis = best_date(item, tz)
    updated_at, _ = parse_date(item.updated_raw, None, tz) if item.updated_raw else (None, "none")
    changes: dict[str, object] = {
        "published_at": published_at,
        "date_precision": precision,
        "date_basis": basis,
        "updated_at": updated_at,
    }
    if item.format == "wire" and item.body:
        parts = split_wire(item.body)
        changes.update(
            caption=parts.caption,
            credits=tuple(dict.fromkeys((*item.credits, *parts.credits))),
            byline=parts.byline,
            subheadings=parts.subheadings,
            body=parts.body or None,
            source=_agency(parts.byline) or item.source,
        )
    else:
        changes["byline"] = ", ".join(item.authors) or None
        found = [
            m.group("credit").strip()
            for t in (item.summary, item.body)
            if t
            for m in [_credit(t.split("\n\n")[-1])]
            if m
        ]
        if item.caption:  # "Arkivbilde av Politihøgskolen. Foto: NTB": the credit is not caption
            paragraphs = []
            for para in item.caption.split("\n\n"):
                m = _credit(para)
                if m:
                    found.append(m.group("credit").strip().rstrip(")"))
                    para = para[: m.start()].strip().rstrip("(").strip()
                if para:
                    paragraphs.append(para)
            changes["caption"] = "\n\n".join(paragraphs) or None
        changes["credits"] = tuple(dict.fromkeys((*item.credits, *found)))
    return item.evolve(**changes)
