"""Known failure modes of feeds and feedparser, and hostile input: never a crash, never a leak."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.extract.metadata import extract_metadata
from nordwire.transforms.feed import parse
from nordwire.transforms.feed.identity import assign_id
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.normalise import normalise

from tests.conftest import FETCHED, make_item
from tests.helpers.documents import doc


def rss(items: str, prolog: str = "") -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>T</title><link>https://t.no/</link>'
        f"{items}</channel></rss>"
    ).encode()


def items_of(data: bytes) -> list[Item]:
    return [o for o in parse_document(doc(data)) if isinstance(o, Item)]


@pytest.mark.parametrize("ref", ["&#x110000;", "&#xD800;", "&#99999999999999;", "&#1114112;"])
def test_character_references_outside_unicode_do_not_lose_the_feed(ref: str) -> None:
    data = rss(f"<item><title>a {ref} b</title><link>https://t.no/1</link></item>")
    (item,) = items_of(data)
    assert item.title_raw == "a \ufffd b"


def test_entities_with_backslashes_in_the_doctype() -> None:
    data = rss("<item><title>&a; & </title></item>", '<!DOCTYPE rss [<!ENTITY a "\\g<x>\\1">]>')
    out = parse_document(doc(data))
    assert len(out) == 1  # an item or a reject, never an exception


def test_external_entities_are_not_resolved() -> None:
    data = rss(
        "<item><title>A &xxe; B</title><link>https://t.no/1</link></item>",
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    (item,) = items_of(data)
    assert "root:" not in (item.title_raw or "")


def test_entity_expansion_is_bounded() -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{(f"&l{i - 1};" if i > 1 else "lol") * 10}">' for i in range(1, 10)
    )
    data = rss(
        "<item><title>&l9;</title></item>", f'<?xml version="1.0"?><!DOCTYPE r [{entities}]>'
    )
    out = parse_document(doc(data))
    assert len(out) == 1
    if isinstance(out[0], Item):
        assert len(out[0].title_raw or "") < 1000  # not a billion laughs


def test_a_path_string_is_never_opened() -> None:
    (out,) = parse_document(doc(b"/etc/passwd"))
    assert isinstance(out, Reject) and out.reason == "unparseable"


def test_plain_text_is_not_taken_for_an_article() -> None:
    (out,) = parse_document(doc("Dette er en README på norsk.\nIkke en artikkel.".encode()))
    assert isinstance(out, Reject) and out.reason == "unparseable"


def test_script_and_html_in_titles_are_stored_as_text() -> None:
    data = rss(
        "<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Hei &lt;b&gt;der&lt;/b&gt;</title>"
        "<description>&lt;img src=x onerror=alert(1)&gt;Tekst</description></item>"
    )
    (item,) = items_of(data)
    out = normalise(item)
    assert out.title == "Hei der" and out.summary == "Tekst"


def test_future_dates_are_not_taken_as_fact() -> None:
    future = (FETCHED + timedelta(days=30)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    out = extract_metadata(make_item(published_raw=future))
    # The feed's date is not taken; with nothing better, no time is claimed, and the basis
    # says the partition date is the file's time.
    assert out.published_at is None and out.date_precision == "none"
    assert out.date_basis == "file_mtime"
    soon = (FETCHED + timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    assert extract_metadata(make_item(published_raw=soon)).published_at == FETCHED + timedelta(
        hours=2
    )


def test_a_feed_where_half_the_items_have_no_date() -> None:
    body = "".join(
        f"<item><title>Sak {i}</title><link>https://t.no/{i}</link>"
        + ("<pubDate>Mon, 11 Mar 2024 09:15:00 +0100</pubDate>" if i % 2 else "")
        + "</item>"
        for i in range(6)
    )
    outs = [extract_metadata(i) for i in items_of(rss(body))]
    # The undated items take the date of the dated item above them (the feed is in date order),
    # the first one the newest date of its feed, and each says so.
    assert [o.date_basis for o in outs] == ["feed_newest"] + ["published", "feed_order"] * 2 + [
        "published"
    ]
    # the dated ones at their time; the undated ones on that day (in Oslo), without a time
    assert {(o.published_at, o.date_precision) for o in outs} == {
        (datetime(2024, 3, 11, 8, 15, tzinfo=UTC), "time"),
        (datetime(2024, 3, 10, 23, 0, tzinfo=UTC), "day"),
    }


def test_items_over_the_cap_are_rejected_as_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_ITEM_CHARS", 100)
    data = rss(
        f"<item><title>kort</title></item><item><title>lang</title><description>{'x' * 200}</description></item>"
    )
    out = parse_document(doc(data))
    assert isinstance(out[0], Item)
    assert isinstance(out[1], Reject) and out[1].reason == "too_long" and out[1].item_index == 1


def test_inputs_over_the_cap_are_rejected_as_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_INPUT_BYTES", 10)
    (out,) = parse_document(doc(rss("<item><title>x</title></item>")))
    assert isinstance(out, Reject) and out.reason == "too_large"


def test_identity_cases_in_one_feed() -> None:
    body = (
        "<item><title>A</title><link>https://t.no/a?utm_source=x</link><guid>/a/</guid></item>"
        "<item><title>B</title><link>https:&amp;#x2F;&amp;#x2F;t.no&amp;#x2F;b</link><guid>/a/</guid></item>"
        "<item><title>C</title><link>https://t.no/c</link></item>"
        "<item><title>Ingen lenke</title></item>"
    )
    ids = [assign_id(i) for i in items_of(rss(body))]
    assert [i.identity_basis for i in ids] == ["url", "url", "url", "text"]
    assert ids[1].url == "https://t.no/b"
    assert len({i.article_id for i in ids}) == 4
    again = [
        assign_id(i)
        for i in items_of(rss(body.replace("<title>A</title>", "<title>A (oppdatert)</title>")))
    ]
    assert again[0].article_id == ids[0].article_id


def test_relative_links_resolve_against_the_feed_site_not_the_fetch_url() -> None:
    data = rss("<item><title>A</title><link>/nyheter/a</link><guid>/nyheter/a</guid></item>")
    item = items_of(data)[0]
    assert item.link == "https://t.no/nyheter/a" and item.guid == "/nyheter/a"
