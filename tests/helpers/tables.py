"""A small written output (every Delta table, Hive partitions, optional poller state) without running Beam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from nordwire.pipeline.read.query import connect
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import make_item

BODY = "Erna Solberg møtte Equinor i Bergen. «Vi må ta grep nå», sa Erna Solberg til NRK."


def _item(n: int, source: str, day: int, topic: str, variety: str) -> Item:
    published = datetime(2024, 3, day, 9, n % 60, tzinfo=UTC)
    people = (Mention("body", "Erna Solberg", "PER", 0, 12, 0, "Erna Solberg"),)
    org = Mention("body", "Equinor", "ORG", 19, 26, 0, "Equinor")
    place = Mention("body", "Bergen", "GPE_LOC", 29, 35, 0, "Bergen")
    quote = QuoteMention("body", "Vi må ta grep nå", 38, 54, "Erna Solberg", "Erna Solberg", "sa")
    return make_item(
        source=source,
        article_id=f"id{n:03d}",
        identity_basis="guid",
        guid=f"g{n}",
        title=f"Sak {n}",
        body=BODY,
        published_at=published,
        date_precision="time",
        language=variety,
        variety=variety,
        language_confidence=0.91234567,
        topic=topic,
        topics=((topic, 1.0),),
        entities=(*people, org, place) if n % 2 == 0 else (org,),
        quotes=(quote,) if n % 3 == 0 else (),
    )


ITEMS = [
    _item(n, source, day, topic, variety)
    for n, (source, day, topic, variety) in enumerate(
        [
            ("nrk.no", 10, "politics", "nb"),
            ("nrk.no", 10, "sport", "nb"),
            ("vg.no", 11, "politics", "nb"),
            ("ntb", 11, "economy-business-finance", "nb"),
            ("nrk.no", 12, "politics", "nn"),
            ("vg.no", 12, "sport", "nb"),
        ]
    )
]


def write_output(out: Path, with_state: bool = True) -> Path:
    """Six articles over three days, their entities and quotes, two rejects, and feed state."""
    write_items(out, ITEMS)
    _write_rest(out, with_state)
    return out


def write_items(out: Path, items: list[Item]) -> None:
    """The articles, entities and quotes tables of `items`, committed as the sink does."""
    from nordwire.pipeline.io.delta import Tables
    from nordwire.pipeline.io.sink import commit_rows, story_of

    commit_rows(Tables(str(out)), [story_of(item, OSLO) for item in items])


def _write_rest(out: Path, with_state: bool) -> None:
    from nordwire.pipeline.io.delta import Tables
    from nordwire.pipeline.io.sink import commit_rows, reject_of

    fetched = datetime(2024, 3, 12, 10, tzinfo=UTC)
    rejected = [
        Reject("language", "not_norwegian", "a.xml", fetched, detected_language="sv"),
        Reject("parse", "unparseable", "b.xml", fetched),
    ]
    commit_rows(Tables(str(out)), [reject_of(r, OSLO) for r in rejected])
    if with_state:
        from nordwire.pipeline.poller.state import FeedUpdate, PollerState

        state = PollerState(out / "_state")
        try:
            updates = [
                FeedUpdate(
                    "https://www.nrk.no/toppsaker.rss",
                    "nrk",
                    fetched,
                    200,
                    None,
                    None,
                    None,
                    False,
                    False,
                    4,
                ),
                FeedUpdate(
                    "https://vg.no/rss", "vg", fetched, 503, "HTTP 503", None, None, True, False, 0
                ),
            ]
            state.commit([], [], updates, fetched, timedelta(days=30))
        finally:
            state.close()


def rows(out: Path, sql: str) -> list[tuple[object, ...]]:
    """The rows of `sql` over the tables under `out` (a sandboxed connection, closed after)."""
    con = connect(str(out))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
