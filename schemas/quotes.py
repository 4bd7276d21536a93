"""The quotes table: one row per direct quotation, and its Arrow schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from nordwire.schemas.entities import row_id
from nordwire.schemas.items import Item

SCHEMA_VERSION = 1

SCHEMA = pa.schema(
    [
        pa.field("quote_id", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("quote", pa.string(), nullable=False),
        pa.field("speaker", pa.string()),
        pa.field("speaker_raw", pa.string()),
        pa.field("verb", pa.string()),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "quotes", "nordwire.schema_version": str(SCHEMA_VERSION)},
)


def to_rows(item: Item, pipeline_version: str) -> list[dict[str, Any]]:
    """The quote rows of a finished article."""
    return [
        {
            "quote_id": row_id(item.article_id, q.field, q.start, q.end),
            "article_id": item.article_id,
            "field": q.field,
            "quote": q.quote,
            "speaker": q.speaker,
            "speaker_raw": q.speaker_raw,
            "verb": q.verb,
            "start": q.start,
            "end": q.end,
            "pipeline_version": pipeline_version,
            "schema_version": SCHEMA_VERSION,
        }
        for q in item.quotes
    ]
