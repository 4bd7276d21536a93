"""The articles table: one row per kept Norwegian article, and its Arrow schema."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import describe
from nordwire.schemas.items import Item
from nordwire.schemas.revisions import Version

# 2: entity lists, dates, extraction_cut; 3: dates[].start/end -> char_start/char_end;
# 4: date_basis, language_basis; 5: revision, first_seen_at, revised_at, content_hash
SCHEMA_VERSION = 5

_TS = pa.timestamp("us", tz="UTC")

# Every column's description: the Parquet field metadata, docs/tables.md and the BigQuery schema
# are made from this (tests/unit/test_columns.py fails on a column without one).
DESCRIPTIONS = {
    "article_id": "Stable id of the story (hash of its canonical identity; see identity_basis).",
    "identity_basis": "What article_id was made from: guid, url or text.",
    "source": "Publisher: the feed's host without www. (nrk.no), or the wire agency (ntb).",
    "url": "The item's link without tracking parameters or fragment.",
    "guid": "The feed's guid when it is a real identifier; NULL for placeholders.",
    "title": "Headline as plain text; NULL for wire text.",
    "summary": "Plain text of the feed summary.",
    "body": "Plain text of the article, paragraphs separated by a blank line.",
    "caption": "Photo caption, never part of body.",
    "subheadings": "Sub-headings found in the body.",
    "byline": "Authors, comma-separated, or the wire byline.",
    "credits": "Photo credits, e.g. Pool via AP / NTB.",
    "categories": "The feed's own categories, as given.",
    "published_at": "Publication time in UTC: the item's own, else the best date its input gives (see date_basis); NULL when the input gives none.",
    "date_precision": "How precise published_at is: time, day, month, year or none.",
    "date_basis": "Where published_at comes from: published, updated, url, feed_order, channel, feed_newest, fetched or file_mtime (docs/feeds.md).",
    "updated_at": "Last update time in UTC, when the feed gives one.",
    "language": "nb or nn; no when the variety cannot be told.",
    "variety": "Written standard: nb (bokmål), nn (nynorsk) or NULL.",
    "language_confidence": "How sure the language detector was, 0 to 1.",
    "language_basis": "What the language decision used, joined by +: text (the model), cues (spellings only one language has), channel (the feed's <language>), domain (the host's country), document (the other items of the same feed).",
    "language_text": "What the detector read: title+summary, title+summary+body, ...",
    "topics": "Every topic with a score.",
    "topics.topic": "Topic slug from the closed vocabulary.",
    "topics.score": "Score in [0, 1]: 1.0 when a feed section (category, URL section or subdomain) names the topic; from the text model, the calibrated probability that the topic is right (named only at or above the topic's threshold).",
    "topic_basis": "How the primary topic was chosen: category (a feed section), url (a URL section or subdomain), text (the trained model) or none.",
    "word_count": "Words in title, summary and body (whitespace-separated tokens).",
    "people": "Distinct person names (PER), normalised.",
    "organisations": "Distinct ORG names, normalised (a country acting as a state, GPE_ORG, is under places).",
    "places": "Distinct LOC, GPE_LOC and GPE_ORG names, normalised (countries are places whatever they do in the sentence; the entities table keeps the finer label).",
    "products": "Distinct PROD names, normalised.",
    "events": "Distinct EVT names, normalised.",
    "quote_count": "Rows of this article in the quotes table: direct and reported speech alike (quotes.kind tells them apart).",
    "dates": "Temporal expressions in the text, resolved against the publication date.",
    "dates.text": "The expression as written (i morgen, 12. mars).",
    "dates.value": "Resolved value: YYYY, YYYY-MM, YYYY-MM-DD or a time; NULL when unresolved.",
    "dates.precision": "Precision of value (year, month, day, time, ...).",
    "dates.field": "title, summary or body: the text char_start and char_end index.",
    "dates.char_start": "Character offset where the expression starts in that field (0-based).",
    "dates.char_end": "Character offset just after the expression (field[char_start:char_end] == text).",
    "extraction_cut": "Characters left out of entity, quote and date extraction (over the cap).",
    "feed_title": "The feed's title.",
    "format": "Input format: rss20, atom10, wire, ...",
    "input": "The file or URL the article came from.",
    "fetched_at": "When the input of this revision was read, UTC (file modification time for files).",
    "first_seen_at": "When the story was first seen, UTC: the fetch of a polled feed; for a file, its document's build date (the later of its channel date and its newest item's) when earlier than the file's modification time.",
    "revised_at": "The document's clock for this revision, UTC: the item's updated date, else the channel's lastBuildDate, else the document's newest item, else the fetch time (revisions.clock_basis says which).",
    "revision": "Version of the story: 1 when first seen, one more for each correction seen in a later run or poll (the revisions table lists them; one run over many captures keeps only each story's newest copy).",
    "content_hash": "Digest of this revision's content; its entities and quotes rows carry the same value.",
    "pipeline_version": "nordwire version that wrote the row.",
    "schema_version": "Version of this table's schema the row was written with.",
}
# The IPTC ninjs property each column has the meaning of, where there is one.
NINJS = {
    "article_id": "uri",
    "title": "headline",
    "summary": "description_text",
    "body": "body_text",
    "byline": "by",
    "published_at": "firstcreated",
    "updated_at": "versioncreated",
    "language": "language",
    "topics": "subjects",
    "people": "people",
    "organisations": "organisations",
    "places": "places",
    "revision": "version",
}

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
        pa.field("date_basis", pa.string(), nullable=False),
        pa.field("updated_at", _TS),
        pa.field("language", pa.string(), nullable=False),
        pa.field("variety", pa.string()),
        pa.field("language_confidence", pa.float32()),
        pa.field("language_text", pa.string()),
        pa.field("language_basis", pa.string()),
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
                        pa.field("char_start", pa.int32()),
                        pa.field("char_end", pa.int32()),
                    ]
                )
            ),
        ),
        pa.field("extraction_cut", pa.int32(), nullable=False),
        pa.field("feed_title", pa.string()),
        pa.field("format", pa.string(), nullable=False),
        pa.field("input", pa.string(), nullable=False),
        pa.field("fetched_at", _TS, nullable=False),
        pa.field("first_seen_at", _TS, nullable=False),
        pa.field("revised_at", _TS, nullable=False),
        pa.field("revision", pa.int32(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={"nordwire.table": "articles", "nordwire.schema_version": str(SCHEMA_VERSION)},
)
SCHEMA = describe(SCHEMA, DESCRIPTIONS, NINJS)


def word_count(item: Item) -> int:
    """Words in title, summary and body, counted as whitespace-separated tokens."""
    return sum(len((t or "").split()) for t in (item.title, item.summary, item.body))


def names(item: Item, labels: tuple[str, ...]) -> list[str]:
    """Distinct normalised entity names with these labels, in order of first mention."""
    return list(dict.fromkeys(m.normalised for m in item.entities if m.label in labels))


def to_row(item: Item, pipeline_version: str, version: Version) -> dict[str, Any]:
    """The Parquet row for a finished item in `version` (partition columns excluded): the sink
    gives the one it decided (a revision number, the first sighting's time);
    transforms/revisions.py: first_version is a story's first."""
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
        "date_basis": item.date_basis,
        "updated_at": item.updated_at,
        "language": item.language,
        "variety": item.variety,
        "language_confidence": item.language_confidence,
        "language_text": item.language_text,
        "language_basis": item.language_basis,
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
                "char_start": d.start,
                "char_end": d.end,
            }
            for d in item.dates
        ],
        "extraction_cut": item.extraction_cut,
        "feed_title": item.feed_title,
        "format": item.format,
        "input": item.input,
        "fetched_at": item.fetched_at,
        "first_seen_at": version.first_seen_at,
        "revised_at": version.revised_at,
        "revision": version.revision,
        "content_hash": version.content_hash,
        "pipeline_version": pipeline_version,
        "schema_version": SCHEMA_VERSION,
    }
