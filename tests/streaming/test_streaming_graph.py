"""The cloud streaming graph on the local runner with TestStream: windows, dedup across polls, late data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.test_stream import TestStream as BeamTestStream
from apache_beam.testing.util import assert_that, equal_to_per_window
from apache_beam.transforms.window import IntervalWindow, TimestampedValue
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.streaming import event_time, stream_stages
from nordwire.pipeline.read.query import connect
from nordwire.schemas.items import RawDocument
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import make_item
from tests.helpers.feedserver import rss


def at(hour: int, minute: int) -> datetime:
    return datetime(2024, 3, 11, hour, minute, tzinfo=UTC)


def feed(*items: tuple[str, datetime]) -> bytes:
    body = rss([(guid, f"Sak {guid}") for guid, _ in items]).decode()
    for i, (_, when) in enumerate(items):  # rss() dates items 09:0i +0100; set the real ones
        body = body.replace(
            f"Mon, 11 Mar 2024 09:{i:02d}:00 +0100", when.strftime("%a, %d %b %Y %H:%M:%S +0000"), 1
        )
    return body.encode()


def doc(fetched: datetime, *items: tuple[str, datetime]) -> TimestampedValue:
    return TimestampedValue(
        RawDocument("https://lokalavisa.example.no/rss", feed(*items), fetched), fetched.timestamp()
    )


def window(h1: int, m1: int, h2: int, m2: int) -> IntervalWindow:
    return IntervalWindow(at(h1, m1).timestamp(), at(h2, m2).timestamp())


def test_windows_dedup_across_polls_late_item_and_empty_window(tmp_path: Path) -> None:
    a, b, c, d = (
        ("sak-000a", at(10, 1)),
        ("sak-000b", at(10, 7)),
        ("sak-000c", at(10, 2)),
        ("sak-000d", at(10, 3)),
    )
    events = (
        BeamTestStream()
        .add_elements([doc(at(10, 11), a, b)])
        .add_elements([doc(at(10, 12), a, b, c)])  # the next poll repeats a and b
        .advance_watermark_to(at(10, 10).timestamp())  # windows up to 10:10 fire once
        .add_elements([doc(at(10, 14), d, a)])  # d belongs to 10:00-10:05, which has fired: late
        .advance_watermark_to(at(10, 20).timestamp())  # 10:10-10:20 hold no items: nothing fires
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    out = tmp_path / "out"
    with BeamTestPipeline(runner=BundleBasedDirectRunner(), options=options) as p:
        config = JobConfig("stream", output=str(out), timezone=OSLO, window=timedelta(minutes=5))
        outputs = stream_stages(p | events, config)
        assert_that(
            outputs.articles | beam.Map(lambda item: item.guid),
            equal_to_per_window(
                {
                    window(10, 0, 10, 5): ["sak-000a", "sak-000c", "sak-000d"],
                    window(10, 5, 10, 10): ["sak-000b"],
                }
            ),
        )
    rows = (
        connect(str(out))
        .execute("SELECT guid, count(*) FROM articles GROUP BY 1 ORDER BY 1")
        .fetchall()
    )
    assert rows == [("sak-000a", 1), ("sak-000b", 1), ("sak-000c", 1), ("sak-000d", 1)]
    files = sorted(p.parent.name for p in (out / "articles").rglob("*.parquet"))
    assert len(files) == 3  # one per window firing: 10:00-10:05, its late pane, 10:05-10:10


def test_event_time_is_publication_time_clamped_to_the_lateness() -> None:
    fetched = at(12, 0)
    item = make_item(fetched_at=fetched, published_raw="Mon, 11 Mar 2024 11:30:00 +0000")
    assert event_time(item, timedelta(hours=6), OSLO) == at(11, 30)
    old = make_item(fetched_at=fetched, published_raw="Mon, 04 Mar 2024 11:30:00 +0000")
    assert event_time(old, timedelta(hours=6), OSLO) == at(6, 0)
    assert event_time(make_item(fetched_at=fetched), timedelta(hours=6), OSLO) == fetched
