"""The entities table: one row per named-entity mention, and its Arrow schema."""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import describe
from nordwire.schemas.items import MENTION_FIELDS, Item

# 2: start/end -> char_start/char_end (END is reserved in SQL); 3: content_hash
SCHEMA_VERSION = 3

# Every column's description (see schemas/columns.py); a column without one fails a test.
DESCRIPTIONS = {
    "entity_id": "Stable id of the mention (article, field, offsets, label); unique among the rows of one revision.",
    "article_id": "The article it belongs to (articles.article_id).",
    "content_hash": "The revision of the article it was found in (articles.content_hash): a row whose value is not the article's current one belongs to a superseded revision.",
    "field": f"{', '.join(MENTION_FIELDS[:-1])} or {MENTION_FIELDS[-1]}: the text char_start and char_end index.",
    "text": "The mention as written (Putins).",
    "label": "NorNE label: PER, ORG, LOC, GPE_LOC, GPE_ORG, PROD, EVT, DRV or MISC.",
    "char_start": "Character offset where the mention starts in that field (0-based).",
    "char_end": "Character offset just after the mention (field[char_start:char_end] == text).",
    "sentence": "Sentence index in the field.",
    "normalised": "The fullest name the article uses for it (Putins -> Vladimir Putin).",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}

SCHEMA = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("sentence", pa.int32(), nullable=False),
        pa.field("normalised", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "entities", "nordwire.schema_version": str(SCHEMA_VERSION)},
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS)


def row_id(*parts: object) -> str:
    """A stable id from an article id and a position."""
    return hashlib.sha256(
        "\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")
    ).hexdigest()[:20]


def to_rows(
    item: Item, pipeline_version: str, content_hash: str
) -> list[dict[str, Any]]:
    """The entity rows of a finished article, tied to the content hash of its version."""
    return [
        {
            "entity_id": row_id(item.article_id, m.field, m.start, m.end, m.label),
            "article_id": item.article_id,
            "content_hash": content_hash,
            "field": m.field,
            "text": m.text,
            "label": m.label,
            "char_start": m.start,
            "char_end": m.end,
            "sentence": m.sentence,
            "normalised": m.normalised,
            "pipeline_version": pipeline_version,
            "schema_version": SCHEMA_VERSION,
        }
        for m in item.entities
    ]
