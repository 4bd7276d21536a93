"""BigQuery JSON schema of a table, from its Arrow schema and column descriptions.

The mapping is the one BigQuery applies when it loads Parquet with list inference on
(`--parquet_enable_list_inference=true`): a list becomes a REPEATED column of its element
type, a struct a RECORD. Types use BigQuery's documented (legacy-name) spellings, which
`bq load`, `bq mk` and `bq update` accept in a schema file.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from nordwire.schemas.columns import description, with_partitions

# BigQuery caps a column description at 1,024 characters.
DESCRIPTION_LIMIT = 1024


def _scalar(data_type: pa.DataType) -> str:
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "STRING"
    if pa.types.is_integer(data_type):
        return "INTEGER"
    if pa.types.is_floating(data_type):
        return "FLOAT"
    if pa.types.is_boolean(data_type):
        return "BOOLEAN"
    if pa.types.is_timestamp(data_type):
        # A zoned Parquet timestamp is an instant (TIMESTAMP); a naive one is a wall time.
        return "TIMESTAMP" if data_type.tz else "DATETIME"
    if pa.types.is_date(data_type):
        return "DATE"
    if pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type):
        return "BYTES"
    if pa.types.is_decimal(data_type):
        return "NUMERIC"
    raise ValueError(f"no BigQuery type for Arrow type {data_type}")


def field_schema(field: pa.Field) -> dict[str, Any]:
    """One BigQuery schema field (name, type, mode, description, nested fields)."""
    data_type = field.type
    mode = "NULLABLE" if field.nullable else "REQUIRED"
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        mode, data_type = "REPEATED", data_type.value_type
        if pa.types.is_list(data_type):
            raise ValueError(f"{field.name}: BigQuery has no list of lists")
    out: dict[str, Any] = {"name": field.name}
    if pa.types.is_struct(data_type):
        out["type"] = "RECORD"
        out["fields"] = [field_schema(data_type.field(i)) for i in range(data_type.num_fields)]
    else:
        out["type"] = _scalar(data_type)
    out["mode"] = mode
    text = description(field)
    if text:
        out["description"] = text[:DESCRIPTION_LIMIT]
    return out


def table_schema(schema: pa.Schema) -> list[dict[str, Any]]:
    """The BigQuery schema of a table as queried: file columns, then the date and topic partitions."""
    return [field_schema(f) for f in with_partitions(schema)]
