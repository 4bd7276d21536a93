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
    return [(words, tags) for _, words, tags in read_conll_documents(path)]


def read_conll_documents(path: Path) -> list[tuple[str, list[str], list[str]]]:
    """Sentences as (document, tokens, IOB2 tags): the document is the `# source_file` (NDT
    CoNLL) or `# newdoc id` (CoNLL-U) comment in force, "" when the file names none."""
    sentences: list[tuple[str, list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    document = ""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            if words:
                sentences.append((document, words, tags))
                words, tags = [], []
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            if key.strip() in ("source_file", "newdoc id"):
                document = value.strip()
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
        sentences.append((document, words, tags))
    if not sentences:
        raise ConllError(f"{path}: no sentences")
    return sentences
