"""The cloud streaming graph on the local runner with TestStream: fetch-time windows, explicit
triggers, the dedup in the global window (an old item polled again, a revision, the memory
that forgets), and the watermark moved ahead of the data."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.test_stream import TestStream as BeamTestStream
from apache_beam.testing.util import assert_that, equal_to, equal_to_per_window
from apache_beam.transforms.trigger import AccumulationMode, AfterWatermark
from apache_beam.transforms.window import IntervalWindow, TimestampedValue
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.streaming import early_firing, stream_stages
from nordwire.pipeline.read.query import connect
from nordwire.schemas.items import RawDocument
from nordwire.transforms.feed.dates import OSLO

TEXT = "Kommunestyret vedtok i kveld at skolen skal bygges ut, og ordføreren sier at arbeidet starter til høsten."
MORE = " Rådmannen legger fram en ny plan for finansieringen neste uke, og foreldrene er fornøyde."


def at(hour: int, minute: int, day: int = 11) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def item(guid: str, published: datetime, revised: bool = False) -> str:
    text = TEXT + (MORE if revised else "")
    return (
        f"<item><title>Sak {guid}</title><link>https://lokalavisa.example.no/{guid}</link>"
        f"<guid>{guid}</guid><pubDate>{published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{text} Sak {guid}.</description></item>"
    )


def poll(fetched: datetime, *items: str) -> TimestampedValue:
    """A poll's document, stamped with its fetch time as PollFeeds stamps it."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Lokalavisa'
        f"</title><link>https://lokalavisa.example.no/</link>{''.join(items)}</channel></rss>"
    )
    document = RawDocument("https://lokalavisa.example.no/rss", body.encode(), fetched)
    return TimestampedValue(document, fetched.timestamp())


def window(start: datetime, minutes: int = 5) -> IntervalWindow:
    return IntervalWindow(start.timestamp(), (start + timedelta(minutes=minutes)).timestamp())


def run_stream(events: BeamTestStream, out: Path, **config: Any) -> dict[str, Any]:
    """Run the stream's stages over `events`; the test asserts inside the pipeline."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    p = BeamTestPipeline(runner=BundleBasedDirectRunner(), options=options)
    settings = {"window": timedelta(minutes=5), "interval": 60.0, **config}
    outputs = stream_stages(
        p | events, JobConfig("stream", output=str(out), timezone=OSLO, **settings)
    )
    return {"pipeline": p, "outputs": outputs}


def texts(outputs: Any) -> Any:
    return outputs.articles | beam.Map(
        lambda i: (i.guid, len(i.content_raw or i.summary_raw or ""))
    )


def test_an_old_item_polled_twice_is_processed_once_and_its_revision_once_more(
    tmp_path: Path,
) -> None:
    two_days_ago = at(9, 0, day=9)  # published long before the watermark: never late, never clamped
    a, b = item("sak-a", two_days_ago), item("sak-b", at(10, 0))
    a2 = item("sak-a", two_days_ago, revised=True)
    events = (
        BeamTestStream()
        .add_elements([poll(at(10, 1), a, b)])
        .advance_watermark_to(at(10, 5).timestamp())  # 10:00-10:05 fires on time
        .add_elements([poll(at(10, 6), a, b)])  # the next poll repeats both: duplicates
        .advance_watermark_to(at(10, 30).timestamp())  # the watermark runs ahead of any data
        .add_elements([poll(at(10, 31), a2, b)])  # fetched after it: on time, a2 is a revision
        .advance_watermark_to_infinity()
    )
    out = tmp_path / "out"
    run = run_stream(events, out)
    outputs = run["outputs"]
    short, long = len(TEXT) + len(" Sak sak-a."), len(TEXT + MORE) + len(" Sak sak-a.")
    assert_that(
        texts(outputs),
        equal_to_per_window(
            {
                window(at(10, 0)): [("sak-a", short), ("sak-b", short)],
                window(at(10, 30)): [("sak-a", long)],
            }
        ),
        label="EachRevisionOnce",
    )
    assert_that(
        outputs.rejects | beam.Map(lambda r: (r.stage, r.reason, r.article_id is not None)),
        equal_to([("dedup", "duplicate", True)] * 3),
        label="TheRestAreDuplicates",
    )
    run["pipeline"].run().wait_until_finish()
    # (The stages' counters are not asserted here: the BundleBasedDirectRunner commits only
    # some bundles' metrics in streaming mode. tests/flink checks them on Flink.)
    rows = connect(str(out)).execute("SELECT guid, date FROM articles ORDER BY 1").fetchall()
    # The partition is the publication day, whatever window the item was written in.
    assert [(g, str(d)) for g, d in rows] == [("sak-a", "2024-03-09"), ("sak-b", "2024-03-11")]


def test_the_memory_forgets_an_id_dedup_days_after_it_was_last_seen(tmp_path: Path) -> None:
    a = item("sak-a", at(9, 0))
    events = (
        BeamTestStream()
        .add_elements([poll(at(10, 1), a)])
        .add_elements([poll(at(10, 40), a)])  # seen again: the memory runs from here
        .advance_watermark_to(at(11, 30).timestamp())  # 50 min after: still remembered
        .add_elements([poll(at(11, 31), a)])
        .advance_watermark_to(at(12, 40).timestamp())  # over an hour after the last sighting
        .add_elements([poll(at(12, 41), a)])  # forgotten: processed as new
        .advance_watermark_to_infinity()
    )
    run = run_stream(events, tmp_path / "out", dedup_memory=timedelta(hours=1))
    assert_that(
        run["outputs"].articles | beam.Map(lambda i: i.fetched_at),
        equal_to([at(10, 1), at(12, 41)]),
    )
    run["pipeline"].run().wait_until_finish()


def test_every_pane_is_written_once_and_rejects_share_the_windows(tmp_path: Path) -> None:
    events = (
        BeamTestStream()
        .add_elements([poll(at(10, 1), item("sak-a", at(9, 0)), item("sak-b", at(9, 1)))])
        .advance_watermark_to(at(10, 5).timestamp())
        .add_elements([poll(at(10, 7), item("sak-c", at(10, 6)), item("sak-a", at(9, 0)))])
        .advance_watermark_to(at(10, 20).timestamp())  # 10:10-10:20 hold nothing: nothing fires
        .advance_watermark_to_infinity()
    )
    out = tmp_path / "out"
    run = run_stream(events, out)
    assert_that(
        run["outputs"].rejects | beam.Map(lambda r: r.reason),
        equal_to_per_window({window(at(10, 5)): ["duplicate"]}),
    )
    run["pipeline"].run().wait_until_finish()
    files = Counter(str(p.relative_to(out)).split("/")[0] for p in out.rglob("*.parquet"))
    # One commit (one file) of articles and of their revisions per on-time pane (10:00-10:05
    # and 10:05-10:10), one of rejects.
    assert files == {"articles": 2, "revisions": 2, "rejects": 1}
    assert connect(str(out)).execute("SELECT count(*) FROM articles").fetchone() == (3,)


def test_the_windows_are_of_fetch_time_with_explicit_triggers() -> None:
    config = JobConfig("stream", window=timedelta(minutes=5), interval=60.0)
    assert early_firing(config) == timedelta(minutes=1)  # after each poll, at most once a window
    assert early_firing(JobConfig("stream", window=timedelta(seconds=30), interval=300.0)) == (
        timedelta(seconds=30)
    )
    p = beam.Pipeline()
    docs = p | beam.Create([poll(at(10, 1), item("sak-a", at(9, 0))).value])
    outputs = stream_stages(docs, config)
    windowing = outputs.articles.windowing
    assert isinstance(windowing.triggerfn, AfterWatermark)
    assert windowing.triggerfn.early is not None and windowing.triggerfn.late is not None
    assert windowing.accumulation_mode == AccumulationMode.DISCARDING
    assert outputs.rejects.windowing.windowfn == windowing.windowfn
