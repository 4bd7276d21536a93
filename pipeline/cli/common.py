"""What every command shares: one-line errors, input and output checks, and common options."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

_GLOB = re.compile(r"[*?\[]")
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr and an exit code; no traceback for a user's mistake."""
    click.echo(f"nordwire: error: {message}", err=True)
    sys.exit(code)


def is_remote(path: str) -> bool:
    """A path or URL that this machine cannot check (gs://, s3://, ...)."""
    return "://" in path


def check_inputs(inputs: tuple[str, ...]) -> None:
    """Local inputs must exist (remote ones are matched inside the pipeline)."""
    for path in inputs:
        if is_remote(path):
            continue
        if _GLOB.search(path):
            from nordwire.pipeline.io.sources import has_match  # no symlink-loop hang

            if not has_match(path):
                fail(f"--input {path!r} matches no file")
        elif not os.path.exists(path):
            fail(f"--input {path!r} does not exist")


def check_output(output: str) -> None:
    """A local output folder must be creatable and writable."""
    if is_remote(output):
        return
    try:
        os.makedirs(output, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".nordwire-write-check-"):
            pass
    except OSError as exc:
        fail(f"--output {output!r} is not writable: {exc.strerror or exc}")


def zone(name: str) -> ZoneInfo:
    """The time zone named by --timezone, or a one-line error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone {name!r} is not a known time zone")


def remote_runner(args: list[str]) -> bool:
    joined = " ".join(args)
    match = re.search(r"--runner[= ](\S+)", joined)
    return match is not None and match.group(1) not in ("DirectRunner", "direct")


# Options the job commands share; anything click does not know is left for Beam.
BEAM_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}
output_option = click.option(
    "--output",
    default="out",
    show_default=True,
    help="Output folder (or gs://... with a cloud runner).",
)
timezone_option = click.option(
    "--timezone",
    default="Europe/Oslo",
    show_default=True,
    help="Zone of the partition date and of feed dates without a zone.",
)
state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where seen ids and feed health live. Default: OUTPUT/_state.",
)
table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="How to print the result.",
)


def state_folder(output: str, state_dir: Path | None) -> Path:
    """The streaming state folder: --state-dir, else OUTPUT/_state."""
    return state_dir or Path(output) / "_state"


def first_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def read_or_fail(
    path: Path, reader: Callable[[Path], Any], errors: tuple[type[Exception], ...]
) -> Any:
    """A labelled file read by `reader`; a missing or malformed file is a one-line error."""
    if not path.is_file():
        fail(f"{str(path)!r} is not a file")
    try:
        return reader(path)
    except errors as exc:
        fail(str(exc))
