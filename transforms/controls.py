"""Control characters: stripped from the short text fields at parse time, made visible on a terminal.

A feed can put ESC and BEL sequences in an author, a guid, a category or a photo credit
(`\\x1b]0;owned\\x07`, `\\x1b[2J`): printed raw, they retitle or clear the reader's terminal,
or hide text. The long text fields (title, summary, body, caption, feed title) lose them in
the normalise stage, after the mojibake repair that needs the C1 range; the short ones are
cleaned here, as they are read. Whatever still reaches a terminal (rows written before this,
a file name, a reject's excerpt of the raw input) is shown escaped by `visible`.
"""

from __future__ import annotations

import re

from nordwire.schemas.items import Item

# C0 controls but tab, line feed and carriage return; DEL; the C1 range (0x9b is an 8-bit CSI).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A whole terminal escape sequence, so that none of it is left behind as text: CSI
# (`ESC [ 2 J`, or the 8-bit 0x9b), OSC up to BEL or ST (`ESC ] 0 ; title BEL`), and the
# two-character ones (`ESC c`).
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]"
)
# What a terminal must never receive raw: every control (a lone carriage return rewrites the
# line) and the bidirectional overrides and isolates that reorder what is shown.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The short fields an item carries from its document, cleaned at parse time.
_TEXT = ("guid", "link", "feed_language")
_LISTS = ("authors", "categories", "credits")


def strip_controls(text: str) -> str:
    """`text` without terminal escape sequences and control characters (tab, line feed and
    carriage return stay)."""
    return CONTROL.sub("", _SEQUENCE.sub("", text))


def without_controls(item: Item) -> Item:
    """The item with control characters gone from its guid, link, language, authors,
    categories and credits (the fields no later stage cleans of them)."""
    changes: dict[str, object] = {}
    for name in _TEXT:
        value = getattr(item, name)
        if value is not None and CONTROL.search(value):
            changes[name] = strip_controls(value)
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
