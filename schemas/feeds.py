"""The feeds table: one row per fetch of a feed by the streaming or the scheduled (poll-once) job.

The local poller keeps feed health in its SQLite state; a job on a runner has no such state,
so each fetch it makes lands here, and `nordwire feeds status` and `report` derive a feed's
health (last success, failures in a row, last error) from these rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import describe

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """One fetch of one feed: what came back, or why nothing did."""

    name: str
    url: str
    fetched_at: datetime
    job: str  # stream or poll-once
    ok: bool
    status: int | None = None  # HTTP status; None when no answer came
    reason: str | None = None  # for a failure: the rejects table's closed set (http_error, ...)
    detail: str | None = None
    bytes: int | None = None

    @property
    def fetch_id(self) -> str:
        """Stable id: the same fetch (feed and moment) gives the same id when a bundle is retried."""
        key = f"{self.url}\x1f{self.fetched_at.isoformat()}"
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def to_row(self, pipeline_version: str) -> dict[str, Any]:
        """The table's row (partition column excluded)."""
        row = asdict(self)
        row["fetch_id"] = self.fetch_id
        row["pipeline_version"] = pipeline_version
        row["schema_version"] = SCHEMA_VERSION
        return row


DESCRIPTIONS = {
    "fetch_id": "Stable id of the fetch (feed URL and fetch time).",
    "name": "The feed's name in the feeds list (its host and path when it has none).",
    "url": "The feed's URL.",
    "fetched_at": "When the fetch was made, UTC.",
    "job": "The job that fetched: stream, or poll-once (run --feeds).",
    "ok": "Whether a body came back (HTTP 200).",
    "status": "HTTP status; NULL when the server did not answer.",
    "reason": "For a failed fetch, the reject reason: http_error, unreachable, timeout, too_large, truncated, redirect.",
    "detail": "For a failed fetch, what the fetcher saw.",
    "bytes": "Size of the body, for a fetch that got one.",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}

SCHEMA = pa.schema(
    [
        pa.field("fetch_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("job", pa.string(), nullable=False),
        pa.field("ok", pa.bool_(), nullable=False),
        pa.field("status", pa.int32()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("bytes", pa.int64()),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={
        "nordwire.table": "feeds",
        "nordwire.schema_version": str(SCHEMA_VERSION),
        "nordwire.partitions": "date",
    },
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS)
