"""Impossible publication dates (issue 19) become `date_precision = 'none'`, never a crash or a guess."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from nordwire.pipeline.config import parse
from nordwire.pipeline.read.query import connect
from nordwire.pipeline.runner import run_job
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.extract.metadata import best_date
from nordwire.transforms.feed.dates import OSLO, parse_date
from nordwire.transforms.feed.parse import parse_document

from tests.conftest import FETCHED

HOSTILE = [
    "Fri, 31 Dec 9999 23:59:59 -0100",
    "Fri, 31 Dec 9999 23:59:59 +0100",
    "Mon, 01 Jan 0001 00:00:00 +0100",
    "01 Jan 0001 +0100",
    "Mon, 11 Mar 2024 09:00:00 +9999",
    "Mon, 11 Mar 2024 09:00:00 -2400",
    "Mon, 11 Mar 2024 09:00:00 +0160",
    "1" * 400,
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01",
    "01.01.0001",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_impossible_dates_have_no_value(raw: str) -> None:
    # The fallback is what a lenient parser made of the same text (1111-11-11 for the "1"s).
    assert parse_date(raw, datetime(1111, 11, 11, tzinfo=UTC)) == (None, "none")
    assert parse_date(raw) == (None, "none")


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("Mon, 11 Mar 24 09:00:00 +0100", "2024-03-11T08:00:00+00:00"),  # two-digit year
        ("Mon, 11 Mar 2024 09:00:00 -0530", "2024-03-11T14:30:00+00:00"),
        ("Mon, 11 Mar 2024 09:00:00 +1400", "2024-03-10T19:00:00+00:00"),  # Kiribati
        ("Sun, 31 Dec 2199 12:00:00 +0000", "2199-12-31T12:00:00+00:00"),
    ],
)
def test_real_dates_keep_their_value(raw: str, utc: str) -> None:
    moment, precision = parse_date(raw)
    assert moment is not None and moment.isoformat() == utc and precision == "time"


def dated_feed(path: Path, dates: list[str], tag: str, channel: str = "") -> Path:
    """An RSS file with one item per date (guids sak-<tag>00, sak-<tag>01, ...)."""
    items = "".join(
        f"<item><title>Sak {i} om kommunen</title><link>https://avisa.example.no/sak-{i}</link>"
        f"<guid>sak-{tag}{i:02d}</guid><pubDate>{raw}</pubDate><description>Kommunestyret vedtok "
        f"i kveld at skolen skal bygges ut, og ordføreren sier at arbeidet starter til høsten. "
        f"Sak nummer {i}.</description></item>"
        for i, raw in enumerate(dates)
    )
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Avisa</title>'
        f"<link>https://avisa.example.no/</link>{channel}{items}</channel></rss>",
        encoding="utf-8",
    )
    return path


def test_items_with_impossible_dates_are_articles(tmp_path: Path) -> None:
    feed = dated_feed(tmp_path / "feed.xml", HOSTILE, "19")
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(feed)], "output": str(out)}))
    con = connect(str(out))
    assert con.execute(
        "SELECT count(*), count(published_at), min(date_precision), max(date_precision) "
        "FROM articles"
    ).fetchone() == (len(HOSTILE), 0, "none", "none")
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)


# Issue 27: a year past 2**31 raised OverflowError and lost the whole document; impossible
# offsets and days were stored as the moment feedparser made up from their pieces.
HUGE_YEARS = [
    "Mon, 11 Mar 2147483648 09:00:00 +0100",
    "Mon, 11 Mar 99999999999999999999 09:00:00 GMT",
    "2147483648-03-11T09:00:00+01:00",
]
IMPOSSIBLE = [
    "Mon, 11 Mar 2024 09:00:00 +99:99",
    "2024-03-11T09:00:00+99:99",
    "2024-03-11T09:00:00-19:00",
    "2024-02-30",
    "2024-02-30T10:00:00+01:00",
    "Fri, 30 Feb 2024 10:00:00 +0100",
    "Mon, 11 Mar 2024 25:61:00 +0100",
    "30.02.2024",
    "2024-13",
]


@pytest.mark.parametrize("raw", HUGE_YEARS + IMPOSSIBLE)
def test_huge_years_and_impossible_values_claim_no_date(raw: str) -> None:
    # The fallback is feedparser's reading: 2024-02-30 as 1 March, +99:99 as four days back.
    made_up = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert parse_date(raw, made_up) == (None, "none")


def test_colon_offsets_still_count() -> None:
    moment, _ = parse_date("Mon, 11 Mar 2024 09:00:00 +01:00")
    assert moment == datetime(2024, 3, 11, 8, 0, tzinfo=UTC)


def test_a_huge_year_loses_only_that_date(tmp_path: Path) -> None:
    dates = [*HUGE_YEARS, *IMPOSSIBLE[:4], "Mon, 11 Mar 2024 10:00:00 +0100"]
    channel = f"<pubDate>{HUGE_YEARS[0]}</pubDate><lastBuildDate>{HUGE_YEARS[1]}</lastBuildDate>"
    feed = dated_feed(tmp_path / "feed.xml", dates, "27", channel)
    parts = parse_document(RawDocument(str(feed), feed.read_bytes(), FETCHED))
    assert all(isinstance(p, Item) for p in parts) and len(parts) == len(dates)
    found = {
        p.guid: f"{basis} {moment.astimezone(OSLO):%Y-%m-%d}" if moment else basis
        for p in parts
        if isinstance(p, Item)
        for moment, _, basis in [best_date(p)]
    }
    assert found.pop(f"sak-27{len(dates) - 1:02d}") == "published 2024-03-11"
    # The others take the document's one real date (its day), saying so; none keeps its own
    # made-up one (1 March for 30 February, four days back for +99:99).
    assert set(found.values()) == {"feed_newest 2024-03-11"}, found
