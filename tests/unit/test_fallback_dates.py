"""Issue 25, item 2: a date a feed gives an undated item is a day, never an invented time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.extract.metadata import date_bound, extract_metadata, with_bound
from nordwire.transforms.extract.text_dates import find_dates
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.partition import item_partition

from tests.conftest import FETCHED, make_item


def feed(items: str, channel: str = "") -> list[Item]:
    data = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Avisa</title>'
        f"<link>https://avisa.example.no/</link>{channel}{items}</channel></rss>"
    ).encode()
    return [
        extract_metadata(i)
        for i in parse_document(RawDocument("avisa.xml", data, FETCHED))
        if isinstance(i, Item)
    ]


def test_undated_items_of_a_snapshot_get_its_day_not_its_newest_time() -> None:
    # The snapshot's newest item is from 23:40 UTC on 11 October: 01:40 on the 12th in Oslo.
    # The undated items were not all published at 01:40 at night: they get the 12th, no time.
    items = feed(
        "<item><title>Datert</title><link>https://avisa.example.no/a/1</link>"
        "<pubDate>Tue, 11 Oct 2022 23:40:00 GMT</pubDate></item>"
        + "".join(
            f"<item><title>Udatert {n}</title><link>https://avisa.example.no/a/{n}</link></item>"
            for n in range(2, 5)
        )
    )
    dated, *undated = items
    assert (dated.date_precision, dated.date_basis) == ("time", "published")
    assert dated.published_at == datetime(2022, 10, 11, 23, 40, tzinfo=UTC)
    assert {(i.published_at, i.date_precision, i.date_basis) for i in undated} == {
        (datetime(2022, 10, 11, 22, 0, tzinfo=UTC), "day", "feed_newest")
    }
    # the day is the Oslo day of the bound, so the partition is the 12th, as for the dated one
    assert {item_partition(i)[0] for i in items} == {"2022-10-12"}


def test_the_day_of_a_fallback_is_taken_in_the_configured_time_zone() -> None:
    data = (
        b'<rss version="2.0"><channel><title>T</title><link>https://t.no/</link>'
        b"<lastBuildDate>Tue, 11 Oct 2022 23:40:00 GMT</lastBuildDate>"
        b"<item><title>Sak</title><link>https://t.no/sak</link></item></channel></rss>"
    )
    (raw,) = parse_document(RawDocument("t.xml", data, FETCHED))
    assert isinstance(raw, Item)
    oslo = extract_metadata(raw)
    utc = extract_metadata(raw, ZoneInfo("UTC"))
    assert (oslo.published_at, oslo.date_precision, oslo.date_basis) == (
        datetime(2022, 10, 11, 22, 0, tzinfo=UTC),
        "day",
        "channel",
    )
    assert utc.published_at == datetime(2022, 10, 11, 0, 0, tzinfo=UTC)


def test_an_item_that_gives_its_own_time_keeps_it() -> None:
    (item,) = feed(
        "<item><title>Sak</title><link>https://avisa.example.no/a/1</link>"
        "<dc:date>2022-10-11T09:15:00+02:00</dc:date></item>".replace(
            "<dc:date>", '<dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">'
        )
    )
    assert (item.published_at, item.date_precision, item.date_basis) == (
        datetime(2022, 10, 11, 7, 15, tzinfo=UTC),
        "time",
        "updated",
    )


def test_the_earliest_copy_bounds_a_story_seen_in_several_snapshots() -> None:
    early = make_item(date_fallbacks=(("feed_newest", datetime(2022, 10, 7, 8, tzinfo=UTC)),))
    late = make_item(date_fallbacks=(("feed_newest", datetime(2022, 10, 12, 3, tzinfo=UTC)),))
    dated = make_item(published_raw="Wed, 12 Oct 2022 10:00:00 +0200")
    kept = extract_metadata(with_bound(late, [date_bound(late), date_bound(early)]))
    assert (kept.published_at, kept.date_basis) == (
        datetime(2022, 10, 6, 22, 0, tzinfo=UTC),
        "feed_newest",
    )
    # a copy's own date is never replaced by another copy's bound
    assert with_bound(dated, [date_bound(early)]) is dated
    assert date_bound(dated) is None


WEDNESDAY = date(2022, 9, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the clause of the weekday decides, not the future of the clause after it
        ("Mandag ble det kjent at regjeringen vil kutte og skal spare.", "2022-09-26"),
        ("Politiet opplyste mandag at de vil etterforske saken videre.", "2022-09-26"),
        ("Regjeringen la fram planen på mandag, og den skal behandles i Stortinget.", "2022-09-26"),
        # still ahead when the weekday's own clause looks ahead
        ("Mandag skal saken opp, sa advokaten.", "2022-10-03"),
        ("Torsdag legger regjeringen fram statsbudsjettet.", "2022-09-29"),
    ],
)
def test_a_past_weekday_is_the_previous_one(text: str, expected: str) -> None:
    (d,) = find_dates(text, WEDNESDAY, "time")
    assert d.value == expected


def test_a_weekday_is_not_resolved_against_a_day_that_only_bounds_the_item() -> None:
    # An undated item dated by its snapshot: "mandag" could be any Monday before that day.
    (d,) = find_dates("Han ble pågrepet mandag.", WEDNESDAY, "bound")
    assert (d.value, d.precision) == (None, "unresolved")
    (m,) = find_dates("Det skjedde i mai.", WEDNESDAY, "bound")
    assert m.value == "2022-05"
