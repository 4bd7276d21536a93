"""Real-feed layouts give the right rows: date fallback, caption fields, conflict files, source, identity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.extract.metadata import extract_metadata
from nordwire.transforms.feed.identity import assign_id, story_number
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.normalise import clean_text, normalise
from nordwire.transforms.partition import item_partition

from tests.conftest import FETCHED, FIXTURES

FEEDS = FIXTURES / "feeds"


def read(name: str, input_name: str | None = None) -> list[Item | Reject]:
    path = FEEDS / name
    return parse_document(RawDocument(input_name or str(path), path.read_bytes(), FETCHED))


def finished(name: str, input_name: str | None = None) -> list[Item]:
    """Items of a fixture through identity, normalise and metadata (what the row is made of)."""
    return [
        extract_metadata(normalise(assign_id(o)))
        for o in read(name, input_name)
        if isinstance(o, Item)
    ]


def by_title(items: list[Item]) -> dict[str, Item]:
    return {i.title or "": i for i in items}


# 1. Dates


def test_undated_items_take_the_best_date_their_feed_gives() -> None:
    items = by_title(finished("undated_items.xml"))
    oslo = {t: (i.published_at, i.date_basis, i.date_precision) for t, i in items.items()}
    assert oslo["Dated story"] == (datetime(2022, 10, 11, 7, 15, tzinfo=UTC), "published", "time")
    # dc:date is the item's own other date element
    assert oslo["Only dc:date"] == (datetime(2022, 10, 9, 5, 30, tzinfo=UTC), "updated", "time")
    # a date in the link is a day, the start of it in Oslo
    assert oslo["Date in its link"] == (datetime(2022, 10, 7, 22, 0, tzinfo=UTC), "url", "day")
    # nothing of its own, in a feed sorted newest first: the day of the nearest newer dated item
    # above it (07:30 in Oslo on 9 October): a day, never that item's time of day
    assert oslo["Nothing dated"] == (datetime(2022, 10, 8, 22, 0, tzinfo=UTC), "feed_order", "day")
    # no article of this dated feed lands on the day of the run (FETCHED is 2024-03-15)
    assert {item_partition(i)[0] for i in items.values()} <= {
        "2022-10-08",
        "2022-10-09",
        "2022-10-10",
        "2022-10-11",
        "2022-10-12",
    }


def test_a_front_page_out_of_date_order_takes_the_channel_date_not_a_neighbours() -> None:
    data = (FEEDS / "undated_items.xml").read_bytes()
    # move the oldest dated item to the top: the dated items are no longer in date order
    head, rest = data.split(b"<item>", 1)
    items = [b"<item>" + part for part in rest.split(b"<item>")]
    tail = items[-1].split(b"</item>", 1)[1]
    items[-1] = items[-1][: len(items[-1]) - len(tail)]
    reordered = head + items[2] + b"".join(items[:2] + items[3:]) + tail
    outs = parse_document(RawDocument("front.xml", reordered, FETCHED))
    undated = [
        extract_metadata(normalise(o))
        for o in outs
        if isinstance(o, Item) and o.title_raw == "Nothing dated"
    ]
    assert [(i.published_at, i.date_basis, i.date_precision) for i in undated] == [
        (datetime(2022, 10, 11, 22, 0, tzinfo=UTC), "channel", "day")
    ]


def test_a_channel_dated_feed_dates_its_items_by_the_channel() -> None:
    items = finished("channel_dated.xml")
    # lastBuildDate (21:30 in Oslo on 2 October) wins over the channel's pubDate; the items
    # take its day, not its time
    assert {(i.published_at, i.date_basis, i.date_precision) for i in items} == {
        (datetime(2022, 10, 1, 22, 0, tzinfo=UTC), "channel", "day")
    }
    assert {item_partition(i)[0] for i in items} == {"2022-10-02"}


def test_the_fetch_time_is_the_date_of_a_live_poll_and_a_file_time_the_last_resort() -> None:
    data = b"<rss version='2.0'><channel><title>X</title><item><title>Sak</title></item></channel></rss>"
    polled = parse_document(RawDocument("https://x.no/rss", data, FETCHED))
    from_file = parse_document(RawDocument("x.xml", data, FETCHED))
    assert [extract_metadata(i).date_basis for i in polled if isinstance(i, Item)] == ["fetched"]
    assert [extract_metadata(i).date_basis for i in from_file if isinstance(i, Item)] == [
        "file_mtime"
    ]


# 2. Fields


def test_a_photo_caption_is_caption_not_body_and_its_credit_is_a_credit() -> None:
    items = by_title(finished("caption_only.xml"))
    item = items["Flere søkere til politiutdanningen"]  # media:title did not replace the headline
    assert item.summary is None and item.body is None
    assert item.caption == "Arkivbilde av Politihøgskolen i Oslo."
    assert item.credits == ("Ola Nordmann / NTB",)


def test_an_item_without_a_title_of_its_own_takes_its_media_title() -> None:
    data = (
        b'<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>K</title>'
        b"<item><media:content url='https://k.no/v.mp4'><media:title>Dagsrevyen 21</media:title>"
        b"<media:description>Nyheter fra hele landet.</media:description></media:content>"
        b"<link>https://k.no/v/1</link></item></channel></rss>"
    )
    (item,) = [normalise(o) for o in parse_document(RawDocument("v.xml", data, FETCHED))]
    assert isinstance(item, Item)
    assert item.title == "Dagsrevyen 21" and item.caption == "Nyheter fra hele landet."


def test_captions_and_media_text_stay_out_of_the_text_and_credits_leave_the_caption() -> None:
    items = by_title(finished("caption_only.xml"))
    item = items["Laksebaronene tjener mer enn før"]
    assert item.summary == "Laksebaronene fikk rekordoverskudd."
    assert item.body is None
    assert item.caption == "Merdene ved Hitra.\n\nOpptak fra lufta over merdene."
    assert item.credits == ("Kari Holm",)


def test_invisible_characters_are_removed_from_every_text_column() -> None:
    item = normalise(
        Item(
            input="f.xml",
            item_index=0,
            format="rss20",
            source="s",
            fetched_at=FETCHED,
            title_raw="Lakse\u00adbaronene",
            summary_raw="fiske\u200boppdrett\u2060",
            caption_raw="\ufeffMer\u200dder",
            feed_title="Kyst\u00adavisa",
            authors=("Kari\u200b Holm",),
            credits=("NTB\u200e",),
            categories=("Næ\u00adrings\u00adliv",),
        )
    )
    texts = [item.title, item.summary, item.caption, item.feed_title, *item.authors]
    assert texts == ["Laksebaronene", "fiskeoppdrett", "Merder", "Kystavisa", "Kari Holm"]
    assert item.credits == ("NTB",) and item.categories == ("Næringsliv",)
    # a joiner that builds an emoji is a glyph, not junk
    assert clean_text("familie \U0001f468\u200d\U0001f469") == "familie \U0001f468\u200d\U0001f469"


# 3. Merge-conflict files


def test_a_conflict_file_is_flagged_and_each_version_keeps_its_own_channel() -> None:
    outs = read("conflict.xml")
    file_rejects = [o for o in outs if isinstance(o, Reject) and o.item_index is None]
    assert [r.reason for r in file_rejects] == ["conflict_markers"]
    assert "version 1: 2 items" in (file_rejects[0].detail or "")
    items = [o for o in outs if isinstance(o, Item)]
    assert {(i.title_raw, i.source, i.feed_title) for i in items} == {
        ("Ferja innstilt i kveld", "nordlandsnytt.no", "Nordlandsnytt"),
        ("Nytt bibliotek åpnet", "nordlandsnytt.no", "Nordlandsnytt"),
        ("Rekordmange turister i sommer", "vestkysten.no", "Vestkysten"),
    }
    assert sorted(i.item_index for i in items) == [0, 1, 2]  # unique per input across versions


def test_conflict_markers_that_do_not_close_give_no_items() -> None:
    data = (FEEDS / "conflict.xml").read_bytes().replace(b">>>>>>> origin/main\n", b"")
    outs = parse_document(RawDocument("c.xml", data, FETCHED))
    assert [(type(o), getattr(o, "reason", None)) for o in outs] == [(Reject, "conflict_markers")]


# 4. Source


def test_an_item_linking_to_another_site_has_that_site_as_source() -> None:
    items = by_title(finished("aggregator.xml"))
    assert items["Regjeringen legger fram budsjettet"].source == "aftenposten.no"
    assert items["Samlerens egen kommentar"].source == "nyhetssamleren.no"  # a subdomain: same site
    assert items["Syndikert sak"].source == "bt.no"  # named by its <source url>
    assert {i.feed_title for i in items.values()} == {"Nyhetssamleren"}


# 5. Identity


def test_permalink_guid_and_placeholder_guid_with_slug_link_are_one_story() -> None:
    first = by_title(finished("story_poll1.xml"))
    second = by_title(finished("story_poll2.xml"))
    fire = first["Brann i sentrum"].article_id
    assert second["Storbrann i sentrum: fem evakuert"].article_id == fire
    # the placeholder guid joins nothing: the other story under it is another id
    assert second["Ny sak om skolen"].article_id != fire


def test_live_blog_posts_are_stories_of_their_own() -> None:
    items = [i for i in finished("story_poll1.xml") if i.title == "Direkte: valgnatten"]
    assert len({i.article_id for i in items}) == 2


def test_live_blog_posts_told_apart_by_a_guid_fragment_stay_apart() -> None:
    base = {"input": "f.xml", "format": "rss20", "source": "x.no", "fetched_at": FETCHED}
    blog = "https://www.x.no/a/77305500"
    posts = [
        assign_id(Item(**base, item_index=n, guid=f"{blog}#post-{n}", link=blog)) for n in (1, 2)
    ]
    assert posts[0].article_id != posts[1].article_id


def test_story_numbers_of_common_url_forms() -> None:
    assert story_number("https://www.tv2.no/a/15181875") == "15181875"
    assert story_number("https://www.vg.no/sport/i/GM3ozm/saltnes-sliter") == "GM3ozm"
    assert story_number("https://www.nrk.no/nordland/bodo-kommune-1.16136753") == "1.16136753"
    assert story_number("https://www.x.no/2022/10/12/slug") is None  # a date is not an id
    assert story_number("https://www.x.no/i/nyheter") is None  # a word is not an id
    assert story_number("https://www.x.no/") is None


def test_a_non_url_guid_that_is_the_links_own_id_meets_the_link() -> None:
    base = {"input": "f.xml", "item_index": 0, "format": "rss20", "source": "nrk.no"}
    link = "https://www.nrk.no/norge/sak-1.16136753"
    with_guid = assign_id(Item(**base, fetched_at=FETCHED, guid="1.16136753", link=link))
    without = assign_id(Item(**base, fetched_at=FETCHED, link=link))
    assert with_guid.article_id == without.article_id


def test_fixtures_are_small() -> None:
    assert all(p.stat().st_size < 4000 for p in Path(FEEDS).iterdir())


def test_a_photos_media_title_is_its_caption_when_the_feed_gives_no_description() -> None:
    data = (
        b'<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>K</title>'
        b"<item><title>V\xc3\xa4lbe m\xc3\xb8tte FIS-presidenten</title><link>https://k.no/a/1</link>"
        b"<description>Russlands skipresident satt i m\xc3\xb8ter.</description>"
        b"<media:content medium='image' url='https://k.no/p.jpg'>"
        b"<media:credit role='photographer'>Fredrik Hagen/NTB</media:credit>"
        b"<media:title>Jelena V\xc3\xa4lbe</media:title></media:content></item></channel></rss>"
    )
    (item,) = [normalise(o) for o in parse_document(RawDocument("p.xml", data, FETCHED))]
    assert isinstance(item, Item)
    assert item.title == "Välbe møtte FIS-presidenten" and item.caption == "Jelena Välbe"
    assert item.summary == "Russlands skipresident satt i møter."


def test_media_fields_are_kept_apart_in_our_parse_only_and_from_several_threads() -> None:
    import io
    from concurrent.futures import ThreadPoolExecutor

    import feedparser
    from nordwire.transforms.feed.media import parse_feed

    feed = (
        b'<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>Sak</title>'
        b'<media:content url="https://t.no/a.jpg"><media:description>Foto av ordf\xc3\xb8reren'
        b"</media:description></media:content></item></channel></rss>"
    )

    def ours(_: int) -> tuple[object, object]:
        entry = parse_feed(io.BytesIO(feed), {}).entries[0]
        return entry.get("media_captions"), entry.get("description")

    with ThreadPoolExecutor(4) as pool:
        assert all(got == (["Foto av ordføreren"], None) for got in pool.map(ours, range(40)))
    # Outside our calls, feedparser is as shipped: the caption is the item's description.
    shipped = feedparser.parse(feed).entries[0]
    assert shipped.get("description") == "Foto av ordføreren" and "media_captions" not in shipped
