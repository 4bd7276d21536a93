"""`nordwire report`: what was ingested, as one self-contained HTML page with charts."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, is_remote, state_dir_option
from nordwire.pipeline.config import state_folder


@main.command()
@click.option(
    "--output", default="out", show_default=True, help="Folder (or gs://...) the tables are in."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only partitions from this date on (YYYY-MM-DD).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the page. Default: OUTPUT/report.html (./report.html for gs://).",
)
@state_dir_option
def report(
    output: str, since: datetime | None, html_file: Path | None, state_dir: Path | None
) -> None:
    """Write one HTML page with charts of what was ingested.

    Articles per day by source and by topic, language and variety, most mentioned people,
    organisations and places, most quoted speakers with a sample quote, rejects by reason
    and stage, and feed health (the poller's state, or the feeds table `stream` and
    `run --feeds` write). The page needs no network and no script: open it in any browser
    or mail it.

    \b
    Examples:
      nordwire report
      nordwire report --output out --since 2024-03-01 --html march.html
      nordwire report --output gs://my-bucket/nordwire     # the cloud jobs' tables
    """
    import duckdb

    try:
        from nordwire.pipeline.read.report import build_report
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        fail("the report needs matplotlib: pip install 'nordwire[report]'")

    if is_remote(output):
        # The tables are read where they are, as `nordwire query` reads them (the cloud jobs'
        # feed health from their feeds table); the page is written here.
        target = html_file or Path("report.html")
        state_file = (state_dir or Path(os.devnull)) / "state.sqlite"
    else:
        if not os.path.isdir(output):
            fail(f"--output {output!r} is not a folder; run `nordwire run` first")
        target = html_file or Path(output) / "report.html"
        state_file = state_folder(output, state_dir) / "state.sqlite"
    day: date | None = since.date() if since else None
    from nordwire.pipeline.io.location import UnreadableOutput

    try:
        page = build_report(output, day, state_file, datetime.now(UTC))
    except UnreadableOutput as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {str(target)!r}: {exc.strerror or exc}")
    click.echo(f"wrote {target} ({len(page.encode('utf-8')) // 1024} KiB)")
