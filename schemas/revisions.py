"""The revisions table: one row per version of a story nordwire accepted, and its Arrow schema.

`Version` is what a writer knows about the version it writes: its number, content digests, the
document's clock and when the story was first seen. The articles row carries the newest
version; this table keeps every one, so `nordwire show ID` can list the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import describe

SCHEMA_VERSION = 1

_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a story: number, digests, the document's clock, first sighting."""

    revision: int
    content_hash: str
    field_hashes: tuple[tuple[str, str], ...]  # (field, digest) per field a reader sees
    revised_at: datetime  # the document's clock of this version (UTC)
    clock_basis: str  # updated, channel, feed_newest, fetched or file_mtime
    first_seen_at: datetime  # when the story was first seen (transforms/revisions.py: first_seen), UTC
    changed: tuple[str, ...] = ()  # fields that differ from the previous version


DESCRIPTIONS = {
    "article_id": "The story (articles.article_id).",
    "revision": "Version number: 1 for the first version seen, then 2, 3, ... as corrections arrive in later runs or polls (one run keeps only a story's newest copy).",
    "content_hash": "Digest of this version's content; entities and quotes rows carry it too.",
    "seen_at": "When this version was fetched (file modification time for files), UTC.",
    "revised_at": "The document's clock for this version, UTC (see clock_basis).",
    "clock_basis": "Where revised_at comes from: updated (the item's own), channel (lastBuildDate), feed_newest (the newest item of the document), fetched or file_mtime.",
    "title": "The headline of this version.",
    "topic": "The topic of this version (a correction may change it).",
    "changed": "The fields that differ from the previous version: title, summary, body, caption, byline, credits, categories, url, published_at; empty for revision 1.",
    "field_hashes": "A digest per field, to compare versions.",
    "field_hashes.field": "The field.",
    "field_hashes.hash": "Digest of the field's text.",
    "input": "The file or URL this version came from.",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}

# Partitioned by the story's first publication day only: a story's versions stay together, and
# a writer finds a story's day by reading one narrow file per day (pipeline/io/revise.py).
SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("revision", pa.int32(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("seen_at", _TS, nullable=False),
        pa.field("revised_at", _TS, nullable=False),
        pa.field("clock_basis", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("topic", pa.string(), nullable=False),
        pa.field("changed", pa.list_(pa.string())),
        pa.field(
            "field_hashes",
            pa.list_(pa.struct([pa.field("field", pa.string()), pa.field("hash", pa.string())])),
        ),
        pa.field("input", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={
        "nordwire.table": "revisions",
        "nordwire.schema_version": str(SCHEMA_VERSION),
        "nordwire.partitions": "date",
    },
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS)


def to_row(
    article: dict[str, Any], topic: str, version: Version, pipeline_version: str
) -> dict[str, Any]:
    """The revisions row of one version, from its articles row (partition column excluded)."""
    return {
        "article_id": article["article_id"],
        "revision": version.revision,
        "content_hash": version.content_hash,
        "seen_at": article["fetched_at"],
        "revised_at": version.revised_at,
        "clock_basis": version.clock_basis,
        "title": article["title"],
        "topic": topic,
        "changed": list(version.changed),
        "field_hashes": [{"field": f, "hash": h} for f, h in version.field_hashes],
        "input": article["input"],
        "pipeline_version": pipeline_version,
        "schema_version": SCHEMA_VERSION,
    }
