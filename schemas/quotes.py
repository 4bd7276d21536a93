"""The quotes table: one row per quotation (direct speech, or reported: `ifølge X`, `X sier at ...`), and its Arrow schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import describe
from nordwire.schemas.entities import row_id
from nordwire.schemas.items import MENTION_FIELDS, Item

# 2: start/end -> char_start/char_end (END is reserved in SQL); 3: kind, content_hash
SCHEMA_VERSION = 3

# Every column's description (see schemas/columns.py); a column without one fails a test.
DESCRIPTIONS = {
    "quote_id": "Stable id of the quotation (article, field, offsets); unique among the rows of one revision.",
    "article_id": "The article it belongs to (articles.article_id).",
    "content_hash": "The revision of the article it was found in (articles.content_hash): a row whose value is not the article's current one belongs to a superseded revision.",
    "field": f"{', '.join(MENTION_FIELDS[:-1])} or {MENTION_FIELDS[-1]}: the text char_start and char_end index.",
    "quote": "The quoted words, without the quotation marks or dash.",
    "kind": "direct: the words as spoken (dash speech, «», a headline's X: – ...); reported: a statement attributed to the speaker (ifølge X, X sier at ..., Det opplyser X.), not verbatim.",
    "speaker": "Who said it, resolved: a short name or pronoun becomes the fullest name the article gives.",
    "speaker_raw": "The speaker as written in the reporting clause (Putin, han, KS-lederen).",
    "verb": "The reporting verb (sa, sier, skriver, ...).",
    "char_start": "Character offset where the quote starts in that field (0-based).",
    "char_end": "Character offset just after the quote (field[char_start:char_end] == quote).",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}

SCHEMA = pa.schema(
    [
        pa.field("quote_id", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("quote", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("speaker", pa.string()),
        pa.field("speaker_raw", pa.string()),
        pa.field("verb", pa.string()),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "quotes", "nordwire.schema_version": str(SCHEMA_VERSION)},
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS)


def to_rows(
    item: Item, pipeline_version: str, content_hash: str
) -> list[dict[str, Any]]:
    """The quote rows of a finished article, tied to the content hash of its version."""
    return [
        {
            "quote_id": row_id(item.article_id, q.field, q.start, q.end),
            "article_id": item.article_id,
            "content_hash": content_hash,
            "field": q.field,
            "quote": q.quote,
            "kind": q.kind,
            "speaker": q.speaker,
            "speaker_raw": q.speaker_raw,
            "verb": q.verb,
            "char_start": q.start,
            "char_end": q.end,
            "pipeline_version": pipeline_version,
            "schema_version": SCHEMA_VERSION,
        }
        for q in item.quotes
    ]
