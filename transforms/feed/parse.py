"""Parse stage: sniff an input's format from its bytes, then read feed entries or wire text into items."""

from __future__ import annotations

import codecs
import dataclasses
import html
import io
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject, excerpt_of
from nordwire.transforms.feed import date_basis, jsonfeed
from nordwire.transforms.feed.conflicts import split_conflicts
from nordwire.transforms.feed.controls import without_controls
from nordwire.transforms.feed.identity import site_of
from nordwire.transforms.feed.media import (
    media_caption,
    media_credits,
    media_title,
    media_titles_as_caption,
    parse_feed,
)
from nordwire.transforms.feed.source import host_of, item_source, source_slug
from nordwire.transforms.language.context import entry_language
from nordwire.transforms.language.detect import with_language_evidence

MAX_INPUT_BYTES = 50 * 1024 * 1024
MAX_ITEMS_PER_FEED = 5_000
MAX_ITEM_CHARS = 500_000

STAGE = "parse"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_FEED_ROOT = re.compile(r"<(?:rss|rdf:rdf|feed|channel)[\s>]|<\?xml", re.IGNORECASE)
_FEED_ROOT_STRICT = re.compile(r"<(?:rss|rdf:rdf|feed|channel)[\s>:]", re.IGNORECASE)
_HTML_ROOT = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_WIRE_DATE = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*(.*)$", re.IGNORECASE)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")


def _head_text(data: bytes, size: int = 8192) -> str:
    head = data[:size]
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return head.decode(enc, "replace")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", "replace")
    return head.decode("utf-8", "replace")


def sniff(data: bytes) -> str:
    """Format from content: feed, json, html, wire, text, empty or binary."""
    if not data.strip():
        return "empty"
    head = _head_text(data)
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):  # before the markup checks: content_html may hold <rss or <html
        return "json"
    if _FEED_ROOT_STRICT.search(head):
        return "feed"
    if _HTML_ROOT.search(head):
        return "html"
    if _FEED_ROOT.search(head):
        return "feed"
    if _WIRE_DATE.match(stripped.split("\n", 1)[0]):
        return "wire"
    sample = data[:4096]
    has_bom = any(data.startswith(bom) for bom, _ in _BOMS)
    if not has_bom and len(_CONTROL_BYTES.findall(sample)) > max(2, len(sample) // 100):
        return "binary"
    if "<" in stripped[:200] and ">" in stripped:
        return "feed"  # XML of some kind: let feedparser say whether it is a feed
    return "text"


def decode_text(data: bytes) -> str | None:
    """Text of a non-XML input: BOM, then UTF-8, then Windows-1252; None if it is not text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# Category domains (RSS `domain`, Atom `scheme`) that mark how a story is shown, not what it is
# about: NRK's `<category domain="emphasis">high</category>` flags a top story.
NOT_SUBJECTS = frozenset({"emphasis", "priority", "prominence", "importance"})


def _reject(doc: RawDocument, reason: str, detail: str, error: str | None = None) -> Reject:
    return Reject(
        stage=STAGE,
        reason=reason,
        input=doc.input,
        fetched_at=doc.fetched_at,
        detail=detail,
        error=error,
        excerpt=excerpt_of(doc.data),
    )


def parse_document(doc: RawDocument) -> list[Item | Reject]:
    """Every item of one input, or rejects saying why the input (or an item) gave nothing."""
    if len(doc.data) > MAX_INPUT_BYTES:
        return [_reject(doc, "too_large", f"{len(doc.data)} bytes, cap {MAX_INPUT_BYTES}")]
    kind = sniff(doc.data)
    if kind == "empty":
        return [_reject(doc, "empty", "input has no content")]
    if kind == "binary":
        return [_reject(doc, "undecodable", "input is binary, not text")]
    if kind == "html":
        return [_reject(doc, "html_page", "an HTML page, not a feed")]
    if kind == "text":
        return [
            _reject(doc, "unparseable", "text, but neither a feed nor wire text (no date line)")
        ]
    conflicts = split_conflicts(doc.data) if kind in ("feed", "wire") else None
    if conflicts is not None:
        return _parse_versions(doc, conflicts.count, conflicts.versions, conflicts.problem)
    if kind == "wire":
        return _parse_wire(doc)
    return _parse_feed(doc, kind)


def _parse_versions(
    doc: RawDocument, count: int, versions: tuple[bytes, ...], problem: str | None
) -> list[Item | Reject]:
    """A file with merge-conflict markers: one file-level reject, then each version on its own.

    Every version is parsed as a document of its own, so its items get its own channel; item
    indexes run on across versions so that (input, item_index) stays unique.
    """
    plural = "s" if count != 1 else ""
    if not versions:
        detail = f"git merge-conflict markers ({count} conflict{plural}): {problem}; no item read"
        return [_reject(doc, "conflict_markers", detail)]
    out: list[Item | Reject] = []
    found: list[str] = []
    offset = 0
    for number, data in enumerate(versions, start=1):
        parts = parse_document(RawDocument(doc.input, data, doc.fetched_at, doc.headers))
        items = sum(1 for p in parts if isinstance(p, Item))
        # A version's own file-level trouble (no feed in it, too many items) joins the one
        # file-level row: rejects rows are keyed by input and reason, not by version.
        notes = [
            f"{p.reason}: {p.detail}"
            for p in parts
            if isinstance(p, Reject) and p.item_index is None
        ]
        found.append(f"version {number}: {items} items" + "".join(f", {n}" for n in notes))
        for part in parts:
            if isinstance(part, Item):
                out.append(part.evolve(item_index=part.item_index + offset))
            elif part.item_index is not None:
                out.append(dataclasses.replace(part, item_index=part.item_index + offset))
        indexes = [p.item_index for p in parts if p.item_index is not None]
        offset += max(indexes, default=-1) + 1
    detail = (
        f"git merge-conflict markers ({count} conflict{plural}); each version read with its own"
        f" channel ({'; '.join(found)})"
    )
    return [_reject(doc, "conflict_markers", detail), *out]


def _strip_junk(data: bytes) -> bytes:
    # Log lines or stray text before the XML make expat give up (conflict markers are split first).
    if any(data.startswith(bom) for bom, _ in _BOMS) or data[:1] == b"<":
        return data
    start = data.find(b"<")
    return data[start:] if start > 0 else data


def _valid_charrefs(data: bytes) -> bytes:
    # feedparser raises (ValueError, OverflowError, UnicodeEncodeError) on a character reference
    # outside Unicode or to a surrogate, losing the whole feed: make those U+FFFD instead.
    if b"&#" not in data or data.startswith(_WIDE_BOMS):
        return data
    return _CHARREF.sub(_charref_fix, data)


def _charref_fix(m: re.Match[bytes]) -> bytes:
    digits = m.group(1)
    try:
        value = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return b"&#xFFFD;"
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or len(digits) > 8:
        return b"&#xFFFD;"
    return m.group(0)


def _parse_feed(doc: RawDocument, kind: str) -> list[Item | Reject]:
    # No base URL on purpose: feedparser would resolve relative guids against where the bytes
    # came from, and the same story fetched live and re-read from the raw store would get two ids.
    headers = {
        k.lower(): v
        for k, v in doc.headers
        if k.lower() not in ("content-location", "content-base")
    }
    data = _valid_charrefs(_strip_junk(doc.data) if kind == "feed" else doc.data)
    try:
        if kind == "json":  # read by nordwire into feedparser's shape: feedparser 6.0 cannot
            parsed = jsonfeed.read(doc.data)
        else:
            parsed = parse_feed(io.BytesIO(data), headers)
    except jsonfeed.NotAFeed as exc:
        return [_reject(doc, exc.reason, exc.detail, exc.error)]
    except Exception as exc:  # feedparser raises on some inputs instead of setting bozo
        return [_reject(doc, "unparseable", "feed parser failed", f"{type(exc).__name__}: {exc}")]
    entries = parsed.get("entries") or []
    if not entries:
        bozo = parsed.get("bozo_exception")
        if not parsed.get("version"):
            detail = "no feed found in the input"
            if bozo is not None:
                return [_reject(doc, "unparseable", detail, f"{type(bozo).__name__}: {bozo}")]
            return [_reject(doc, "unparseable", detail)]
        return [_reject(doc, "no_items", f"{parsed.get('version')} feed with no items")]
    feed: Mapping[str, Any] = parsed.get("feed") or {}
    source = (
        source_slug(feed.get("link"))
        or source_slug(feed.get("title"))
        or source_slug(doc.input.rsplit("/", 1)[-1].split(".", 1)[0])
        or "unknown"
    )
    out: list[Item | Reject] = []
    if len(entries) > MAX_ITEMS_PER_FEED:
        out.append(
            _reject(doc, "too_large", f"{len(entries)} items, kept the first {MAX_ITEMS_PER_FEED}")
        )
        entries = entries[:MAX_ITEMS_PER_FEED]
    context = _FeedContext(
        source=source,
        site=site_of(host_of(feed.get("link"))),
        fmt=parsed.get("version") or "unknown",
        real_guids=_real_guids(entries),
        channel_date=date_basis.channel_date(feed),
        newest_date=date_basis.newest_item_date(entries),
        neighbours=date_basis.newer_neighbours(entries),
    )
    for index, entry in enumerate(entries):
        out.append(_entry_item(doc, index, entry, feed, context))
    return with_language_evidence(out)  # each item's text read once, and its vote for the others


@dataclasses.dataclass(frozen=True, slots=True)
class _FeedContext:
    """What every item of one feed document shares."""

    source: str
    site: str | None  # registrable domain of the channel's link
    fmt: str
    real_guids: set[str]
    channel_date: datetime | None
    newest_date: datetime | None
    neighbours: list[datetime | None]  # per item: the nearest newer dated item in a sorted feed


def _real_guids(entries: list[Any]) -> set[str]:
    """Guids that identify one story: unique in the feed (or repeated with one link), not placeholders."""
    links: dict[str, set[str | None]] = {}
    counts: Counter[str] = Counter()
    for e in entries:
        guid = (e.get("id") or "").strip()
        if guid:
            counts[guid] += 1
            links.setdefault(guid, set()).add(e.get("link"))
    return {
        g
        for g, n in counts.items()
        if sum(ch.isalnum() for ch in g) >= 4
        and (n == 1 or (len(links[g]) == 1 and None not in links[g]))
        and not _site_root(g)
    }


def _site_root(guid: str) -> bool:
    # A guid that is a site's front page (https://www.vg.no/) names no story, however unique.
    if "://" not in guid:
        return False
    try:
        return urlsplit(guid).path.strip("/") == ""
    except ValueError:
        return False


def _absolute(link: str | None, base: str | None) -> str | None:
    """A relative item link made absolute against the feed's own site link."""
    if not link or not base or "://" not in base or "://" in html.unescape(link):
        return link
    if link.lstrip().lower().startswith(("javascript:", "data:", "mailto:")):
        return link
    try:
        return urljoin(base, link)
    except ValueError:  # a channel link such as http://[::1 cannot be a base
        return link


def _field(entry: Any, key: str) -> Any:
    # FeedParserDict.get maps a missing `published` to `updated` with a DeprecationWarning.
    return dict.get(entry, key)


def _struct_to_datetime(value: Any) -> datetime | None:
    try:
        return datetime(*value[:6]).replace(tzinfo=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_item(
    doc: RawDocument, index: int, entry: Any, feed: Mapping[str, Any], context: _FeedContext
) -> Item | Reject:
    contents = entry.get("content") or []
    content = max((c.get("value") or "" for c in contents), key=len, default="") or None
    text_len = sum(len(x or "") for x in (entry.get("title"), entry.get("summary"), content))
    if text_len > MAX_ITEM_CHARS:
        return Reject(
            stage=STAGE,
            reason="too_long",
            input=doc.input,
            fetched_at=doc.fetched_at,
            source=context.source,
            item_index=index,
            detail=f"{text_len} characters, cap {MAX_ITEM_CHARS}",
            excerpt=excerpt_of(entry.get("title") or entry.get("summary")),
        )
    guid = (entry.get("id") or "").strip()
    authors = [a.get("name") for a in entry.get("authors") or [] if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]
    categories = [
        t.get("term") or t.get("label")
        for t in entry.get("tags") or []
        if (t.get("scheme") or "").strip().lower() not in NOT_SUBJECTS
    ]
    link = _absolute(entry.get("link"), feed.get("link"))
    published = _field(entry, "published")
    own = published or _field(entry, "updated")
    item = Item(
        input=doc.input,
        item_index=index,
        format=context.fmt,
        source=item_source(link, entry.get("source"), context.source, context.site),
        fetched_at=doc.fetched_at,
        feed_title=feed.get("title"),
        feed_language=feed.get("language"),
        item_language=entry_language(entry, feed),
        guid=guid if guid in context.real_guids else None,
        link=link,
        # A media title names the photo, never the story, unless the item has no title at all
        # (a video or podcast item), as feedparser itself falls back.
        title_raw=entry.get("title") or media_title(entry),
        summary_raw=entry.get("summary"),
        content_raw=content,
        caption_raw=media_caption(entry) or media_titles_as_caption(entry),
        published_raw=own,
        published_fallback=_struct_to_datetime(
            _field(entry, "published_parsed") or _field(entry, "updated_parsed")
        ),
        updated_raw=_field(entry, "updated"),
        date_basis="published" if published else ("updated" if own else "none"),
        date_fallbacks=date_basis.fallbacks(
            entry,
            link,
            context.channel_date,
            context.newest_date,
            neighbour=context.neighbours[index],
        ),
        categories=tuple(c.strip() for c in categories if c and c.strip()),
        authors=tuple(a.strip() for a in authors if a.strip()),
        credits=tuple(media_credits(entry)),
        # The document's clock, which decides the newest revision of a story (revisions.py).
        channel_date=context.channel_date,
        newest_item_date=context.newest_date,
    )
    return without_controls(item)  # ESC or BEL in a guid, byline or credit never goes further


def _parse_wire(doc: RawDocument) -> list[Item | Reject]:
    text = decode_text(doc.data)
    if text is None:
        return [_reject(doc, "undecodable", "not valid text in its declared encoding")]
    text = text.lstrip("\ufeff")
    first, _, rest = text.lstrip().partition("\n")
    m = _WIRE_DATE.match(first)
    published = m.group(1) if m else None
    body = (m.group(2) + "\n" + rest) if m else text
    if len(body) > MAX_ITEM_CHARS:
        return [_reject(doc, "too_long", f"{len(body)} characters, cap {MAX_ITEM_CHARS}")]
    if not body.strip():
        return [_reject(doc, "empty", "wire text has a date line and nothing else")]
    return [
        Item(
            input=doc.input,
            item_index=0,
            format="wire",
            source="wire",
            fetched_at=doc.fetched_at,
            content_raw=body,
            published_raw=published,
        )
    ]
