"""Dates: zones feedparser gets wrong, Norwegian formats, precision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nordwire.transforms.feed.dates import local_date, parse_date


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        ("Sun, 10 Mar 2024 21:40:00 CET", datetime(2024, 3, 10, 20, 40, tzinfo=UTC), "time"),
        ("Fri, 30 Sep 2022 03:29:51 CEST", datetime(2022, 9, 30, 1, 29, 51, tzinfo=UTC), "time"),
        ("Fri, 30 Sep 2022 03:29:51 GMT", datetime(2022, 9, 30, 3, 29, 51, tzinfo=UTC), "time"),
        ("Fri, 30 Sep 2022 03:29:51 +0200", datetime(2022, 9, 30, 1, 29, 51, tzinfo=UTC), "time"),
        # No zone in a Norwegian feed: Oslo time (summer time here)
        ("Fri, 30 Sep 2022 03:29:51", datetime(2022, 9, 30, 1, 29, 51, tzinfo=UTC), "time"),
        ("26.06.2022 10:00", datetime(2022, 6, 26, 8, 0, tzinfo=UTC), "time"),
        ("2024-03-12T06:30:00+01:00", datetime(2024, 3, 12, 5, 30, tzinfo=UTC), "time"),
        ("2024-03-12", datetime(2024, 3, 11, 23, 0, tzinfo=UTC), "day"),
        ("2022-06", datetime(2022, 5, 31, 22, 0, tzinfo=UTC), "month"),
    ],
)
def test_parse_date(raw: str, expected: datetime, precision: str) -> None:
    assert parse_date(raw) == (expected, precision)


def test_unreadable_dates_use_the_fallback_or_say_none() -> None:
    fallback = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_date("i går kveld", fallback) == (fallback, "time")
    assert parse_date("i går kveld") == (None, "none")
    assert parse_date(None) == (None, "none")
    assert parse_date("31.02.2024 10:00") == (None, "none")


def test_local_date_is_the_oslo_calendar_day() -> None:
    assert local_date(datetime(2024, 3, 10, 23, 30, tzinfo=UTC)) == "2024-03-11"
    assert local_date(datetime(2022, 5, 31, 22, 0, tzinfo=UTC)) == "2022-06-01"
