"""Media RSS fields kept apart from the item's own text: captions and titles of photos are not the story.

feedparser reads `media:description` as the item's `description` and `media:title` as its
`title` (feedparser/namespaces/mediarss.py). In a common feed layout the item's own
`description` is empty and the photo's caption then becomes the article's summary or body,
and a `media:title` written before `<title>` replaces the headline. `media:text` (a transcript)
is dropped. `parse_feed` reads a feed with Media RSS handlers of its own that keep them under
their own keys instead: `media_captions` (descriptions and texts, in document order) and
`media_titles`, both lists on the entry (or the channel).

feedparser 6 has no hook for element handlers: its parser finds `_start_<element>` methods by
name on the parser class that `feedparser.api.parse` builds. So, for the length of a call
only, `parse_feed` has feedparser.api build subclasses that carry our handlers; feedparser's
own classes are never changed, and outside our calls `feedparser.parse` behaves as shipped.
Calls overlap safely (Beam runs DoFns on several threads): the subclasses stay in place until
the last of our calls ends.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import feedparser
from feedparser import api

CAPTIONS = "media_captions"
TITLES = "media_titles"
# "Foto: NTB" in a credit element says what the element already says.
_CREDIT_PREFIX = re.compile(
    r"^(?:foto|photo|bilde|video|illustrasjon|grafikk)\s*:\s*", re.IGNORECASE
)


def _keep(self: Any, element: str, key: str) -> None:
    value = self.pop(element)
    if isinstance(value, str) and value.strip():
        self._get_context().setdefault(key, []).append(value.strip())


class _MediaHandlers:
    """Media RSS handlers that keep captions and titles apart (mixed in before feedparser's)."""

    def _start_media_description(self, attrs_d: dict[str, str]) -> None:
        self.push("media_description", 1)  # type: ignore[attr-defined]

    def _end_media_description(self) -> None:
        _keep(self, "media_description", CAPTIONS)

    def _start_media_text(self, attrs_d: dict[str, str]) -> None:
        self.push("media_text", 1)  # type: ignore[attr-defined]

    def _end_media_text(self) -> None:
        _keep(self, "media_text", CAPTIONS)

    def _start_media_title(self, attrs_d: dict[str, str]) -> None:
        self.push("media_title", 1)  # type: ignore[attr-defined]

    def _end_media_title(self) -> None:
        _keep(self, "media_title", TITLES)


_SHIPPED = {"StrictFeedParser": api.StrictFeedParser, "LooseFeedParser": api.LooseFeedParser}
_OURS = {name: type(name, (_MediaHandlers, cls), {}) for name, cls in _SHIPPED.items()}
_lock = threading.Lock()
_inside = 0


@contextmanager
def _media_parsers() -> Iterator[None]:
    global _inside
    with _lock:
        if _inside == 0:
            for name, cls in _OURS.items():
                setattr(api, name, cls)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                for name, cls in _SHIPPED.items():
                    setattr(api, name, cls)


def parse_feed(data: IO[bytes], headers: Mapping[str, str]) -> Any:
    """`feedparser.parse(data)` with the media fields kept apart (see the module docstring)."""
    with _media_parsers():
        return feedparser.parse(data, response_headers=dict(headers))


def media_caption(entry: Mapping[str, Any]) -> str | None:
    """The captions of an entry's photos and videos, each once, as paragraphs."""
    captions = [c for c in entry.get(CAPTIONS) or [] if isinstance(c, str)]
    unique = list(dict.fromkeys(c.strip() for c in captions if c.strip()))
    return "\n\n".join(unique) or None


def media_titles_as_caption(entry: Mapping[str, Any]) -> str | None:
    """An item's media titles when the item has a title of its own: they name what the photo
    shows (`<media:title>Jelena Välbe</media:title>` under a story's image), so they are its
    caption; used only when the feed gives no media description."""
    own = (entry.get("title") or "").strip()
    if not own:
        return None
    titles = [t.strip() for t in entry.get(TITLES) or [] if isinstance(t, str) and t.strip()]
    unique = [t for t in dict.fromkeys(titles) if t != own]
    return "\n\n".join(unique) or None


def media_title(entry: Mapping[str, Any]) -> str | None:
    """The title of an entry's first media element (a video's or podcast's own title)."""
    titles = [t for t in entry.get(TITLES) or [] if isinstance(t, str) and t.strip()]
    return titles[0] if titles else None


def media_credits(entry: Mapping[str, Any]) -> list[str]:
    """Photographer and agency credits of an entry's media, each once."""
    found = [c.get("content") for c in entry.get("media_credit") or [] if isinstance(c, Mapping)]
    names = (_CREDIT_PREFIX.sub("", c.strip()) for c in found if isinstance(c, str))
    return list(dict.fromkeys(n for n in names if n))
