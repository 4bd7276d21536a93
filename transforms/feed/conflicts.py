"""Git merge-conflict markers in an input: find them and split the input into its versions.

A feed file committed in the middle of a merge holds `<<<<<<< ours`, `=======` and
`>>>>>>> theirs` lines (and `||||||| base` in diff3 style) around two versions of some of its
lines. Read as one document, the items of one version get the channel of the other. Git
writes markers as whole lines, so the versions are rebuilt line by line: the lines outside the
conflicts go to every version, the lines of each side to its own version (the diff3 base, an
ancestor of both, is left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = re.compile(rb"^<{7}(?:[ \t]|\r?\n|$)")
_BASE = re.compile(rb"^\|{7}(?:[ \t]|\r?\n|$)")
_SEPARATOR = re.compile(rb"^={7}[ \t]*\r?\n?$")
_END = re.compile(rb"^>{7}(?:[ \t]|\r?\n|$)")
_ANY = re.compile(rb"(?m)^(?:<{7}|>{7})(?:[ \t]|\r?$)")


@dataclass(frozen=True, slots=True)
class Conflicts:
    """What the markers of one input say: how many conflicts, and the versions (none if malformed)."""

    count: int
    versions: tuple[bytes, ...]  # ours, theirs; empty when the markers do not nest properly
    problem: str | None = None  # why the versions could not be rebuilt


def has_markers(data: bytes) -> bool:
    """True if some line opens or closes a merge conflict."""
    if b"<<<<<<<" not in data and b">>>>>>>" not in data:
        return False  # the cheap test first: almost no input has either
    return _ANY.search(data) is not None


def split_conflicts(data: bytes) -> Conflicts | None:
    """The versions of an input with conflict markers; None if it has no marker line."""
    if not has_markers(data):
        return None
    ours: list[bytes] = []
    theirs: list[bytes] = []
    state = "outside"  # outside, ours, base, theirs
    count = 0
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        if _START.match(line):
            if state != "outside":
                return Conflicts(count, (), f"line {number}: a conflict opens inside another")
            state, count = "ours", count + 1
        elif state == "outside" and _END.match(line):
            return Conflicts(count, (), f"line {number}: a conflict closes that never opened")
        elif state == "ours" and _BASE.match(line):
            state = "base"
        elif state in ("ours", "base") and _SEPARATOR.match(line):
            state = "theirs"
        elif state == "theirs" and _END.match(line):
            state = "outside"
        elif state == "outside":
            ours.append(line)
            theirs.append(line)
        elif state == "ours":
            ours.append(line)
        elif state == "theirs":
            theirs.append(line)
    if state != "outside":
        return Conflicts(count, (), "the last conflict is never closed")
    return Conflicts(count, (b"".join(ours), b"".join(theirs)))
