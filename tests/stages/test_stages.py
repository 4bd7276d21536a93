"""Each stage as a PTransform on the local runner: main output and dead-letter rejects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import FixedWindows
from nordwire.pipeline.graph.stages import (
    REJECTS,
    AssignIds,
    ClassifyTopic,
    DetectLanguage,
    DropDuplicates,
    ExtractMentions,
    ExtractMetadata,
    Normalise,
    ParseDocuments,
    _Stage,
)
from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import STAGES
from nordwire.transforms.feed.dates import OSLO
from nordwire.transforms.revisions import first_seen

from tests.conftest import FETCHED, local_pipeline, make_item
from tests.helpers.documents import RSS


def item(**kw: Any) -> Item:
    return make_item(**kw)


def run_stage(
    stage: beam.PTransform,
    elements: list[Any],
    items: Callable[[list[Any]], Any],
    rejects: Callable[[list[Any]], Any],
) -> None:
    with local_pipeline() as p:
        out = p | beam.Create(elements) | stage
        assert_that(out.items, items, label="items")
        assert_that(out[REJECTS], rejects, label="rejects")


def check(expected: Any) -> Callable[[list[Any]], None]:
    def _check(actual: list[Any]) -> None:
        got = sorted(expected_key(a) for a in actual)
        assert got == sorted(expected), got

    return _check


def expected_key(element: Any) -> Any:
    if isinstance(element, Item):
        return element.title_raw or element.title or element.article_id
    return element.reason


def test_parse_documents() -> None:
    docs = [
        RawDocument("a.xml", RSS, FETCHED),
        RawDocument("b.html", b"<html><body>404</body></html>", FETCHED),
    ]
    run_stage(ParseDocuments(), docs, check(["En", "To", "Tre"]), check(["html_page"]))


def test_assign_ids() -> None:
    run_stage(
        AssignIds(), [item(link="https://nrk.no/a", title_raw="A")], check(["A"]), equal_to([])
    )


@pytest.mark.parametrize("windowed", [False, True])
def test_drop_duplicates_keeps_the_richest_and_rejects_the_rest(windowed: bool) -> None:
    a = item(article_id="x", title_raw="kort", summary_raw="kort", item_index=0)
    b = item(article_id="x", title_raw="lang", summary_raw="mye lengre tekst", item_index=1)
    c = item(article_id="y", title_raw="annen", item_index=2)
    d = item(article_id="x", title_raw="kort igjen", summary_raw="kort", item_index=3)
    with local_pipeline() as p:
        items = p | beam.Create([a, d, b, c])
        if windowed:  # a stream: the dedup groups whole items per window
            items = items | beam.WindowInto(FixedWindows(3600))
        out = items | DropDuplicates()
        assert_that(
            out.items | beam.Map(lambda i: i.title_raw), equal_to(["lang", "annen"]), label="kept"
        )
        assert_that(
            out[REJECTS] | beam.Map(lambda r: (r.reason, r.item_index, r.article_id)),
            equal_to([("duplicate", 0, "x"), ("duplicate", 3, "x")]),
            label="dupes",
        )


@pytest.mark.parametrize("windowed", [False, True])
def test_drop_duplicates_keeps_a_dated_copy_over_a_longer_undated_one(windowed: bool) -> None:
    undated = item(article_id="x", title_raw="udatert", summary_raw="litt lengre tekst")
    dated = item(
        article_id="x",
        title_raw="datert",
        summary_raw="kort",
        published_raw="Tue, 11 Oct 2022 09:15:00 +0200",
        item_index=1,
    )
    with local_pipeline() as p:
        items = p | beam.Create([undated, dated])
        if windowed:
            items = items | beam.WindowInto(FixedWindows(3600))
        out = items | DropDuplicates()
        assert_that(out.items | beam.Map(lambda i: i.title_raw), equal_to(["datert"]))


@pytest.mark.parametrize("windowed", [False, True])
def test_drop_duplicates_keeps_the_newest_revision_by_the_documents_clock(windowed: bool) -> None:
    # Two snapshots of one feed: the later one corrected the name; its copy is shorter.
    first = item(
        article_id="x",
        title_raw="NÅ: Jan Erik (24) døde i arbeidsulykke",
        summary_raw="En lang ingress om ulykken " * 3,
        channel_date=datetime(2024, 3, 15, 9, tzinfo=UTC),
        input="snapshot-1.xml",
    )
    corrected = item(
        article_id="x",
        title_raw="NÅ: Jan Eirik (24) døde i arbeidsulykke",
        summary_raw="Kort.",
        channel_date=datetime(2024, 3, 15, 10, tzinfo=UTC),
        input="snapshot-2.xml",
    )
    with local_pipeline() as p:
        items = p | beam.Create([corrected, first])
        if windowed:
            items = items | beam.WindowInto(FixedWindows(3600))
        out = items | DropDuplicates()
        assert_that(
            out.items | beam.Map(lambda i: i.title_raw),
            equal_to(["NÅ: Jan Eirik (24) døde i arbeidsulykke"]),
            label="kept",
        )
        assert_that(
            out[REJECTS] | beam.Map(lambda r: (r.reason, r.input, r.detail)),
            equal_to([("duplicate", "snapshot-1.xml", "same article as snapshot-2.xml item 0")]),
            label="dupes",
        )
        # The story was first seen in the first snapshot, whichever copy is kept.
        assert_that(
            out.items | beam.Map(first_seen),
            equal_to([datetime(2024, 3, 15, 9, tzinfo=UTC)]),
            label="seen",
        )


@pytest.mark.parametrize("windowed", [False, True])
def test_empty_items_sharing_an_id_are_not_duplicates_of_each_other(windowed: bool) -> None:
    # Items with no title and no text share one id; each is rejected as `empty` later (by
    # normalise), never as a `duplicate` of an item that is itself rejected.
    empties = [item(article_id="tom", input="f.xml", item_index=i) for i in range(3)]
    kept = item(article_id="sak", title_raw="Sak", input="f.xml", item_index=3)
    with local_pipeline() as p:
        items = p | beam.Create([*empties, kept])
        if windowed:
            items = items | beam.WindowInto(FixedWindows(3600))
        out = items | DropDuplicates()
        assert_that(
            out.items | beam.Map(lambda i: (i.article_id, i.item_index)),
            equal_to([("tom", 0), ("tom", 1), ("tom", 2), ("sak", 3)]),
            label="kept",
        )
        assert_that(out[REJECTS], equal_to([]), label="none")


def test_normalise_rejects_items_without_text() -> None:
    run_stage(
        Normalise(),
        [item(title_raw="<b>Tittel</b>"), item(title_raw="<p> </p>", item_index=1)],
        check(["<b>Tittel</b>"]),
        check(["empty"]),
    )


def test_detect_language() -> None:
    nb = item(
        title="Regjeringen vil bruke mer penger",
        summary="Statsministeren sier at regjeringen vil øke budsjettet neste år.",
    )
    en = item(
        title="Cod quotas cut",
        summary="Norway and Russia have agreed to cut the cod quota next year.",
        item_index=1,
    )
    run_stage(DetectLanguage(), [nb, en], check([nb.title]), check(["not_norwegian"]))


def test_extract_metadata() -> None:
    with local_pipeline() as p:
        out = p | beam.Create([item(published_raw="2024-03-12", title="T")]) | ExtractMetadata(OSLO)
        assert_that(out.items | beam.Map(lambda i: i.date_precision), equal_to(["day"]))


def test_classify_topic() -> None:
    with local_pipeline() as p:
        out = p | beam.Create([item(title="Håndball", categories=("Sport",))]) | ClassifyTopic()
        assert_that(
            out.items | beam.Map(lambda i: (i.topic, i.topic_basis)),
            equal_to([("sport", "category")]),
        )


def _explode(element: Item) -> Item:
    raise RuntimeError("boom")


def _explode_fn() -> Callable[[Item], Item]:
    return _explode


def test_a_stage_that_raises_sends_the_element_to_rejects_with_the_error() -> None:
    with local_pipeline() as p:
        out = p | beam.Create([item(title_raw="t")]) | _Stage("boom", _explode_fn)
        assert_that(out.items, equal_to([]), label="none kept")
        assert_that(
            out[REJECTS] | beam.Map(lambda r: (r.stage, r.reason, r.error)),
            equal_to([("boom", "error", "RuntimeError: boom")]),
            label="rejected",
        )


@pytest.mark.parametrize("windowed", [False, True])
def test_an_undated_story_is_not_dated_after_the_first_snapshot_that_held_it(
    windowed: bool,
) -> None:
    # Issue 25: the same undated story in a snapshot of 7 October and, with a longer text, in
    # one of 12 October. The longer copy is kept, but the story was there on 7 October.
    first = item(
        article_id="x",
        input="a.xml",
        title_raw="sak",
        summary_raw="kort",
        date_fallbacks=(("feed_newest", datetime(2022, 10, 7, 8, 0, tzinfo=UTC)),),
    )
    later = item(
        article_id="x",
        input="b.xml",
        title_raw="sak",
        summary_raw="mye lengre tekst",
        date_fallbacks=(("feed_newest", datetime(2022, 10, 12, 3, 30, tzinfo=UTC)),),
    )
    with local_pipeline() as p:
        items = p | beam.Create([first, later])
        if windowed:
            items = items | beam.WindowInto(FixedWindows(3600))
        out = (items | DropDuplicates()).items | "Dates" >> ExtractMetadata(OSLO)
        assert_that(
            out.items | beam.Map(lambda i: (i.input, i.published_at, i.date_precision)),
            equal_to([("b.xml", datetime(2022, 10, 6, 22, 0, tzinfo=UTC), "day")]),
        )


def test_the_declared_rejects_stages_are_the_stages_that_reject() -> None:
    # rejects.stage documents STAGES (docs/tables.md): no stage missing, none that no longer is.
    made = [
        ParseDocuments(),
        AssignIds(),
        Normalise(),
        DetectLanguage(),
        ExtractMetadata(OSLO),
        ExtractMentions(OSLO),
        ClassifyTopic(),
    ]
    # read: io/sources.py; fetch: io/feed_sources.py; dedup: transforms/revisions.py duplicate_of
    assert {stage._stage for stage in made} | {"read", "fetch", "dedup"} == set(STAGES)
