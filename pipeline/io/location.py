"""Where an output's tables live and what is wrong with one that cannot be read.

Kept apart from delta.py, and free of pyarrow, deltalake and Beam: the reading commands name
paths and report these errors before (or without) loading any of them.
"""

from __future__ import annotations

# Below a table's root: its data files, its log entries (Parquet without a log is an old output).
PLAIN_PATTERNS = ("/date=*/*/*.parquet", "/_delta_log/*.json")


class UnreadableOutput(RuntimeError):
    """An output folder whose tables cannot be read as they are (the message says why)."""


class PlainParquetOutput(UnreadableOutput):
    """The output holds tables written by an older nordwire (Parquet without a Delta log)."""


class BrokenTable(UnreadableOutput):
    """A table whose Delta log cannot be read (a damaged or foreign commit file)."""


def is_remote(output: str) -> bool:
    """Whether the output is a URI (gs://, s3://, file://) that delta-rs's object stores open,
    rather than a folder name."""
    return "://" in output


def table_uri(output: str, table: str) -> str:
    """Where a table lives: OUTPUT/<table> (what FileSystems.join gives a local folder too,
    written out so that the reading commands open local tables without importing Beam)."""
    return output.rstrip("/") + "/" + table


def plain_output(output: str) -> PlainParquetOutput:
    """The error for an output whose tables are plain Parquet (see PLAIN_PATTERNS)."""
    return PlainParquetOutput(
        f"{output!r} holds tables written by an older nordwire (Parquet without a "
        f"Delta log); convert them once with `nordwire migrate --output {output}`"
    )
