"""`nordwire compact`: rewrite each partition's small files into a few, safely (pipeline/compaction.py)."""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, is_remote
from nordwire.pipeline.cli.inspect import SCHEMA_TABLES  # the sink's tables, without Beam

_SPEC = re.compile(r"^(date=)?(\d{4}-\d{2}-\d{2})(/topic=[a-z0-9_-]+)?/?$")


def _before(value: str, zone: str) -> str:
    try:
        today = datetime.now(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone {zone!r} is not a known time zone")
    if value == "today":
        return today.isoformat()
    if value == "tomorrow":
        return (today + timedelta(days=1)).isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"--before {value!r} is not a date (YYYY-MM-DD, today or tomorrow)")


def _spec(value: str) -> str:
    match = _SPEC.match(value)
    if not match:
        fail(f"--partition {value!r}: expected date=YYYY-MM-DD or date=YYYY-MM-DD/topic=SLUG")
    return f"date={match.group(2)}{match.group(3) or ''}"


@main.command(
    epilog="Examples:\n\n  nordwire compact --output out                 # every closed day\n\n"
    "  nordwire compact --output out --table articles --partition date=2026-11-24\n\n"
    "  nordwire compact --output out --before tomorrow   # today's partitions too"
)
@click.option("--output", default="out", show_default=True, help="Folder the tables are in.")
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(sorted(SCHEMA_TABLES)),
    help="Only this table; repeatable. Default: every table.",
)
@click.option(
    "--before",
    default="today",
    show_default=True,
    help="Only days before this date (YYYY-MM-DD, today or tomorrow), in --timezone.",
)
@click.option(
    "--partition",
    "specs",
    multiple=True,
    metavar="date=D[/topic=T]",
    help="Only these partitions; repeatable (overrides --before).",
)
@click.option(
    "--target-size",
    type=click.FloatRange(min=1),
    default=128,
    show_default=True,
    help="Megabytes per compacted file; a partition smaller than this becomes one file.",
)
@click.option("--timezone", default="Europe/Oslo", show_default=True, help="Zone of 'today'.")
def compact(
    output: str,
    tables: tuple[str, ...],
    before: str,
    specs: tuple[str, ...],
    target_size: float,
    timezone: str,
) -> None:
    """Rewrite each partition's files into as few as --target-size allows.

    Safe to kill at any moment (the next run finishes or undoes it), to run beside `run` and
    `poll` (they wait for one partition's swap at most), and while queries run (a partition is
    swapped in one rename). Re-runs skip partitions that are already compact.
    """
    from nordwire.pipeline.compaction import compact as run_compaction
    from nordwire.pipeline.compaction import partitions

    if is_remote(output):
        fail("compaction needs a local (or mounted) --output: object stores cannot swap a folder")
    if not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder")
    started = time.perf_counter()
    only = tuple(_spec(s) for s in specs)
    limit = None if only else _before(before, timezone)
    report = run_compaction(
        output,
        lambda: partitions(output, tables, limit, only),
        target_bytes=int(target_size * 1024 * 1024),
    )
    click.echo(f"nordwire: {report.line()}, {time.perf_counter() - started:.1f} s")
