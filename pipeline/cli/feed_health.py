"""`nordwire feeds status`: feed health from the poller's state, or from the output's `feeds`
table for the streaming and scheduled jobs, narrow by default, and a `--check` that exits
non-zero when a feed is failing or stale (for cron, systemd, alerting)."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, state_dir_option, table_format_option
from nordwire.pipeline.config import state_folder
from nordwire.pipeline.poller.state import display_name, failing, read_feed_rows

EXIT_UNHEALTHY = 3  # the same code as a bounded `nordwire poll` with a failing feed
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PROBLEM = 48


def parse_duration(text: str) -> timedelta:
    """`90`, `90s`, `30m`, `2h`, `1d` -> timedelta; ValueError otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration (90s, 30m, 2h, 1d)")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


def _ago(value: object, now: datetime) -> str:
    if not value:
        return "never"
    seconds = max(0, int((now - datetime.fromisoformat(str(value))).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def health(row: dict[str, Any], now: datetime, max_age: timedelta) -> str:
    """ok, failing (last fetch failed: network, HTTP, HTML page, no items) or stale."""
    if failing(row):
        return "failing"
    last = row.get("last_success_at")
    if not last or now - datetime.fromisoformat(str(last)) > max_age:
        return "stale"
    return "ok"


def _narrow(name: str, row: dict[str, Any], state: str, now: datetime) -> list[object]:
    problem = " ".join(str(row.get("last_error") or "").split()) if state == "failing" else ""
    if state == "stale":
        problem = f"no successful fetch for {_ago(row.get('last_success_at'), now)}"
    if len(problem) > _PROBLEM:
        problem = problem[: _PROBLEM - 1] + "…"
    return [
        name,
        state,
        _ago(row.get("last_success_at"), now),
        row.get("failures") or 0,
        row.get("new_items") or 0,
        problem,
    ]


def _feed_rows(output: str, state_dir: Path | None) -> list[dict[str, Any]]:
    from nordwire.pipeline.cli.common import is_remote

    folder = None if is_remote(output) and state_dir is None else state_folder(output, state_dir)
    state = read_feed_rows(folder) if folder is not None else None
    if state is not None:
        return state
    from nordwire.pipeline.io.location import UnreadableOutput
    from nordwire.pipeline.read.feedlog import feed_rows
    from nordwire.pipeline.read.query import connect

    try:
        con = connect(output, tables=("feeds", "articles"))
    except (UnreadableOutput, OSError) as exc:
        fail(str(exc))
    try:
        rows = feed_rows(con)
    finally:
        con.close()
    if not rows:
        where = f"in {str(folder)!r}" if folder is not None else "here"
        fail(
            f"no poller state {where} and no feeds table in {output!r}; run `nordwire poll`, "
            "`nordwire stream` or `nordwire run --feeds` first"
        )
    return rows


@main.group()
def feeds() -> None:
    """Feed health from the poller's state or the `feeds` table of the jobs that poll."""


@feeds.command(
    name="status",
    epilog="Exit codes: 0 healthy (or no --check), 2 usage error, 3 with --check: a feed is "
    "failing or stale.\n\nExamples:\n\n  nordwire feeds status --output out --wide\n\n"
    "  nordwire feeds status --output out --check --max-age 1h || notify-team   # cron\n\n"
    "  nordwire feeds status --output gs://BUCKET/nordwire   # the stream or scheduled job",
)
@click.option(
    "--output",
    default="out",
    show_default=True,
    help="Output of `nordwire poll` (its state), or of `stream` / `run --feeds` (the feeds table).",
)
@state_dir_option
@table_format_option
@click.option("--wide", is_flag=True, help="Every column (csv and json always have them all).")
@click.option(
    "--check", is_flag=True, help="Exit 3 when a feed is failing or stale (for alerting)."
)
@click.option(
    "--max-age",
    default="2h",
    show_default=True,
    metavar="DURATION",
    help="A feed without a successful fetch (200 or 304) for this long is stale: 90s, 30m, 2h, 1d.",
)
def feeds_status(
    output: str, state_dir: Path | None, fmt: str, wide: bool, check: bool, max_age: str
) -> None:
    """Per feed: health (ok, failing, stale), last success, failures in a row, new items, and
    why it fails. From the poller's state when there is one, else from the output's `feeds`
    table (the streaming job and `run --feeds` log every fetch there)."""
    from nordwire.pipeline.read.render import render

    try:
        limit = parse_duration(max_age)
    except ValueError as exc:
        fail(f"--max-age: {exc}")
    rows = _feed_rows(output, state_dir)
    now = datetime.now(UTC)
    states = [health(r, now, limit) for r in rows]
    names = [display_name(str(r["name"]), str(r["url"])) for r in rows]
    if fmt != "table" or wide:
        columns = ["health", *(rows[0] if rows else ["name", "url"])]
        table = [[s, *r.values()] for s, r in zip(states, rows, strict=True)]
    else:
        columns = ["feed", "health", "last ok", "failures", "new items", "problem"]
        table = [_narrow(n, r, s, now) for n, r, s in zip(names, rows, states, strict=True)]
    click.echo(render(columns, table, fmt))
    bad = [name for name, s in zip(names, states, strict=True) if s != "ok"]
    if check and (bad or not rows):
        click.echo(
            f"nordwire: unhealthy: {', '.join(bad) if bad else 'no feeds in the state'}", err=True
        )
        sys.exit(EXIT_UNHEALTHY)
