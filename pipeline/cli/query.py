"""Commands that look at what was written: `query`, `tables`, `schema` and `detect` (`feeds` is in feed_health.py)."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import (
    fail,
    is_remote,
)
from nordwire.schemas.tables import NAMES

# Spelled out here so that `nordwire --help` does not import DuckDB, Beam or pyarrow; a test keeps
# them equal to pipeline/read/render.py and schemas/reference.py (the tables' names cost no import).
FORMATS = ("table", "line", "markdown", "csv", "json")
DEFAULT_WIDTH = 60
SCHEMA_FORMATS = ("text", "json", "bigquery", "markdown")


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def detect(fmt: str) -> None:
    """Read text on stdin; print its language, variety and confidence.

    \b
    Examples:
      echo "Eg veit ikkje kva eg skal gjere" | nordwire detect
      nordwire detect --format json < artikkel.txt
    """
    import json

    from nordwire.transforms.language.detect import LanguageDetector

    text = sys.stdin.read()
    result = LanguageDetector().detect(text)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "language": result.language,
                    "norwegian": result.norwegian,
                    "variety": result.variety,
                    "confidence": result.confidence,
                }
            )
        )
    else:
        click.echo(
            f"{result.language}\tvariety={result.variety or '-'}\tconfidence={result.confidence:.3f}"
        )


_read_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table, line (one `column = value` per line, full text), markdown, csv or json.",
)
_max_width = click.option(
    "--max-width",
    type=click.IntRange(min=0),
    default=DEFAULT_WIDTH,
    show_default=True,
    help="Cut table and markdown cells at this many characters (0: never).",
)
_output = click.option(
    "--output", default="out", show_default=True, help="Folder the tables are in."
)


def _check_folder(output: str) -> None:
    if not is_remote(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder; run `nordwire run` first")


@main.command()
@click.argument("sql", required=False)
@click.option(
    "-f",
    "--file",
    "sql_file",
    type=click.File("r", encoding="utf-8"),
    help="Read the SQL from this file ('-' for stdin).",
)
@_output
@_read_format
@_max_width
@click.option(
    "--unrestricted",
    is_flag=True,
    help="Run any SQL with your own rights: writes (COPY, CREATE ...), reading files outside "
    "--output, ATTACH, INSTALL. Off by default: queries are read-only and confined to --output.",
)
@click.option(
    "--as-of",
    metavar="VERSION|TIME",
    help="Read an older snapshot: a version of the articles table (see `nordwire tables`) or "
    "a UTC time (2026-11-24 or 2026-11-24T09:30).",
)
def query(
    sql: str | None,
    sql_file: TextIO | None,
    output: str,
    fmt: str,
    max_width: int,
    unrestricted: bool,
    as_of: str | None,
) -> None:
    """Run SQL with DuckDB over the views articles, entities, quotes, rejects and revisions.

    SQL is the argument, '-' for stdin, or --file. Several statements separated by ';' each
    print their result. Without SQL, an interactive shell opens (.help inside); from a pipe
    it runs the script. Read-only by default: only SELECT, DESCRIBE, SHOW, SUMMARIZE and
    EXPLAIN run, and only files under --output can be read.

    \b
    Examples:
      nordwire query "SELECT topic, count(*) AS n FROM articles GROUP BY ALL ORDER BY n DESC"
      nordwire query "SELECT title, body FROM articles LIMIT 1" --format line
      nordwire query "SELECT e.text, e.char_start, e.char_end FROM entities e LIMIT 5" --format markdown
      echo "SELECT count(*) FROM quotes" | nordwire query -
      nordwire query --file report.sql --format csv > report.csv
      nordwire query --as-of 2026-11-24 "SELECT count(*) FROM articles"
      nordwire query                      # interactive shell
    """
    import duckdb
    from nordwire.pipeline.io.location import UnreadableOutput
    from nordwire.pipeline.read.query import QueryRefused, SnapshotNotFound, run_query
    from nordwire.pipeline.read.render import for_terminal

    _check_folder(output)
    if sql_file is not None and sql is not None:
        fail("give the SQL as an argument or with --file, not both")
    text = sql_file.read() if sql_file is not None else sys.stdin.read() if sql == "-" else sql
    try:
        if text is None:
            from nordwire.pipeline.read.shell import run_shell

            run_shell(output, fmt, max_width, unrestricted, as_of=as_of)
            return
        if not text.strip():
            fail("no SQL given")
        printed = run_query(text, output, fmt, max_width, unrestricted, as_of)
        if printed:  # statements without a result (an --unrestricted COPY) print nothing
            click.echo(for_terminal(printed, fmt, sys.stdout))
    except (QueryRefused, SnapshotNotFound, UnreadableOutput) as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])


@main.command()
@_output
@_read_format
def tables(output: str, fmt: str) -> None:
    """Per table: Delta version, rows, partitions (date × topic), files, bytes, first and last date.

    \b
    Examples:
      nordwire tables
      nordwire tables --output gs-copy --format json
    """
    import duckdb
    from nordwire.pipeline.io.location import UnreadableOutput
    from nordwire.pipeline.read.render import render
    from nordwire.pipeline.read.stats import table_stats

    _check_folder(output)
    try:
        stats = table_stats(output)
    except UnreadableOutput as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])
    click.echo(render(stats.columns, stats.rows, fmt, 0))


@main.command()
@click.argument("table", required=False, type=click.Choice(list(NAMES)))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SCHEMA_FORMATS),
    default="text",
    show_default=True,
    help="text, json, bigquery (a schema file for bq load / bq update) or markdown (docs).",
)
def schema(table: str | None, fmt: str) -> None:
    """The columns of one table (or all), with types and descriptions.

    The descriptions are the ones stored in the Delta schema and every Parquet file's field
    metadata. `date` and `topic` are partition columns (in the path, not in the files).

    \b
    Examples:
      nordwire schema entities
      nordwire schema articles --format json
      nordwire schema articles --format bigquery > articles.schema.json
      nordwire schema --format markdown > docs/tables.md
    """
    from nordwire.schemas.reference import render_schema

    click.echo(render_schema(table, fmt), nl=fmt != "markdown")
