"""The revision rule: which copy of a story is newest (the document's clock), and what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.revisions import (
    changed_fields,
    content_hash,
    field_hashes,
    first_version,
    newest_first,
    raw_digest,
    revision_clock,
    supersedes,
)

from tests.conftest import FETCHED, FIXTURES, make_item


def at(hour: int, day: int = 15) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def item(**kw: Any) -> Item:
    return make_item(**{"article_id": "x", "title": "Tittel", "language": "nb", **kw})


def test_the_clock_is_the_items_updated_date_first() -> None:
    clocked = item(
        updated_raw="Fri, 15 Mar 2024 09:30:00 +0000", channel_date=at(11), newest_item_date=at(10)
    )
    assert revision_clock(clocked) == (datetime(2024, 3, 15, 9, 30, tzinfo=UTC), "updated")


def test_an_updated_date_that_restates_the_publication_leaves_the_order_to_the_document() -> None:
    # NRK's items carry <dc:date> equal to <pubDate>: every capture of a story has the same
    # "updated", so only the document's own date can tell the later capture.
    stamp = "Fri, 15 Mar 2024 08:00:00 GMT"
    early = item(published_raw=stamp, updated_raw="2024-03-15T08:00:00Z", newest_item_date=at(9))
    later = item(
        published_raw=stamp,
        updated_raw="2024-03-15T08:00:00Z",
        newest_item_date=at(12),
        summary_raw="kort",
    )
    assert revision_clock(later) == (at(12), "feed_newest")
    assert min((early, later), key=newest_first) is later
    edited = item(published_raw=stamp, updated_raw="2024-03-15T10:30:00Z", newest_item_date=at(9))
    assert revision_clock(edited)[1] == "updated"


def test_then_the_channels_last_build_date_then_the_documents_newest_item() -> None:
    assert revision_clock(item(channel_date=at(11), newest_item_date=at(10))) == (at(11), "channel")
    assert revision_clock(item(newest_item_date=at(10))) == (at(10), "feed_newest")


def test_then_the_fetch_time_or_the_files_time() -> None:
    assert revision_clock(item(input="https://nrk.no/rss")) == (FETCHED, "fetched")
    assert revision_clock(item(input="feeds/nrk.xml")) == (FETCHED, "file_mtime")


def test_a_clock_in_the_future_of_the_fetch_is_a_feed_error_and_skipped() -> None:
    future = FETCHED + timedelta(days=3)
    assert revision_clock(item(channel_date=future, newest_item_date=at(10))) == (
        at(10),
        "feed_newest",
    )


def test_the_parse_stage_fills_the_documents_clock() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <link>https://www.nrk.no/</link><lastBuildDate>Fri, 15 Mar 2024 11:00:00 +0000</lastBuildDate>
    <item><title>A</title><guid>https://www.nrk.no/a-1</guid><pubDate>Fri, 15 Mar 2024 08:00:00 +0000</pubDate></item>
    <item><title>B</title><guid>https://www.nrk.no/b-2</guid><pubDate>Fri, 15 Mar 2024 10:00:00 +0000</pubDate></item>
    </channel></rss>"""
    items = [o for o in parse_document(RawDocument("f.xml", rss, FETCHED)) if isinstance(o, Item)]
    assert [i.channel_date for i in items] == [at(11), at(11)]
    assert [i.newest_item_date for i in items] == [at(10), at(10)]
    assert {revision_clock(i) for i in items} == {(at(11), "channel")}


def test_a_json_feed_item_gets_the_documents_clock_as_an_rss_item_does() -> None:
    # JSON Feed has no channel date: an item's date_modified, else the document's newest item.
    fixtures = FIXTURES / "feeds"
    after = (fixtures / "jsonfeed_correction_after.json").read_bytes()
    parts = parse_document(RawDocument("feed.json", after, datetime(2024, 5, 17, 10, tzinfo=UTC)))
    items = {i.title_raw: i for i in parts if isinstance(i, Item)}
    newest = datetime(2024, 5, 17, 9, 25, tzinfo=UTC)  # the storm item, 11:25 +02:00
    assert {i.channel_date for i in items.values()} == {None}
    assert {i.newest_item_date for i in items.values()} == {newest}
    ferry = next(i for t, i in items.items() if t and "Ohlsen" in t)
    assert revision_clock(ferry) == (datetime(2024, 5, 17, 9, 20, tzinfo=UTC), "updated")
    quay = next(i for t, i in items.items() if t and "leier" in t)
    assert revision_clock(quay) == (newest, "feed_newest")


def test_the_newest_copy_wins_over_a_richer_older_one() -> None:
    old = item(channel_date=at(9), summary_raw="lang og utførlig tekst " * 5, input="a.xml")
    new = item(channel_date=at(10), summary_raw="kort", input="b.xml")
    assert sorted([old, new], key=newest_first)[0] is new


def test_equal_clocks_the_later_fetch_then_the_dated_then_the_richer_copy() -> None:
    early = item(channel_date=at(9), fetched_at=FETCHED, summary_raw="x" * 50)
    late = item(channel_date=at(9), fetched_at=FETCHED + timedelta(hours=1), input="b.xml")
    assert sorted([early, late], key=newest_first)[0] is late
    undated = item(summary_raw="lengre tekst her", item_index=0)
    dated = item(summary_raw="kort", published_raw="Fri, 15 Mar 2024 08:00:00 +0000", item_index=1)
    assert sorted([undated, dated], key=newest_first)[0] is dated
    short = item(summary_raw="kort", item_index=0)
    rich = item(summary_raw="mye lengre tekst", item_index=1)
    assert sorted([short, rich], key=newest_first)[0] is rich
    assert newest_first(rich)[-2:] == ("f.xml", 1)  # (input, item_index) close the key


def test_supersedes_compares_the_clock_then_the_fetch() -> None:
    assert supersedes((at(10), at(12)), (at(9), at(13)))
    assert supersedes((at(10), at(13)), (at(10), at(12)))
    assert not supersedes((at(10), at(12)), (at(10), at(12)))
    assert not supersedes((at(9), at(14)), (at(10), at(12)))


def test_a_corrected_name_changes_the_title_hash_only() -> None:
    before = item(title="NÅ: Jan Erik (24) døde i arbeidsulykke", body="Tekst.", url="https://x/1")
    after = before.evolve(title="NÅ: Jan Eirik (24) døde i arbeidsulykke")
    old, new = field_hashes(before), field_hashes(after)
    assert changed_fields(old, new) == ["title"]
    assert content_hash(old) != content_hash(new)
    assert content_hash(old) == content_hash(field_hashes(before.evolve(topic="sport")))
    assert changed_fields(None, new) == []


def test_a_borrowed_date_is_not_content_but_the_items_own_pubdate_is() -> None:
    fallback = item(published_at=at(9), date_basis="channel")
    assert content_hash(field_hashes(fallback)) == content_hash(
        field_hashes(fallback.evolve(published_at=at(10)))
    )
    own = item(published_at=at(9), date_basis="published")
    assert changed_fields(field_hashes(own), field_hashes(own.evolve(published_at=at(10)))) == [
        "published_at"
    ]


def test_the_first_version_carries_the_clock_and_the_first_sighting() -> None:
    polled = item(channel_date=at(11), input="https://www.nrk.no/toppsaker.rss")
    v = first_version(polled)
    assert (v.revision, v.revised_at, v.clock_basis, v.first_seen_at) == (
        1,
        at(11),
        "channel",
        FETCHED,
    )
    assert v.content_hash == content_hash(dict(v.field_hashes)) and v.changed == ()


def test_a_copied_capture_was_first_seen_when_its_document_was_built_not_copied() -> None:
    # Snapshots copied in one go all carry the copy's modification time (FETCHED here, noon);
    # the document says when it was built, and the story was in the feed by then.
    assert first_version(item(channel_date=at(11))).first_seen_at == at(11)
    assert first_version(item(newest_item_date=at(10))).first_seen_at == at(10)
    assert first_version(item()).first_seen_at == FETCHED  # nothing dates the document
    # A document dated after its file was written (a wrong clock) is not believed over it.
    assert first_version(item(channel_date=at(15))).first_seen_at == FETCHED


def test_a_story_is_never_first_seen_before_its_document_could_have_been_built() -> None:
    # A channel date that lags the newest item (a stale lastBuildDate: VG's snapshot of
    # 2022-10-12 13:50 says 11:41:52 and holds an item published 11:42:02) does not date
    # the document: it was built after its newest item, so no story in it was seen earlier.
    stale = item(channel_date=at(9), newest_item_date=at(10))
    assert first_version(stale).first_seen_at == at(10)
    # A channel date in the future is no build date either; the newest item still bounds it.
    assert first_version(item(channel_date=at(15), newest_item_date=at(10))).first_seen_at == at(10)


def test_the_raw_digest_ignores_the_fetch_and_sees_any_edit() -> None:
    raw = make_item(guid="g1", title_raw="Jan Erik", content_raw="<p>Tekst</p>")
    again = make_item(
        guid="g1", title_raw="Jan Erik", content_raw="<p>Tekst</p>", fetched_at=at(20)
    )
    assert raw_digest(raw) == raw_digest(again)
    assert raw_digest(raw) != raw_digest(raw.evolve(title_raw="Jan Eirik"))
