"""The rejects table: one row per input or item that did not become an article, with the reason."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from nordwire.schemas.columns import describe

if TYPE_CHECKING:
    from nordwire.schemas.items import Item

SCHEMA_VERSION = 1
# The output tag a stage's rejects leave by (its dead-letter output), at every edge and stage.
REJECTS = "rejects"

# The stages that reject, in the order an input meets them (rejects.stage). `fetch`: a feed the
# Beam jobs could not fetch (the poller keeps those in its feed health instead).
STAGES = (
    "read",
    "fetch",
    "parse",
    "identity",
    "dedup",
    "normalise",
    "language",
    "metadata",
    "mentions",
    "topic",
)

# The closed set of reasons; README documents each.
REASONS = (
    "unparseable",  # the file or body is not a feed nor wire text we can read
    "html_page",  # an HTML page where a feed was expected
    "undecodable",  # bytes that are not text in any encoding we accept
    "empty",  # nothing to read: empty file, or an item without title and text
    "no_items",  # a well-formed feed with zero items
    "not_found",  # an input path or pattern that matches no file
    "unreadable",  # a file that exists but cannot be read
    "too_large",  # input over the size cap (a feed body too)
    "http_error",  # a feed answered with an HTTP error status (detail: HTTP 404, ...)
    "unreachable",  # a feed's server could not be reached (refused, no such host, reset)
    "timeout",  # a feed's server did not answer in time
    "truncated",  # a feed's body was cut short in transit
    "redirect",  # a feed redirected too often, or to a page that is not a feed
    "too_long",  # an item whose text exceeds the cap
    "not_norwegian",  # detected language is not Norwegian (detail has the language)
    "duplicate",  # same article_id as another item of this run (detail has the kept input)
    "error",  # a stage raised; `error` has the exception
)


@dataclass(frozen=True, slots=True)
class Reject:
    """Why something was not kept, with enough context to find it again."""

    stage: str
    reason: str
    input: str
    fetched_at: datetime
    source: str | None = None
    item_index: int | None = None
    article_id: str | None = None
    detected_language: str | None = None
    detail: str | None = None
    error: str | None = None
    excerpt: str | None = None

    @property
    def reject_id(self) -> str:
        """Stable id: the same failure on the same input gives the same id on every run."""
        key = "\x1f".join(
            str(v) for v in (self.stage, self.reason, self.input, self.item_index, self.article_id)
        )
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @classmethod
    def of_item(cls, item: Item, stage: str, reason: str, **details: Any) -> Reject:
        """The reject of an item, carrying where it came from (input, index, id, source)."""
        return cls(
            stage=stage,
            reason=reason,
            input=item.input,
            fetched_at=item.fetched_at,
            source=item.source,
            item_index=item.item_index,
            article_id=item.article_id,
            **details,
        )

    def to_row(self, pipeline_version: str) -> dict[str, Any]:
        """The Parquet row (partition columns excluded)."""
        row = asdict(self)
        row["reject_id"] = self.reject_id
        row["pipeline_version"] = pipeline_version
        row["schema_version"] = SCHEMA_VERSION
        return row


def excerpt_of(text: str | bytes | None, limit: int = 500) -> str | None:
    """A short, always-decodable excerpt of raw input for the rejects table."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", "replace")
    return text[:limit]


# Every column's description (see schemas/columns.py); a column without one fails a test.
DESCRIPTIONS = {
    "reject_id": "Stable id of the failure (stage, reason, input, item index, article id).",
    "stage": f"Stage that gave up: {', '.join(STAGES)}.",
    "reason": "Why, from a closed set: not_found, unreadable, too_large, undecodable, ... (docs).",
    "detail": "A human sentence: what was found.",
    "error": "The exception, for reason error.",
    "source": "Publisher of the input or item, when known.",
    "input": "The file or URL it came from.",
    "item_index": "The item's position in its feed; NULL for a whole input.",
    "article_id": "The item's article id, when it got that far.",
    "detected_language": "For not_norwegian: what it was read as (da, sv, en, ...).",
    "excerpt": "The first 500 characters of the raw input or item.",
    "fetched_at": "When the input was read, UTC.",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}

SCHEMA = pa.schema(
    [
        pa.field("reject_id", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("error", pa.string()),
        pa.field("source", pa.string()),
        pa.field("input", pa.string(), nullable=False),
        pa.field("item_index", pa.int32()),
        pa.field("article_id", pa.string()),
        pa.field("detected_language", pa.string()),
        pa.field("excerpt", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "rejects", "nordwire.schema_version": str(SCHEMA_VERSION)},
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS)
