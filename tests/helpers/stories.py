"""Finished items and the sink run over them, shared by the writer tests (stages/, e2e/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import FixedWindows
from nordwire.pipeline.io.sink import WriteTables
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import local_pipeline, make_item


def finished(article_id: str, topic: str, day: int, **kw: Any) -> Item:
    return make_item(
        **{
            "article_id": article_id,
            "identity_basis": "url",
            "title": f"Sak {article_id}",
            "language": "nb",
            "variety": "nb",
            "topic": topic,
            "published_at": datetime(2024, 3, day, 12, tzinfo=UTC),
            "date_precision": "time",
            "date_basis": "published",
            **kw,
        }
    )


def write(
    output: Path,
    items: list[Item],
    rejects: list[Reject],
    *,
    windowed: bool = False,
    **options: Any,
) -> None:
    with local_pipeline() as p:
        a = p | "Items" >> beam.Create(items)
        r = p | "Rejects" >> beam.Create(rejects)
        if windowed:  # a stream: one commit per window and day
            a = a | "WindowItems" >> beam.WindowInto(FixedWindows(3600))
            r = r | "WindowRejects" >> beam.WindowInto(FixedWindows(3600))
        _ = (a, r) | WriteTables(str(output), OSLO, **options)


def person(name: str) -> Mention:
    return Mention("title", name, "PER", 0, len(name), 0, name)


def story(article_id: str, day: int, name: str = "Jonas Gahr Støre", clock: int = 9) -> Item:
    quote = QuoteMention("body", "Vi må ta grep", 1, 14, name, name, "sa")
    return finished(
        article_id,
        "politics",
        day,
        title=name,
        body="«Vi må ta grep», sa han.",
        entities=(person(name),),
        quotes=(quote,),
        channel_date=datetime(2024, 3, day, clock, tzinfo=UTC),
    )


AGREE = (
    "SELECT count(*) FROM articles a WHERE a.quote_count <> "
    "(SELECT count(*) FROM quotes q WHERE q.article_id = a.article_id) OR list_sort(a.people) <> "
    "coalesce((SELECT list_sort(list(DISTINCT e.normalised)) FROM entities e "
    "WHERE e.article_id = a.article_id AND e.label = 'PER'), [])"
)
