"""`nordwire compact` (Delta optimize + vacuum, pipeline/compaction.py) and `nordwire migrate` (pipeline/migrate.py)."""

from __future__ import annotations

import os
import re
import time
from datetime import date, datetime, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, is_remote
from nordwire.schemas.tables import NAMES  # the tables, without pyarrow or Beam

# Delta's default retention of replaced files (pipeline/io/delta.py: DELETED_FILE_RETENTION_HOURS);
# written out here so the command line does not import deltalake to show its help.
RETENTION_HOURS = 168

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


def _failed(exc: Exception, what: str) -> NoReturn:
    from nordwire.pipeline.compaction import disk_full

    if disk_full(exc):
        fail(f"{what} stopped: the disk is full; free space and run it again (nothing is lost)", 1)
    fail(f"{what} failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", 1)


@main.command(
    epilog="Examples:\n\n  nordwire compact --output out                 # every closed day\n\n"
    "  nordwire compact --output out --table articles --partition date=2026-11-24\n\n"
    "  nordwire compact --output gs://B/nordwire --before tomorrow   # today's too, on GCS"
)
@click.option(
    "--output", default="out", show_default=True, help="Folder (or gs:// path) of the tables."
)
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(sorted(NAMES)),
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
@click.option(
    "--retention-hours",
    type=click.IntRange(min=0),
    default=RETENTION_HOURS,
    show_default=True,
    help="Keep replaced files this long (time travel and slow readers need them); then delete.",
)
@click.option("--timezone", default="Europe/Oslo", show_default=True, help="Zone of 'today'.")
def compact(
    output: str,
    tables: tuple[str, ...],
    before: str,
    specs: tuple[str, ...],
    target_size: float,
    retention_hours: int,
    timezone: str,
) -> None:
    """Delta optimize and vacuum: each partition's files into as few as --target-size allows,
    then delete files older snapshots no longer need.

    One Delta commit per table: safe to kill at any moment (nothing changes until the commit;
    the next vacuum removes what a killed run wrote), to run beside `run`, `poll` and `stream`
    (their appends do not conflict with it) and while queries run. Works on gs:// as on a
    folder. Re-runs find compact partitions and do nothing.
    """
    from nordwire.pipeline.compaction import compact as run_compaction
    from nordwire.pipeline.io.location import PlainParquetOutput

    if not is_remote(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder")
    started = time.perf_counter()
    only = tuple(_spec(s) for s in specs)
    limit = None if only else _before(before, timezone)
    try:
        report = run_compaction(
            output,
            tables,
            limit,
            only,
            target_bytes=int(target_size * 1024 * 1024),
            retention_hours=retention_hours,
        )
    except PlainParquetOutput as exc:
        fail(str(exc))
    except Exception as exc:
        _failed(exc, "compaction")
    click.echo(f"nordwire: {report.line()}, {time.perf_counter() - started:.1f} s")


@main.command(
    epilog="Example:\n\n  nordwire migrate --output out   # stop the poller first; run again if killed"
)
@click.option("--output", default="out", show_default=True, help="Folder of the tables.")
def migrate(output: str) -> None:
    """Turn an output written by an older nordwire (plain Parquet) into Delta tables, in place.

    Each table is read partition by partition and committed as one Delta table (revision 1 for
    every article, its content hash on the entity and quote rows, a revisions row each); the
    old files are deleted after the commit. Killed, run it again: a table already converted is
    kept, and a second run on a converted output does nothing. Stop writers first.
    """
    from nordwire.pipeline.migrate import migrate_output

    if is_remote(output):
        fail("migrate converts a local folder; copy it down, migrate, and copy it back")
    if not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder")
    started = time.perf_counter()
    try:
        lines = migrate_output(output)
    except Exception as exc:
        _failed(exc, "migration")
    for line in lines:
        click.echo(f"nordwire: {line}")
    click.echo(f"nordwire: migrate done, {time.perf_counter() - started:.1f} s")
