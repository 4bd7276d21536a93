"""Control characters: stripped from text fields at parse time, made visible on a terminal.

A feed can put ESC and BEL sequences in an author, a guid, a category or a photo credit
(`\\x1b]0;owned\\x07`, `\\x1b[2J`): printed raw, they retitle or clear the reader's terminal,
or hide text. Every text field loses them here, as it is read, whole sequences included;
the long ones (title, summary, body, caption, feed title) keep their C1 characters for the
normalise stage, which drops them after the mojibake repair that needs them. Whatever still
reaches a terminal (rows written before this, a file name, a reject's excerpt of the raw
input) is shown escaped by `visible`.
"""

from __future__ import annotations

import re

from nordwire.schemas.items import Item

# C0 controls but tab, line feed and carriage return; DEL; the C1 range (0x9b is an 8-bit CSI).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A whole terminal escape sequence, so that none of it is left behind as text: CSI
# (`ESC [ 2 J`), OSC up to BEL or ST (`ESC ] 0 ; title BEL`), the two-character ones
# (`ESC c`), and the 8-bit CSI and OSC (0x9b, 0x9d).
_SEQUENCE_7BIT = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]"
_SEQUENCE = re.compile(
    _SEQUENCE_7BIT + r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
_SEQUENCE_7 = re.compile(_SEQUENCE_7BIT)
# What a terminal must never receive raw: every control (a lone carriage return rewrites the
# line) and the bidirectional overrides and isolates that reorder what is shown.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The short fields an item carries from its document, cleaned whole at parse time.
_SHORT = ("guid", "link", "feed_language")
_LISTS = ("authors", "categories", "credits")
# The text fields the normalise stage cleans after repairing mojibake: here they lose the
# escape sequences and C0 controls only, since UTF-8 read as Latin-1 leaves C1 characters
# that the repair needs (’ read wrongly is â\x80\x99).
_LONG = ("title_raw", "summary_raw", "content_raw", "caption_raw", "feed_title")


def strip_controls(text: str) -> str:
    """`text` without terminal escape sequences and control characters (tab, line feed and
    carriage return stay)."""
    return CONTROL.sub("", _SEQUENCE.sub("", text))


def _strip_c0(text: str) -> str:
    return _C0.sub("", _SEQUENCE_7.sub("", text))


def without_controls(item: Item) -> Item:
    """The item with terminal escapes gone from its text fields: whole from the guid, link,
    language, authors, categories and credits, which no later stage cleans; the C0 part
    from the title, summary, content, caption and feed title."""
    changes: dict[str, object] = {}
    for names, clean, found in ((_SHORT, strip_controls, CONTROL), (_LONG, _strip_c0, _C0)):
        for name in names:
            value = getattr(item, name)
            if value is not None and found.search(value):
                changes[name] = clean(value)
    for name in _LISTS:
        values = getattr(item, name)
        if any(CONTROL.search(v) for v in values):
            changes[name] = tuple(strip_controls(v) for v in values)
    return item.evolve(**changes) if changes else item


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """JSON text with the controls json.dumps leaves raw (DEL, C1, direction overrides) as
    \\u escapes: the same JSON, harmless on a terminal."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def visible(text: str) -> str:
    """`text` safe for a terminal: controls and direction overrides shown as `\\x1b`, `\\u202e`.

    Line feeds and tabs stay (the line and CSV layouts need them); a carriage return that
    is not part of a CRLF is shown too.
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))
