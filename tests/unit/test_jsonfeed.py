"""JSON Feed 1.0 and 1.1 (issue 27): read by nordwire with the same fields as RSS; a malformed
JSON Feed is one reject with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nordwire.pipeline.config import parse
from nordwire.pipeline.io.fetch import Fetcher, truncated
from nordwire.pipeline.read.query import connect
from nordwire.pipeline.runner import run_job
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.feed.parse import parse_document, sniff

from tests.conftest import FIXTURES, SHARED
from tests.helpers.documents import doc
from tests.helpers.feedserver import feed_server, send

V10 = (FIXTURES / "feeds" / "jsonfeed_10.json").read_bytes()
V11 = (FIXTURES / "feeds" / "jsonfeed_11.json").read_bytes()


def items(data: bytes) -> list[Item]:
    parts = parse_document(doc(data, "feed.json"))
    assert all(isinstance(p, Item) for p in parts), parts
    return [p for p in parts if isinstance(p, Item)]


def test_json_feed_1_0_has_the_fields_of_an_rss_item() -> None:
    first, second = items(V10)
    assert (first.format, first.source, first.feed_title) == (
        "json1",
        "fjordavisa.example.no",
        "Fjordavisa - siste nytt",
    )
    assert (
        first.guid
        == first.link
        == ("https://www.fjordavisa.example.no/nyheter/ny-skole-i-fjordbygda/77310001")
    )
    assert first.title_raw == "Kommunestyret vedtok ny skole i Fjordbygda"
    assert (
        first.summary_raw == "Etter tre år med utredninger fikk skolesaken flertall tirsdag kveld."
    )
    assert first.content_raw is not None and first.content_raw.startswith("<p>Kommunestyret")
    assert (first.published_raw, first.updated_raw) == (
        "2024-03-12T19:45:00+01:00",
        "2024-03-12T21:10:00+01:00",
    )
    assert first.categories == ("Nyheter", "Skole", "Politikk")
    assert first.authors == ("Ola Hansen",)
    # An item without an author of its own has the feed's (JSON Feed 1.0: `author`).
    assert second.authors == ("Fjordavisa-redaksjonen",)
    assert second.content_raw is not None and second.content_raw.startswith("Fjordbygda IL slo")


def test_json_feed_1_1_authors_language_ids_and_attachments() -> None:
    ferry, cinema, podcast = items(V11)
    assert {i.format for i in (ferry, cinema, podcast)} == {"json11"}
    assert {i.feed_language for i in (ferry, cinema, podcast)} == {"nn"}
    assert ferry.guid == "40123456"  # a number, made a string as the spec says
    assert ferry.authors == ("Sigrid Dale", "Nils Berg")  # 1.1 `authors`
    assert ferry.categories == ("Samferdsel", "Vêr")
    assert cinema.authors == ("Dalposten",)  # the feed's authors
    assert cinema.link == "https://dalposten.example.no/kultur/bygdekino/40123457"  # external_url
    assert podcast.title_raw == "Dalpodden 12: Vegen over fjellet"  # the attachment's title


def test_json_feeds_become_articles(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "fjordavisa.json").write_bytes(V10)
    (inputs / "dalposten.json").write_bytes(V11)
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(inputs)], "output": str(out)}))
    con = connect(str(out))
    rows = con.execute(
        "SELECT title, byline, variety, date_basis, strftime(published_at, '%Y-%m-%d %H:%M'), "
        "strftime(updated_at, '%H:%M') FROM articles ORDER BY published_at"
    ).fetchall()
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    assert rows == [
        (
            "Dalpodden 12: Vegen over fjellet",
            "Dalposten",
            "nn",
            "published",
            "2024-03-09 08:00",
            None,
        ),
        (
            "Fjordbygda IL til cupfinale etter straffekonkurranse",
            "Fjordavisa-redaksjonen",
            "nb",
            "published",
            "2024-03-10 17:30",
            None,
        ),
        (
            "Ferja innstilt på grunn av storm",
            "Sigrid Dale, Nils Berg",
            "nn",
            "published",
            "2024-03-11 07:15",
            None,
        ),
        ("Bygdekinoen får ny sal", "Dalposten", "nn", "published", "2024-03-11 11:00", "12:30"),
        (
            "Kommunestyret vedtok ny skole i Fjordbygda",
            "Ola Hansen",
            "nb",
            "published",
            "2024-03-12 18:45",
            "20:10",
        ),
    ]


def feed_with(**changes: object) -> bytes:
    document = json.loads(V11)
    document.update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("data", "reason", "says"),
    [
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
            "unparseable",
            "not valid JSON",
        ),
        (b'{"version": "1.1", "items": []}', "unparseable", "not a JSON Feed"),
        (b'{"title": "Dalposten", "items": []}', "unparseable", "not a JSON Feed"),
        (feed_with(items={"id": "1"}), "unparseable", "without an items array"),
        (feed_with(items=[]), "no_items", "json11 feed with no items"),
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000,
            "unparseable",
            "not valid JSON",
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": ['
            + b"[]," * 1_000_000
            + b"[]]}",
            "too_large",
            "cap 2000000",
        ),
        (b"{log: feed fetched in 0.2 s}", "unparseable", "not valid JSON"),
    ],
)
def test_a_malformed_json_feed_is_one_reject_with_its_reason(
    data: bytes, reason: str, says: str
) -> None:
    assert sniff(data) == "json"
    (reject,) = parse_document(doc(data, "broken.json"))
    assert isinstance(reject, Reject) and reject.stage == "parse" and reject.item_index is None
    assert reject.reason == reason and says in (reject.detail or ""), reject


def test_odd_values_inside_a_json_feed_lose_nothing_else() -> None:
    data = feed_with(
        items=[
            {"id": "dalposten-1", "title": "Brua \ud800 er open", "tags": "ikkje ei liste"},
            "not an object",
            {"id": True, "title": 42, "authors": [{"name": None}, "Ola"], "content_text": ["x"]},
        ]
    )
    first, second, third = items(data)
    assert first.title_raw == "Brua \ufffd er open" and first.categories == ()
    assert second.title_raw is None and second.content_raw is None  # the normalise stage rejects it
    assert third.title_raw == "42" and third.guid is None and third.authors == ("Dalposten",)


def test_feedparsers_own_json_example_is_read() -> None:
    example = SHARED / "data" / "feedparser-tests" / "json" / "example.json"
    if not example.exists():
        pytest.skip("shared feedparser tests not present")
    found = items(example.read_bytes())
    assert [i.link for i in found] == [
        "https://example.org/second-item",
        "https://example.org/initial-post",
    ]
    assert found[0].authors == ("me",) and found[1].authors == ("you",)


def test_a_json_feed_behind_a_redirect_is_a_feed_and_a_cut_one_is_truncated() -> None:
    with feed_server() as server:
        server.routes["/old"] = lambda h: send(
            h, 301, headers={"Location": server.url("/feed.json")}
        )
        server.routes["/feed.json"] = lambda h: send(
            h, 200, V11, {"Content-Type": "application/feed+json"}
        )
        server.routes["/cut.json"] = lambda h: send(h, 200, V11[:-40])
        with Fetcher(total_timeout=5.0) as fetcher:
            moved = fetcher.fetch(server.url("/old"))
            cut = fetcher.fetch(server.url("/cut.json"))
    assert moved.ok and moved.body == V11, moved.error
    assert cut.body is None and "truncated" in (cut.error or "")
    assert truncated(V11[:-40]) and not truncated(V11 + b"\n")
