"""Commands that look at what was written or read: `query` and `detect` (`feeds` is in feeds.py)."""

from __future__ import annotations

import os
import sys

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, is_remote, table_format_option


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def detect(fmt: str) -> None:
    """Read text on stdin; print its language, variety and confidence."""
    import json

    from nordwire.transforms.language import LanguageDetector

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


@main.command()
@click.argument("sql")
@click.option("--output", default="out", show_default=True, help="Folder the tables are in.")
@table_format_option
def query(sql: str, output: str, fmt: str) -> None:
    """Run SQL with DuckDB over the tables (views: articles, entities, quotes, rejects)."""
    import duckdb
    from nordwire.pipeline.query import run_query

    if not is_remote(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder; run `nordwire run` first")
    try:
        click.echo(run_query(sql, output, fmt))
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])
