"""The articles table: one row per kept Norwegian article, and its Arrow schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from nordwire.schemas.items import Item

SCHEMA_VERSION = 2  # 2: entity lists, dates, extraction_cut

_TS = pa.timestamp("us", tz="UTC")

# `date` and `topic` are Hive partition columns: they live in the path, not in the files.
SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("identity_basis", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("guid", pa.string()),
        pa.field("title", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("body", pa.string()),
        pa.field("caption", pa.string()),
        pa.field("subheadings", pa.list_(pa.string())),
        pa.field("byline", pa.string()),
        pa.field("credits", pa.list_(pa.string())),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("published_at", _TS),
        pa.field("date_precision", pa.string(), nullable=False),
        pa.field("updated_at", _TS),
        pa.field("language", pa.string(), nullable=False),
        pa.field("variety", pa.string()),
        pa.field("language_confidence", pa.float32()),
        pa.field("language_text", pa.string()),
        pa.field(
            "topics",
            pa.list_(pa.struct([pa.field("topic", pa.string()), pa.field("score", pa.float32())])),
        ),
        pa.field("topic_basis", pa.string()),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("people", pa.list_(pa.string())),
        pa.field("organisations", pa.list_(pa.string())),
        pa.field("places", pa.list_(pa.string())),
        pa.field("products", pa.list_(pa.string())),
        pa.field("events", pa.list_(pa.string())),
        pa.field("quote_count", pa.int32(), nullable=False),
        pa.field(
            "dates",
            pa.list_(
                pa.struct(
                    [
                        pa.field("text", pa.string()),
                        pa.field("value", pa.string()),
                        pa.field("precision", pa.string()),
                        pa.field("field", pa.string()),
                        pa.field("start", pa.int32()),
                        pa.field("end", pa.int32()),
                    ]
                )
            ),
        ),
        pa.field("extraction_cut", pa.int32(), nullable=False),
        pa.field("feed_title", pa.string()),
        pa.field("format", pa.string(), nullable=False),
        pa.field("input", pa.string(), nullable=False),
        pa.field("fetched_at", _TS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "articles", "nordwire.schema_version": str(SCHEMA_VERSION)},
)


def word_count(item: Item) -> int:
    """Words in title, summary and body, counted as whitespace-separated tokens."""
    return sum(len((t or "").split()) for t in (item.title, item.summary, item.body))


def names(item: Item, labels: tuple[str, ...]) -> list[str]:
    """Distinct normalised entity names with these labels, in order of first mention."""
    return list(dict.fromkeys(m.normalised for m in item.entities if m.label in labels))


def to_row(item: Item, pipeline_version: str) -> dict[str, Any]:
    """The Parquet row for a finished item (partition columns excluded)."""
    if item.article_id is None or item.language is None:
        raise ValueError("item has not been through identity and language stages")
    return {
        "article_id": item.article_id,
        "identity_basis": item.identity_basis or "text",
        "source": item.source,
        "url": item.url,
        "guid": item.guid,
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "caption": item.caption,
        "subheadings": list(item.subheadings),
        "byline": item.byline,
        "credits": list(item.credits),
        "categories": list(item.categories),
        "published_at": item.published_at,
        "date_precision": item.date_precision,
        "updated_at": item.updated_at,
        "language": item.language,
        "variety": item.variety,
        "language_confidence": item.language_confidence,
        "language_text": item.language_text,
        "topics": [{"topic": t, "score": s} for t, s in item.topics],
        "topic_basis": item.topic_basis,
        "word_count": word_count(item),
        "people": names(item, ("PER",)),
        # A country acting as a state (GPE_ORG: "Russland angrep") is still the country a
        # reader looks for among places; the entities table keeps the finer label.
        "organisations": names(item, ("ORG",)),
        "places": names(item, ("GPE_LOC", "GPE_ORG", "LOC")),
        "products": names(item, ("PROD",)),
        "events": names(item, ("EVT",)),
        "quote_count": len(item.quotes),
        "dates": [
            {
                "text": d.text,
                "value": d.value,
                "precision": d.precision,
                "field": d.field,
                "start": d.start,
                "end": d.end,
            }
            for d in item.dates
        ],
        "extraction_cut": item.extraction_cut,
        "feed_title": item.feed_title,
        "format": item.format,
        "input": item.input,
        "fetched_at": item.fetched_at,
        "pipeline_version": pipeline_version,
        "schema_version": SCHEMA_VERSION,
    }
