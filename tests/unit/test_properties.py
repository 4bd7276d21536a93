"""Property-based: arbitrary bytes and strings never raise out of a pure stage; paths stay safe."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import Reject
from nordwire.transforms.extract.metadata import extract_metadata, split_wire
from nordwire.transforms.feed.dates import parse_date
from nordwire.transforms.feed.identity import assign_id, canonical_url
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.normalise import clean_text, normalise
from nordwire.transforms.partition import PARTITION_RE, item_partition, partition_path

from tests.conftest import make_item
from tests.helpers.documents import doc

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

feedish = st.one_of(
    st.binary(max_size=2000),
    st.builds(
        lambda a, b, c: (
            a
            + "<rss version='2.0'><channel><item><title>"
            + b
            + "</title><link>"
            + c
            + "</link></item></channel></rss>"
        ).encode("utf-8", "surrogatepass"),
        st.text(max_size=50),
        st.text(max_size=200),
        st.text(max_size=100),
    ),
    st.builds(lambda t: ("date 2024-03-01 " + t).encode("utf-8", "replace"), st.text(max_size=500)),
)


@FAST
@given(feedish)
def test_parse_never_raises(data: bytes) -> None:
    out = parse_document(doc(data))
    assert out and all(isinstance(o, Item | Reject) for o in out)


@FAST
@given(st.text(max_size=1000))
def test_normalise_and_wire_split_never_raise(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned is None or cleaned == cleaned.strip()
    split_wire(text)
    normalise(make_item(title_raw=text, summary_raw=text, content_raw=text))


@FAST
@given(st.text(max_size=300), st.text(max_size=100), st.one_of(st.none(), st.text(max_size=100)))
def test_identity_and_dates_never_raise(link: str, guid: str, date: str | None) -> None:
    canonical_url(link)
    item = assign_id(make_item(link=link, guid=guid or None, title_raw=guid, published_raw=date))
    assert item.article_id and len(item.article_id) == 20
    parse_date(date)
    extract_metadata(item)


@FAST
@given(st.text(max_size=200), st.text(max_size=200))
def test_partition_paths_always_match(topic: str, source: str) -> None:
    item = extract_metadata(make_item(source=source, topic=topic, published_raw="2024-03-01"))
    date, safe = item_partition(item.evolve(topic=topic))
    assert PARTITION_RE.match(partition_path(date, safe))
    assert PARTITION_RE.match(partition_path(date, topic))
