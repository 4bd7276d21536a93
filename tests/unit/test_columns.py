"""Column descriptions: every column has one, the files carry them, docs and BigQuery are made from them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nordwire.schemas import articles, entities, quotes, rejects
from nordwire.schemas.bigquery import table_schema
from nordwire.schemas.columns import describe, description, missing, unused
from nordwire.schemas.reference import render_schema
from nordwire.schemas.tables import TABLES

from tests.conftest import ROOT
from tests.helpers.tables import write_output

MODULES = {"articles": articles, "entities": entities, "quotes": quotes, "rejects": rejects}


@pytest.mark.parametrize("table", list(MODULES))
def test_every_column_has_a_description(table: str) -> None:
    module = MODULES[table]
    gaps = missing(module.SCHEMA)
    assert not gaps, (
        f"{table}: no description for {', '.join(gaps)}. Add "
        + ", ".join(f'"{g}": "..."' for g in gaps)
        + f" to DESCRIPTIONS in schemas/{table}.py (it feeds the Parquet field metadata, "
        "docs/tables.md and the BigQuery schema), then run "
        "`nordwire schema --format markdown > docs/tables.md`."
    )
    stale = unused(module.SCHEMA, module.DESCRIPTIONS)
    assert not stale, f"{table}: DESCRIPTIONS in schemas/{table}.py names no column: {stale}"


def test_a_new_column_without_a_description_is_found_with_its_path() -> None:
    schema = pa.schema(
        [
            pa.field("a", pa.string()),
            pa.field("s", pa.list_(pa.struct([pa.field("x", pa.int32())]))),
        ]
    )
    described = describe(schema, {"a": "A column.", "s": "Structs."})
    assert missing(described) == ["s.x"]
    assert description(described.field("a")) == "A column."
    assert unused(described, {"a": "", "gone": ""}) == ["gone"]


def test_no_column_is_named_with_a_reserved_word() -> None:
    # `start`/`end` (renamed to char_start/char_end in schema 3/2/2) broke plain SQL in DuckDB
    # and BigQuery; keep such names out, nested struct fields included.
    reserved = {"end", "start", "order", "group", "select", "from", "where", "limit", "range"}
    for table, module in MODULES.items():
        names = [f.name for f in module.SCHEMA]
        for field in module.SCHEMA:
            value = field.type.value_type if pa.types.is_list(field.type) else field.type
            if pa.types.is_struct(value):
                names += [value.field(i).name for i in range(value.num_fields)]
        assert not reserved & set(names), table


def test_written_parquet_files_carry_the_descriptions(tmp_path: Path) -> None:
    from deltalake import DeltaTable

    out = write_output(tmp_path / "o", False)
    entity_file = next(
        p for p in (out / "entities").rglob("*.parquet") if "_delta_log" not in p.parts
    )
    schema = pq.read_schema(entity_file)
    assert description(schema.field("char_start")) == entities.DESCRIPTIONS["char_start"]
    assert all(description(f) for f in schema)
    nested = pq.read_schema(
        next(p for p in (out / "articles").rglob("*.parquet") if "_delta_log" not in p.parts)
    )
    topic = nested.field("topics").type.value_type.field("topic")
    assert description(topic) == articles.DESCRIPTIONS["topics.topic"]
    # The Delta schema carries them too, for readers that never open a file.
    delta_schema = pa.schema(DeltaTable(str(out / "articles")).schema().to_arrow())
    assert description(delta_schema.field("title")) == articles.DESCRIPTIONS["title"]


def test_docs_tables_md_is_generated_from_the_declarations() -> None:
    generated = render_schema(None, "markdown")
    on_disk = (ROOT / "docs" / "tables.md").read_text("utf-8")
    assert on_disk == generated, (
        "docs/tables.md is out of date: run `nordwire schema --format markdown > docs/tables.md`"
    )
    assert "`char_start`" in on_disk and "| `title` | `string` | headline |" in on_disk


# BigQuery's documented column types (legacy names, as schema files use them, and the
# GoogleSQL aliases) and modes: https://cloud.google.com/bigquery/docs/schemas#standard_sql_data_types
# and https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#TableFieldSchema
BIGQUERY_TYPES = {
    "STRING", "BYTES", "INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC",
    "BOOLEAN", "BOOL", "TIMESTAMP", "DATE", "TIME", "DATETIME", "GEOGRAPHY", "RECORD",
    "STRUCT", "JSON", "RANGE", "INTERVAL",
}  # fmt: skip
BIGQUERY_MODES = {"NULLABLE", "REQUIRED", "REPEATED"}


def _check_bigquery(fields: list[dict[str, object]], path: str) -> None:
    names = [str(f["name"]) for f in fields]
    assert len(names) == len(set(n.lower() for n in names)), f"{path}: duplicate names"
    for field in fields:
        name = str(field["name"])
        # Column names: letters, digits, underscores, starting with a letter or underscore.
        assert name.replace("_", "a").isalnum() and not name[0].isdigit(), name
        assert field["type"] in BIGQUERY_TYPES, f"{path}{name}: {field['type']}"
        assert field["mode"] in BIGQUERY_MODES, f"{path}{name}: {field['mode']}"
        text = field.get("description")
        assert isinstance(text, str) and 0 < len(text) <= 1024, f"{path}{name}: description"
        if field["type"] == "RECORD":
            sub = field["fields"]
            assert isinstance(sub, list) and sub
            _check_bigquery(sub, f"{path}{name}.")
        else:
            assert "fields" not in field


@pytest.mark.parametrize("table", list(TABLES))
def test_bigquery_schema_uses_documented_types_and_modes(table: str) -> None:
    schema = json.loads(render_schema(table, "bigquery"))
    assert schema == table_schema(TABLES[table].schema)
    _check_bigquery(schema, f"{table}.")
    by_name = {f["name"]: f for f in schema}
    assert by_name["date"]["type"] == "DATE"
    assert table == "feeds" or by_name["topic"]["type"] == "STRING"  # a fetch has no topic
    if table == "articles":
        assert by_name["published_at"]["type"] == "TIMESTAMP"
        assert by_name["people"]["mode"] == "REPEATED" and by_name["people"]["type"] == "STRING"
        assert by_name["topics"]["mode"] == "REPEATED" and by_name["topics"]["type"] == "RECORD"
        assert by_name["article_id"]["mode"] == "REQUIRED"


def test_bigquery_schema_is_accepted_by_the_bigquery_client() -> None:
    bigquery = pytest.importorskip("google.cloud.bigquery")
    from google.cloud.bigquery.enums import SqlTypeNames

    known = {t.value for t in SqlTypeNames}
    for table in TABLES:
        for raw in table_schema(TABLES[table].schema):
            field = bigquery.SchemaField.from_api_repr(raw)
            assert field.field_type in known and field.to_api_repr()["name"] == raw["name"]
