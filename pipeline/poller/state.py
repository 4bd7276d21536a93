"""Local streaming state in SQLite: seen items (id and content digest), feed validators and health, pending raw bodies.

One database file; every cycle's changes are committed in one transaction, so a process
killed at any moment leaves either the old state or the new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the HTTP client loads only when the poller fetches, not for `feeds status`
    from nordwire.pipeline.io.fetch import Validators

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, name TEXT, etag TEXT, last_modified TEXT, last_status INTEGER,
    last_fetch_at TEXT, last_success_at TEXT, failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT, last_error TEXT, fetches INTEGER NOT NULL DEFAULT 0,
    not_modified INTEGER NOT NULL DEFAULT 0, new_items INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS seen (
    article_id TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL, digest TEXT, seen_at TEXT
);
CREATE TABLE IF NOT EXISTS raw (
    path TEXT PRIMARY KEY, url TEXT NOT NULL, fetched_at TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """What one fetch changes in a feed's record."""

    url: str
    name: str
    fetched_at: datetime
    status: int | None
    error: str | None
    validators: Validators | None  # None: keep the old ones
    next_attempt_at: datetime | None
    failed: bool
    not_modified: bool
    new_items: int = 0


@dataclass(frozen=True, slots=True)
class PendingRaw:
    """A landed feed body not yet processed and committed."""

    path: str
    url: str
    fetched_at: datetime


def display_name(name: str, url: str, limit: int = 40) -> str:
    """A feed's name; a feed given by URL alone is named by host and path, not host alone."""
    parts = urlsplit(url)
    if name == parts.hostname:
        name = f"{parts.hostname}{parts.path.rstrip('/')}"
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class PollerState:
    """The state database beside the output."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "state.sqlite"
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(seen)")}
        for column in ("digest", "seen_at"):  # state written before revisions were kept
            if column not in columns:
                self._db.execute(f"ALTER TABLE seen ADD COLUMN {column} TEXT")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def validators(self, url: str) -> Validators:
        """ETag and Last-Modified from the last successful fetch of `url`."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)
        ).fetchone()
        from nordwire.pipeline.io.fetch import Validators

        return Validators(*row) if row else Validators()

    def due(self, url: str, now: datetime) -> bool:
        """False while a feed is backing off after failures (or a Retry-After)."""
        row = self._db.execute("SELECT next_attempt_at FROM feeds WHERE url = ?", (url,)).fetchone()
        when = _dt(row[0]) if row else None
        return when is None or when <= now

    def failures(self, url: str) -> int:
        """Consecutive failed fetches of `url`."""
        row = self._db.execute("SELECT failures FROM feeds WHERE url = ?", (url,)).fetchone()
        return int(row[0]) if row else 0

    def add_pending(self, raw: PendingRaw) -> None:
        """Record a landed body before it is processed (committed at once)."""
        self._db.execute(
            "INSERT OR IGNORE INTO raw (path, url, fetched_at, done) VALUES (?, ?, ?, 0)",
            (raw.path, raw.url, _ts(raw.fetched_at)),
        )

    def pending(self) -> list[PendingRaw]:
        """Landed bodies not yet committed, oldest first (a crashed cycle's included)."""
        rows = self._db.execute(
            "SELECT path, url, fetched_at FROM raw WHERE done = 0 ORDER BY fetched_at, path"
        )
        return [PendingRaw(p, u, datetime.fromisoformat(f)) for p, u, f in rows]

    def unseen(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` never committed before."""
        wanted = set(ids)
        return wanted - self._known(wanted)

    def _known(self, ids: Iterable[str]) -> set[str]:
        wanted = list(set(ids))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self._db.execute(
                    f"SELECT article_id FROM seen WHERE article_id IN ({marks})", part
                )
            )
        return found

    def changed(self, items: Iterable[tuple[str, str]]) -> set[str]:
        """Those of the (article_id, digest) pairs never committed, or committed with another
        digest (the feed changed the item: a new revision to process)."""
        wanted = dict(items)
        known: dict[str, str | None] = {}
        batch = list(wanted)
        for i in range(0, len(batch), 500):
            part = batch[i : i + 500]
            marks = ",".join("?" * len(part))
            known.update(
                self._db.execute(
                    f"SELECT article_id, digest FROM seen WHERE article_id IN ({marks})", part
                ).fetchall()
            )
        return {aid for aid, digest in wanted.items() if known.get(aid, "") != digest}

    def commit(
        self,
        done: Iterable[str],
        items: Iterable[tuple[str, str]],
        updates: Iterable[FeedUpdate],
        now: datetime,
        retention: timedelta,
    ) -> None:
        """One transaction: raw bodies done, (article_id, digest) seen, feed records updated,
        items not seen changed for `retention` forgotten."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("UPDATE raw SET done = 1 WHERE path = ?", [(p,) for p in done])
            db.executemany(
                "INSERT INTO seen (article_id, first_seen_at, digest, seen_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
                "digest = excluded.digest, seen_at = excluded.seen_at",
                [(i, _ts(now), d, _ts(now)) for i, d in items],
            )
            for u in updates:
                self._update_feed(u)
            db.execute(
                "DELETE FROM seen WHERE coalesce(seen_at, first_seen_at) < ?",
                (_ts(now - retention),),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _update_feed(self, u: FeedUpdate) -> None:
        db = self._db
        db.execute("INSERT OR IGNORE INTO feeds (url, name) VALUES (?, ?)", (u.url, u.name))
        db.execute(
            "UPDATE feeds SET name = ?, last_status = ?, last_fetch_at = ?, next_attempt_at = ?, last_error = ?, "
            "fetches = fetches + 1, not_modified = not_modified + ?, new_items = new_items + ?, "
            "failures = CASE WHEN ? THEN failures + 1 ELSE 0 END, "
            "last_success_at = CASE WHEN ? THEN last_success_at ELSE ? END WHERE url = ?",
            (
                u.name,
                u.status,
                _ts(u.fetched_at),
                _ts(u.next_attempt_at),
                u.error,
                int(u.not_modified),
                u.new_items,
                int(u.failed),
                int(u.failed),
                _ts(u.fetched_at),
                u.url,
            ),
        )
        if u.validators is not None:
            db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?",
                (u.validators.etag, u.validators.last_modified, u.url),
            )

    def feed_rows(self) -> list[dict[str, Any]]:
        """Every feed's health, for `nordwire feeds status` and the report."""
        return _feed_rows(self._db)

    def failing(self, url: str) -> bool:
        """Whether the feed at `url` is failing now (see `failing`)."""
        return failing({"failures": self.failures(url)})


def _feed_rows(db: sqlite3.Connection) -> list[dict[str, Any]]:
    cursor = db.execute(
        "SELECT name, url, last_status, failures, last_success_at, last_fetch_at, next_attempt_at, "
        "fetches, not_modified, new_items, last_error FROM feeds ORDER BY name, url"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def read_feed_rows(directory: Path) -> list[dict[str, Any]] | None:
    """Every feed's health from the state in `directory`, read-only: nothing is created or
    migrated, so `feeds status` and `report` may read while the poller writes. None when
    there is no state there, or the file is not one (foreign, damaged)."""
    path = directory / "state.sqlite"
    if not path.is_file():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _feed_rows(db)
    except sqlite3.DatabaseError:
        return None
    finally:
        db.close()


def failing(row: Mapping[str, object]) -> bool:
    """The one definition of a failing feed: its last fetch failed (network, HTTP status, an
    HTML page, a feed with no items), and it stays failing until a fetch succeeds. `feeds
    status --check`, the poller's exit code and the report's colours all read it."""
    return bool(row.get("failures"))
