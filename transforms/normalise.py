"""Normalise stage: HTML to plain text, entities, mojibake repair, Unicode NFC, whitespace."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

import ftfy
from nordwire.schemas.items import Item

# Elements whose content is never text a reader sees.
_SKIP = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "svg", "iframe", "object"}
)
# Elements that end a paragraph.
_BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "table",
        "tr",
        "pre",
        "hr",
        "dd",
        "dt",
        "aside",
    }
)
_TAG_HINT = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?|!--)>?")
# Tags that, still present after one pass, mean the feed escaped its HTML twice.
_KNOWN_TAG = re.compile(
    r"</?(?:p|br|em|strong|b|i|u|a|div|span|ul|ol|li|h[1-6]|img|figure|figcaption|blockquote|"
    r"script|style|iframe|table|tr|td)\b[^<>]*>",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff\ufffe\uffff]")
# Characters a reader never sees: soft hyphen, zero-width space/non-joiner, word joiner and
# invisible operators, direction marks and embeddings, a BOM inside text, the Mongolian vowel
# separator. They split words for search ("lakse\u00adbaronene"), so they go from every text
# column. A zero-width joiner stays only after an emoji or symbol, where it builds a glyph.
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    "|(?<![\u2190-\u2bff\U0001f000-\U0001faff\ufe0f])\u200d"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_BREAKS = re.compile(r"\n{3,}")
# A text still carrying an escaped entity after one unescape was double-escaped by the feed.
_ESCAPED_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")

MAX_TEXT_CHARS = 200_000
# Characters that UTF-8 read as Latin-1/Windows-1252 leaves behind (Ã¸, Ã¥, â€™), and the
# replacement character: only text with one of them goes through ftfy.
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2\u0080-\u009f\ufffd]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, with block elements as paragraph breaks."""
    if "<" not in markup:
        return html.unescape(markup)
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        return html.unescape(_TAG_HINT.sub(" ", markup))
    return "".join(parser.parts)


def clean_text(value: str | None, *, markup: bool = True) -> str | None:
    """Plain, NFC, mojibake-free text with tidy whitespace; None for nothing left."""
    if value is None:
        return None
    text = value[:MAX_TEXT_CHARS]
    if markup and ("<" in text or "&" in text):
        text = html_to_text(text)
        if _KNOWN_TAG.search(text):  # double-escaped markup: strip it the second time too
            text = html_to_text(text)
        elif _ESCAPED_ENTITY.search(text):
            text = html.unescape(text)
    if _MOJIBAKE_HINT.search(text):  # ftfy is the costliest step here; most text needs nothing
        text = ftfy.fix_text(text, unescape_html=False, normalization="NFC")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _MANY_BREAKS.sub("\n\n", "\n".join(lines)).strip()
    return text or None


def strip_invisible(text: str) -> str:
    """`text` without the characters a reader never sees (soft hyphens, zero-width marks)."""
    return _INVISIBLE.sub("", text)


def _names(values: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = (" ".join(strip_invisible(v).split()) for v in values)
    return tuple(dict.fromkeys(v for v in cleaned if v))


def text_fields(item: Item) -> tuple[str | None, str | None, str | None]:
    """The clean title, summary and body of an item (what `normalise` fills them with)."""
    title = clean_text(item.title_raw)
    if title:
        title = " ".join(title.split())
    summary = clean_text(item.summary_raw)
    body = clean_text(item.content_raw, markup=item.format != "wire")
    if body is not None and body == summary:  # many feeds repeat the summary as content
        body = None
    return title, summary, body


def normalise(item: Item) -> Item:
    """Fill title, summary, body and caption with clean text; clean the short text fields too."""
    title, summary, body = text_fields(item)
    caption = clean_text(item.caption_raw)
    if caption is not None and caption in (summary, body):  # a caption repeated as the text
        caption = None
    feed_title = clean_text(item.feed_title)
    return item.evolve(
        title=title,
        summary=summary,
        body=body,
        caption=caption,
        feed_title=" ".join(feed_title.split()) if feed_title else None,
        authors=_names(item.authors),
        credits=_names(item.credits),
        categories=_names(item.categories),
    )
