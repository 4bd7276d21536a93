"""What one commit takes and reports: stories, reject and fetch rows, the outcome, the bundle's id.

The sink builds these (pipeline/io/sink.py) and revise.py commits them; the bundle id is the
application id that makes a retried bundle or firing a no-op.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nordwire.schemas.revisions import Version

Row = dict[str, Any]


@dataclass
class Story:
    """A finished article as the sink hands it over: its rows in their first version."""

    day: str  # the partition date its own dates give (YYYY-MM-DD)
    topic: str
    row: Row  # the articles row (without partition columns)
    entities: list[Row]
    quotes: list[Row]
    version: Version

    @property
    def article_id(self) -> str:
        """The story's id."""
        return str(self.row["article_id"])

    @property
    def seen(self) -> tuple[datetime, datetime]:
        """(the document's clock, fetch time): what decides which copy is newer."""
        return self.version.revised_at, self.row["fetched_at"]


@dataclass
class RejectRow:
    """A rejects row and its partition date (the fetch day)."""

    day: str
    row: Row


@dataclass
class FetchRow:
    """A feeds row (one fetch of a feed) and its partition date (the fetch day)."""

    day: str
    row: Row


@dataclass
class Outcome:
    """What one commit did, for counters and summary lines."""

    new: Counter[str] = field(
        default_factory=Counter
    )  # stories stored for the first time, by topic
    revised: Counter[str] = field(default_factory=Counter)  # a newer version applied, by topic
    unchanged: int = 0  # the same version was already stored
    older: int = 0  # a copy older than the stored version
    rejects: Counter[str] = field(default_factory=Counter)  # new reject rows, by reason
    rejects_present: int = 0
    fetches: int = 0  # new feeds rows
    attempts: int = 1
    skipped: bool = False  # the bundle had already been committed (a retry)


def bundle_id(
    stories: Sequence[Story],
    rejects: Sequence[RejectRow],
    fetches: Sequence[FetchRow] = (),
    scope: str = "",
) -> str:
    """The application id of a bundle: a digest of its rows (and of `scope`, which names the
    window and pane of a stream's firing), the same on every retry."""
    digest = hashlib.sha256(scope.encode())
    for s in sorted(stories, key=lambda s: s.article_id):
        parts = (s.article_id, s.version.content_hash, s.version.revised_at, s.row["fetched_at"])
        digest.update("\x1f".join(map(str, parts)).encode() + b"\n")
    for r in sorted(rejects, key=lambda r: str(r.row["reject_id"])):
        digest.update(str(r.row["reject_id"]).encode() + b"\n")
    for f in sorted(str(f.row["fetch_id"]) for f in fetches):
        digest.update(b"fetch " + f.encode() + b"\n")
    return "nordwire-" + digest.hexdigest()[:32]
