"""The schema reference in text, JSON, BigQuery JSON and Markdown (docs/tables.md), from the declarations.

Regenerate the docs with `nordwire schema --format markdown > docs/tables.md`; a test fails
when the file and the schemas disagree.
"""

from __future__ import annotations

import json

import pyarrow as pa
from nordwire.schemas import articles, entities, feeds, quotes, rejects, revisions
from nordwire.schemas.bigquery import table_schema
from nordwire.schemas.columns import (
    as_dicts,
    description,
    ninjs_name,
    type_name,
    walk,
    with_partitions,
)

TABLES: dict[str, tuple[pa.Schema, int, str]] = {
    "articles": (articles.SCHEMA, articles.SCHEMA_VERSION, "one row per Norwegian article"),
    "entities": (entities.SCHEMA, entities.SCHEMA_VERSION, "one row per named-entity mention"),
    "quotes": (quotes.SCHEMA, quotes.SCHEMA_VERSION, "one row per quotation, direct or reported"),
    "rejects": (
        rejects.SCHEMA,
        rejects.SCHEMA_VERSION,
        "one row per input or item that did not become an article",
    ),
    "revisions": (
        revisions.SCHEMA,
        revisions.SCHEMA_VERSION,
        "one row per version of a story (articles holds the newest)",
    ),
    "feeds": (
        feeds.SCHEMA,
        feeds.SCHEMA_VERSION,
        "one row per fetch of a feed by the streaming or scheduled job (feed health)",
    ),
}
SCHEMA_FORMATS = ("text", "json", "bigquery", "markdown")


def _names(table: str | None) -> list[str]:
    if table is None:
        return list(TABLES)
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; tables: {', '.join(TABLES)}")
    return [table]


def _text(table: str) -> str:
    schema, version, what = TABLES[table]
    rows = [
        (
            path,
            type_name(f.type) + ("" if f.nullable else " not null"),
            description(f) or "",
        )
        for path, f in walk(with_partitions(schema))
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{table} (schema version {version}): {what}"]
    lines += [f"  {p.ljust(widths[0])}  {t.ljust(widths[1])}  {d}" for p, t, d in rows]
    return "\n".join(lines)


def _markdown(table: str) -> str:
    schema, version, what = TABLES[table]
    ninjs = table == "articles"
    head = "| column | type | ninjs | description |" if ninjs else "| column | type | description |"
    rule = "|---|---|---|---|" if ninjs else "|---|---|---|"
    lines = [f"## {table} — {what}", "", f"Schema version {version}.", "", head, rule]
    for path, field in walk(with_partitions(schema)):
        # Backticks: GitHub would take `list<string>` for an HTML tag and hide it.
        kind = f"`{type_name(field.type)}`" + ("" if field.nullable else ", not null")
        text = (description(field) or "").replace("|", "\\|")
        cells = [f"`{path}`", kind.replace("|", "\\|")]
        if ninjs:
            cells.append(ninjs_name(field) or "")
        lines.append("| " + " | ".join([*cells, text]) + " |")
    return "\n".join(lines)


def render_schema(table: str | None, fmt: str) -> str:
    """The schema of one table (or all of them) in `fmt`: text, json, bigquery or markdown."""
    names = _names(table)
    if fmt == "text":
        return "\n\n".join(_text(t) for t in names)
    if fmt == "json":
        doc = {
            t: {
                "schema_version": TABLES[t][1],
                "columns": as_dicts(with_partitions(TABLES[t][0])),
            }
            for t in names
        }
        return json.dumps(doc[table] if table else doc, ensure_ascii=False, indent=2)
    if fmt == "bigquery":
        # One table: the schema file `bq load` / `bq update` take; all: one per table name.
        if table:
            return json.dumps(table_schema(TABLES[table][0]), ensure_ascii=False, indent=2)
        return json.dumps(
            {t: table_schema(TABLES[t][0]) for t in names}, ensure_ascii=False, indent=2
        )
    if fmt == "markdown":
        intro = (
            "# Tables\n\nGenerated from the schema declarations in `schemas/` by "
            "`nordwire schema --format markdown > docs/tables.md`; do not edit by hand.\n"
            "The same descriptions are in every Parquet file's field metadata and in "
            "`nordwire schema TABLE --format bigquery`.\n\n"
            "Each table is a Delta Lake table (`OUTPUT/<table>`: Parquet files plus a "
            "transaction log). `date` and `topic` are Hive partition columns (`revisions` has "
            "`date` only): they live in the path, not in the files. Where an articles column "
            "has a counterpart in IPTC's [ninjs](https://iptc.org/standards/ninjs/), it has "
            "that meaning.\n"
        )
        return intro + "\n" + "\n\n".join(_markdown(t) for t in names) + "\n"
    raise ValueError(f"format must be one of {', '.join(SCHEMA_FORMATS)}")
