"""Which outlet an item belongs to: a path-safe slug of its publisher's host or name."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from nordwire.transforms.feed.identity import site_of

_SOURCE_CHARS = re.compile(r"[^a-z0-9.-]+")


def source_slug(value: str | None) -> str | None:
    """A publisher name or host as a short, path-safe slug (www. dropped)."""
    if not value:
        return None
    try:
        host = urlsplit(value).hostname if "://" in value else None
    except ValueError:  # http://[::1 (a bracket never closed): the text itself is all there is
        host = None
    text = (host or value).strip().lower()
    text = text.removeprefix("www.")
    text = _SOURCE_CHARS.sub("-", text).strip("-.")
    return text[:100] or None


def host_of(url: Any) -> str | None:
    """The host of an absolute http(s) URL, or None."""
    if not isinstance(url, str) or "://" not in url:
        return None
    try:
        return urlsplit(html.unescape(url.strip())).hostname
    except ValueError:
        return None


def item_source(link: str | None, origin: Any, context_source: str, site: str | None) -> str:
    """The outlet of an item: its link's host when that is another site than the channel's.

    Aggregated and syndicated items link to the publisher; the channel stays in `feed_title`.
    Without a link on another site, an RSS `<source url>` naming another site counts the same.
    """
    if site is None:
        return context_source
    for candidate in (link, origin.get("href") if isinstance(origin, Mapping) else None):
        host = host_of(candidate)
        if host and site_of(host) != site:
            return source_slug(host) or context_source
    return context_source
