"""Identity: the same story gets the same id, different stories never share one."""

from __future__ import annotations

from typing import Any

from nordwire.schemas.items import Item
from nordwire.transforms.feed.identity import assign_id, canonical_url

from tests.conftest import make_item


def item(**kw: Any) -> Item:
    return make_item(**{"source": "nrk.no", **kw})


def test_tracking_parameters_and_fragments_are_removed() -> None:
    url = "https://www.nrk.no/sak/1?utm_source=rss&id=7&fbclid=x#top"
    assert canonical_url(url) == "https://www.nrk.no/sak/1?id=7"


def test_html_escaped_slashes_are_unescaped() -> None:
    assert canonical_url("https:&#x2F;&#x2F;www.vg.no&#x2F;nyheter&#x2F;i&#x2F;abc") == (
        "https://www.vg.no/nyheter/i/abc"
    )


def test_non_http_links_are_not_urls() -> None:
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("") is None


def test_same_story_same_id_across_scheme_www_slash_and_tracking() -> None:
    a = assign_id(item(link="https://www.nrk.no/sak/1?utm_source=rss"))
    b = assign_id(item(link="http://nrk.no/sak/1/?fbclid=abc", item_index=5, input="g.xml"))
    assert a.article_id == b.article_id and a.identity_basis == "url"


def test_real_guid_wins_over_link_and_survives_an_edited_title() -> None:
    a = assign_id(item(guid="nrk-123456", link="https://nrk.no/a", title_raw="Gammel tittel"))
    b = assign_id(item(guid="nrk-123456", link="https://nrk.no/a", title_raw="Ny tittel"))
    assert a.article_id == b.article_id and a.identity_basis == "guid"


def test_different_stories_get_different_ids() -> None:
    ids = {
        assign_id(item(link="https://nrk.no/a")).article_id,
        assign_id(item(link="https://nrk.no/b")).article_id,
        assign_id(item(guid="1234567", source="nrk.no")).article_id,
        assign_id(item(guid="1234567", source="vg.no")).article_id,
        assign_id(item(title_raw="Tittel", published_raw="2024-03-01")).article_id,
        assign_id(item(title_raw="Tittel", published_raw="2024-03-02")).article_id,
    }
    assert len(ids) == 6


def test_without_guid_or_link_the_text_and_date_identify() -> None:
    a = assign_id(item(title_raw="  Storm  på Vestlandet ", published_raw="2024-03-01"))
    b = assign_id(item(title_raw="Storm på vestlandet", published_raw="2024-03-01", item_index=3))
    assert a.identity_basis == "text" and a.article_id == b.article_id
