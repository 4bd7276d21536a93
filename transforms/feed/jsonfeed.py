"""JSON Feed 1.0 and 1.1 (jsonfeed.org), read into the shape feedparser gives RSS and Atom.

feedparser 6.0 has no JSON Feed support, so every JSON Feed was an `unparseable` reject. This
module reads one itself and hands the parse stage what feedparser would: a `feed` mapping
(title, link, language, dates) and one `entries` mapping per item (id, link, title, summary,
content, published, updated, authors, tags, media titles), so JSON Feed items become Items by
the very code that makes RSS items, with the same guid, date and outlet rules.

Fields: `title`; `summary`; `content_html` and `content_text` (the longer is the body);
`date_published` and `date_modified` (RFC 3339, read by nordwire's date parser); `authors`
(1.1) or `author` (1.0), the feed's own when an item has none, as the spec says; `tags`;
`language` (1.1: the feed's, or its items' when they all agree); `id` (a number is made a
string, as the spec asks); `url`, else `external_url`, as the link; attachment titles as the
item's title when it has none (a podcast episode). Images carry no caption or credit, so
nothing of them is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

PREFIX = "https://jsonfeed.org/version/"
# A hostile document of 50 MB of `[],[],...` is 25 million Python objects: values are
# counted on the bytes (commas, colons, brackets) before anything is built.
MAX_VALUES = 2_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotAFeed(Exception):
    """A JSON document nordwire cannot read as a JSON Feed; `reason` is a rejects reason."""

    def __init__(self, reason: str, detail: str, error: str | None = None) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.error = reason, detail, error


def looks_like(body: bytes) -> bool:
    """A JSON object naming a JSON Feed version: enough to tell a feed from a login page."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and b"jsonfeed.org/version/" in body


def _text(value: Any) -> str | None:
    """A string field: numbers as text, lone surrogates (a `\\ud800` escape) as U+FFFD."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    return None


def _authors(node: Mapping[str, Any]) -> list[dict[str, str]]:
    """`authors` (1.1), else `author` (1.0), as feedparser's [{name}] list."""
    given = node.get("authors")
    if not isinstance(given, list):
        given = [node.get("author")]
    names = (_text(a.get("name")) for a in given if isinstance(a, Mapping))
    return [{"name": n} for n in names if n and n.strip()]


def _entry(item: Any, feed_authors: list[dict[str, str]]) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return {}  # not an object: an item with nothing in it (the normalise stage says so)
    contents = [
        {"value": text, "type": kind}
        for key, kind in (("content_html", "text/html"), ("content_text", "text/plain"))
        if (text := _text(item.get(key)))
    ]
    tags = item.get("tags")
    entry: dict[str, Any] = {
        "id": _text(item.get("id")),
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "title": _text(item.get("title")),
        "summary": _text(item.get("summary")),
        "content": contents,
        "published": _text(item.get("date_published")),
        "updated": _text(item.get("date_modified")),
        "authors": _authors(item) or feed_authors,
        "tags": [{"term": t} for t in map(_text, tags if isinstance(tags, list) else []) if t],
        "language": _text(item.get("language")),
    }
    if not entry["title"]:
        attachments = item.get("attachments")
        titles = [
            t
            for a in (attachments if isinstance(attachments, list) else [])
            if isinstance(a, Mapping) and (t := _text(a.get("title")))
        ]
        entry["media_titles"] = titles
    return entry


def read(data: bytes) -> dict[str, Any]:
    """A JSON Feed as feedparser's result (`version`, `feed`, `entries`); NotAFeed if it is not one."""
    values = sum(data.count(c) for c in (b",", b":", b"[", b"{"))
    if values > MAX_VALUES:
        raise NotAFeed("too_large", f"JSON with about {values} values, cap {MAX_VALUES}")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:  # not JSON, or nested past the stack
        raise NotAFeed(
            "unparseable", "not valid JSON", f"{type(exc).__name__}: {str(exc)[:300]}"
        ) from exc
    version = _text(document.get("version")) if isinstance(document, dict) else None
    if not version or not version.startswith(PREFIX):
        raise NotAFeed(
            "unparseable", f"JSON, but not a JSON Feed (no version starting with {PREFIX})"
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise NotAFeed("unparseable", "JSON Feed without an items array")
    number = re.sub(r"[^0-9]", "", version[len(PREFIX) :]) or "1"
    authors = _authors(document)
    entries = [_entry(item, authors) for item in items]
    languages = {e.get("language") for e in entries}
    feed = {
        "title": _text(document.get("title")),
        "link": _text(document.get("home_page_url")),
        "language": _text(document.get("language"))
        or (languages.pop() if len(languages) == 1 else None),
    }
    return {"version": f"json{number}", "feed": feed, "entries": entries, "bozo": 0}
