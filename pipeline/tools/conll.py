"""Read NorNE files: NDT-format CoNLL (train) and UD CoNLL-U with `name=` in MISC (dev)."""

from __future__ import annotations

from pathlib import Path


class ConllError(ValueError):
    """A file that is not CoNLL with NorNE tags."""


def _tag(misc: str) -> str:
    for part in misc.split("|"):
        if part.startswith("name="):
            return part[len("name=") :]
    return "O"


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences as (tokens, IOB2 tags); multi-word token ranges (1-2) and empty nodes (1.1) skipped."""
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 10:
            raise ConllError(
                f"{path}:{number}: expected 10 tab-separated columns, found {len(cols)}"
            )
        if "-" in cols[0] or "." in cols[0]:
            continue
        words.append(cols[1])
        tags.append(_tag(cols[9]))
    if words:
        sentences.append((words, tags))
    if not sentences:
        raise ConllError(f"{path}: no sentences")
    return sentences
