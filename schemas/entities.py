"""The entities table: one row per named-entity mention, and its Arrow schema."""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
from nordwire.schemas.items import Item

SCHEMA_VERSION = 1

SCHEMA = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("sentence", pa.int32(), nullable=False),
        pa.field("normalised", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "entities", "nordwire.schema_version": str(SCHEMA_VERSION)},
)


def row_id(*parts: object) -> str:
    """A stable id from an article id and a position."""
    return hashlib.sha256(
        "\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")
    ).hexdigest()[:20]


def to_rows(item: Item, pipeline_version: str) -> list[dict[str, Any]]:
    """The entity rows of a finished article."""
    return [
        {
            "entity_id": row_id(item.article_id, m.field, m.start, m.end, m.label),
            "article_id": item.article_id,
            "field": m.field,
            "text": m.text,
            "label": m.label,
            "start": m.start,
            "end": m.end,
            "sentence": m.sentence,
            "normalised": m.normalised,
            "pipeline_version": pipeline_version,
            "schema_version": SCHEMA_VERSION,
        }
        for m in item.entities
    ]
