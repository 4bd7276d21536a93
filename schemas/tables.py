"""The registry of nordwire's tables: each table's name, row key and what a row is.

Every list of tables reads this one: the Delta tables a writer opens (pipeline/io/delta.py,
their schema, key and statistics column), compaction, the schema reference and docs/tables.md,
the query views, `nordwire tables` and `nordwire schema`. Each table's schema and version are in its own module,
schemas/<name>.py, imported when asked for, so that the command line can name the tables
without importing pyarrow. The order is the order of the reference.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Table:
    """One table of the output (OUTPUT/<name>), declared in schemas/<name>.py."""

    name: str
    key: str  # the column that names a row
    row: str  # what one row is, for people
    # The one small column Delta keeps min/max statistics for ("" none): every commit and every
    # open replays them from the log, and a date partition already narrows reads by time.
    stats: str = ""

    @property
    def module(self) -> ModuleType:
        """schemas/<name>.py: SCHEMA, SCHEMA_VERSION and the row builders."""
        return importlib.import_module(f"nordwire.schemas.{self.name}")

    @property
    def schema(self) -> pa.Schema:
        """The table's Arrow schema (partition columns excluded)."""
        schema: pa.Schema = self.module.SCHEMA
        return schema

    @property
    def version(self) -> int:
        """The schema version."""
        return int(self.module.SCHEMA_VERSION)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("articles", "article_id", "one row per Norwegian article", "published_at"),
        Table("entities", "entity_id", "one row per named-entity mention"),
        Table("quotes", "quote_id", "one row per quotation, direct or reported"),
        Table(
            "rejects",
            "reject_id",
            "one row per input or item that did not become an article",
            "fetched_at",
        ),
        Table(
            "revisions",
            "article_id",
            "one row per version of a story (articles holds the newest)",
            "seen_at",
        ),
        Table(
            "feeds",
            "fetch_id",
            "one row per fetch of a feed by the streaming or scheduled job (feed health)",
            "fetched_at",
        ),
    )
}
NAMES = tuple(TABLES)
