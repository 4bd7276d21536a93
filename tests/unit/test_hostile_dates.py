"""Impossible publication dates (issue 19) become `date_precision = 'none'`, never a crash or a guess."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from nordwire.pipeline.config import parse
from nordwire.pipeline.query import connect
from nordwire.pipeline.runner import run_job
from nordwire.transforms.dates import parse_date

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


def test_items_with_impossible_dates_are_articles(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Sak {i} om kommunen</title><link>https://avisa.example.no/sak-{i}</link>"
        f"<guid>sak-19{i:02d}</guid><pubDate>{raw}</pubDate><description>Kommunestyret vedtok i "
        f"kveld at skolen skal bygges ut, og ordføreren sier at arbeidet starter til høsten. "
        f"Sak nummer {i}.</description></item>"
        for i, raw in enumerate(HOSTILE)
    )
    feed = tmp_path / "feed.xml"
    feed.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Avisa</title>'
        f"<link>https://avisa.example.no/</link>{items}</channel></rss>",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(feed)], "output": str(out)}))
    con = connect(str(out))
    assert con.execute(
        "SELECT count(*), count(published_at), min(date_precision), max(date_precision) "
        "FROM articles"
    ).fetchone() == (len(HOSTILE), 0, "none", "none")
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
