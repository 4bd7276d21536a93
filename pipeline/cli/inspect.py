"""Commands that look at what was written: `query`, `feeds status` and `detect`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import (
    fail,
    is_remote,
    state_dir_option,
    table_format_option,
)
from nordwire.pipeline.config import state_folder


@main.group()
def feeds() -> None:
    """Feed health from the poller's state."""


@feeds.command(name="status")
@click.option(
    "--output", default="out", show_default=True, help="Output folder of `nordwire poll`."
)
@state_dir_option
@table_format_option
def feeds_status(output: str, state_dir: Path | None, fmt: str) -> None:
    """Per feed: last status, failures in a row, last success, fetches, new items, last error."""
    from nordwire.pipeline.poller.state import StreamState
    from nordwire.pipeline.query import render

    folder = state_folder(output, state_dir)
    if not (folder / "state.sqlite").is_file():
        fail(f"no poller state in {str(folder)!r}; run `nordwire poll` first")
    state = StreamState(folder)
    try:
        rows = state.feed_rows()
    finally:
        state.close()
    columns = list(rows[0]) if rows else ["name", "url"]
    click.echo(render(columns, [list(r.values()) for r in rows], fmt))


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
