"""Column descriptions: one declaration per table feeds the Parquet field metadata, docs/tables.md and BigQuery.

Each table module declares `DESCRIPTIONS` (column name, or `parent.child` for a struct field
inside a list or struct) next to its Arrow schema and wraps the schema in `describe`. Nothing
here knows a column by name, so a column added to a schema without a description is found by
`missing` (a test fails and names it) rather than silently left out of the docs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa

DESCRIPTION = b"description"
NINJS = b"ninjs"

# The Hive partition columns live in the path, not in the files. A table names its own in its
# schema's metadata (`nordwire.partitions`); without that it has both.
PARTITIONS: dict[str, tuple[pa.DataType, str]] = {
    "date": (
        pa.date32(),
        "partition: the story's first publication day in Europe/Oslo, kept through its "
        "revisions (rejects and feeds: the fetch day)",
    ),
    "topic": (
        pa.string(),
        "partition: topic slug from the closed vocabulary (rejects: unclassified)",
    ),
}


def _children(data_type: pa.DataType) -> list[pa.Field] | None:
    """The struct fields under a struct or a list of structs; None for anything else."""
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        data_type = data_type.value_type
    if pa.types.is_struct(data_type):
        return [data_type.field(i) for i in range(data_type.num_fields)]
    return None


def _rebuild(data_type: pa.DataType, fields: list[pa.Field]) -> pa.DataType:
    if pa.types.is_list(data_type):
        return pa.list_(pa.field(data_type.value_field.name, pa.struct(fields)))
    if pa.types.is_large_list(data_type):
        return pa.large_list(pa.field(data_type.value_field.name, pa.struct(fields)))
    return pa.struct(fields)


def _describe_field(
    field: pa.Field, path: str, descriptions: Mapping[str, str], ninjs: Mapping[str, str]
) -> pa.Field:
    children = _children(field.type)
    if children is not None:
        described = [_describe_field(c, f"{path}.{c.name}", descriptions, ninjs) for c in children]
        field = field.with_type(_rebuild(field.type, described))
    metadata: dict[bytes, bytes] = dict(field.metadata or {})
    if path in descriptions:
        metadata[DESCRIPTION] = descriptions[path].encode("utf-8")
    if path in ninjs:
        metadata[NINJS] = ninjs[path].encode("utf-8")
    return field.with_metadata(metadata) if metadata else field


def describe(
    schema: pa.Schema, descriptions: Mapping[str, str], ninjs: Mapping[str, str] | None = None
) -> pa.Schema:
    """The schema with each column's description (and ninjs counterpart) in its field metadata."""
    fields = [_describe_field(f, f.name, descriptions, ninjs or {}) for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def walk(schema: pa.Schema) -> Iterator[tuple[str, pa.Field]]:
    """Every column and nested struct field, as (dotted path, field), in schema order."""

    def inner(field: pa.Field, path: str) -> Iterator[tuple[str, pa.Field]]:
        yield path, field
        for child in _children(field.type) or []:
            yield from inner(child, f"{path}.{child.name}")

    for field in schema:
        yield from inner(field, field.name)


def description(field: pa.Field) -> str | None:
    """A field's description from its metadata."""
    raw = (field.metadata or {}).get(DESCRIPTION)
    return raw.decode("utf-8") if raw else None


def ninjs_name(field: pa.Field) -> str | None:
    """The IPTC ninjs property a column corresponds to, if any."""
    raw = (field.metadata or {}).get(NINJS)
    return raw.decode("utf-8") if raw else None


def missing(schema: pa.Schema) -> list[str]:
    """Dotted paths of the columns (and struct fields) that have no description."""
    return [path for path, field in walk(schema) if not (description(field) or "").strip()]


def unused(schema: pa.Schema, descriptions: Mapping[str, str]) -> list[str]:
    """Description keys that name no column (a typo, or a column that was removed)."""
    paths = {path for path, _ in walk(schema)}
    return sorted(set(descriptions) - paths)


def type_name(data_type: pa.DataType) -> str:
    """A short, engine-neutral type name for docs: string, int32, list<string>, timestamp (UTC)."""
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return f"list<{type_name(data_type.value_type)}>"
    if pa.types.is_struct(data_type):
        inner = ", ".join(data_type.field(i).name for i in range(data_type.num_fields))
        return f"struct<{inner}>"
    if pa.types.is_timestamp(data_type):
        return f"timestamp ({data_type.tz})" if data_type.tz else "timestamp"
    if pa.types.is_date(data_type):
        return "date"
    return str(data_type)


PARTITIONS_KEY = b"nordwire.partitions"


def partitions_of(schema: pa.Schema) -> tuple[str, ...]:
    """The Hive partition columns of a table, in path order."""
    raw = (schema.metadata or {}).get(PARTITIONS_KEY)
    return tuple(raw.decode().split(",")) if raw else tuple(PARTITIONS)


def with_partitions(schema: pa.Schema) -> pa.Schema:
    """The schema as a reader sees it: the file columns plus the Hive partition columns."""
    extra = [
        pa.field(
            name,
            PARTITIONS[name][0],
            nullable=False,
            metadata={DESCRIPTION: PARTITIONS[name][1].encode("utf-8")},
        )
        for name in partitions_of(schema)
        if name not in schema.names
    ]
    return pa.schema([*schema, *extra], metadata=schema.metadata)


def as_dicts(schema: pa.Schema) -> list[dict[str, Any]]:
    """A JSON-ready description of every column, nested struct fields under `fields`."""

    def one(field: pa.Field) -> dict[str, Any]:
        row: dict[str, Any] = {
            "name": field.name,
            "type": type_name(field.type),
            "nullable": field.nullable,
            "description": description(field),
        }
        if ninjs_name(field):
            row["ninjs"] = ninjs_name(field)
        children = _children(field.type)
        if children is not None:
            row["fields"] = [one(c) for c in children]
        return row

    return [one(f) for f in schema]
