"""Media RSS fields kept apart from the item's own text: captions and titles of photos are not the story.

feedparser reads `media:description` as the item's `description` and `media:title` as its
`title` (feedparser/namespaces/mediarss.py). In a common feed layout the item's own
`description` is empty and the photo's caption then becomes the article's summary or body,
and a `media:title` written before `<title>` replaces the headline. `media:text` (a transcript)
is dropped. Importing this module gives feedparser's Media RSS handlers their own keys instead:
`media_captions` (descriptions and texts, in document order) and `media_titles`, both lists on
the entry (or the channel). It is imported by the parse stage, so every process that parses
feeds (driver, Beam workers, the poller) reads media fields the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feedparser.namespaces import mediarss

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


def _start_media_description(self: Any, attrs_d: dict[str, str]) -> None:
    self.push("media_description", 1)


def _end_media_description(self: Any) -> None:
    _keep(self, "media_description", CAPTIONS)


def _start_media_text(self: Any, attrs_d: dict[str, str]) -> None:
    self.push("media_text", 1)


def _end_media_text(self: Any) -> None:
    _keep(self, "media_text", CAPTIONS)


def _start_media_title(self: Any, attrs_d: dict[str, str]) -> None:
    self.push("media_title", 1)


def _end_media_title(self: Any) -> None:
    _keep(self, "media_title", TITLES)


# The parser classes find handlers by name on their bases at parse time, so setting them on
# the Media RSS namespace mixin is enough; doing it again on re-import changes nothing.
mediarss.Namespace._start_media_description = _start_media_description
mediarss.Namespace._end_media_description = _end_media_description
mediarss.Namespace._start_media_text = _start_media_text
mediarss.Namespace._end_media_text = _end_media_text
mediarss.Namespace._start_media_title = _start_media_title
mediarss.Namespace._end_media_title = _end_media_title


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
