"""Records and Arrow schemas stay in step."""

from __future__ import annotations

import pyarrow as pa
from nordwire.schemas import PIPELINE_VERSION, articles, rejects
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import REASONS, Reject
from nordwire.transforms.revisions import first_version

from tests.conftest import FETCHED, make_item


def finished_item() -> Item:
    return make_item(
        source="nrk.no",
        article_id="abc",
        identity_basis="url",
        title="Tittel",
        summary="To ord",
        language="nb",
        variety="nb",
        language_confidence=0.9,
        topics=(("sport", 1.0),),
        categories=("Sport",),
    )


def test_article_row_matches_the_schema() -> None:
    row = articles.to_row(finished_item(), PIPELINE_VERSION, first_version(finished_item()))
    assert list(row) == articles.SCHEMA.names
    table = pa.Table.from_pylist([row], schema=articles.SCHEMA)
    assert table.column("word_count").to_pylist() == [3]


def test_reject_row_matches_the_schema_and_id_is_stable() -> None:
    reject = Reject(stage="parse", reason="empty", input="f", fetched_at=FETCHED)
    row = reject.to_row(PIPELINE_VERSION)
    assert sorted(row) == sorted(rejects.SCHEMA.names)
    pa.Table.from_pylist([row], schema=rejects.SCHEMA)
    assert (
        reject.reject_id
        == Reject(stage="parse", reason="empty", input="f", fetched_at=FETCHED).reject_id
    )
    assert (
        reject.reject_id
        != Reject(stage="parse", reason="empty", input="g", fetched_at=FETCHED).reject_id
    )


def test_partition_columns_are_not_in_the_files() -> None:
    for schema in (articles.SCHEMA, rejects.SCHEMA):
        assert "date" not in schema.names and "topic" not in schema.names


def test_every_reason_is_documented_in_the_table_reference() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "docs" / "inputs-and-tables.md").read_text("utf-8")
    assert all(f"`{reason}`" in readme for reason in REASONS)


def test_topic_basis_says_which_signal_decided_the_topic() -> None:
    from nordwire.transforms.topics.classify import BASES

    assert articles.SCHEMA.field("topic_basis").type == pa.string()
    for basis in BASES:
        item = finished_item().evolve(topic_basis=basis)
        row = articles.to_row(item, PIPELINE_VERSION, first_version(item))
        table = pa.Table.from_pylist([row], schema=articles.SCHEMA)
        assert table.column("topic_basis").to_pylist() == [basis]


def test_evolve_is_dataclasses_replace() -> None:
    import dataclasses

    import pytest

    item = finished_item()
    # Every field, alone and together: the same item as dataclasses.replace gives.
    values = {
        f.name: (f"changed {f.name}" if isinstance(getattr(item, f.name), str | None) else None)
        for f in dataclasses.fields(Item)
    }
    for name, value in values.items():
        assert item.evolve(**{name: value}) == dataclasses.replace(item, **{name: value}), name
    assert item.evolve(**values) == dataclasses.replace(item, **values)
    assert item.evolve() == item and item.evolve() is not item
    assert item.evolve(title="Ny").title == "Ny" and item.title == "Tittel"  # a copy, never a change
    with pytest.raises(TypeError, match="no field 'titel'"):
        item.evolve(titel="Ny")
    # evolve() copies without calling __init__: that holds only while Item has no __post_init__.
    assert not hasattr(Item, "__post_init__"), "Item.evolve must now run Item.__post_init__"
