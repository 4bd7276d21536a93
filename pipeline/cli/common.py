"""What every command shares: one-line errors, input and output checks, and common options."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from nordwire.pipeline.config import Param

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
    if os.path.exists(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is a file; the output is a folder (one folder per table inside)")
    try:
        os.makedirs(output, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".nordwire-write-check-"):
            pass
    except OSError as exc:
        fail(f"--output {output!r} is not writable: {exc.strerror or exc}")


# Options the job commands share; anything click does not know is left for Beam.
BEAM_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}
table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="How to print the result.",
)


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


def param_option(p: Param) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option of one declared parameter (config.PARAMETERS)."""
    flag = f"--{p.name}"
    if p.kind == "list":
        return click.option(flag, p.dest, multiple=True, metavar=p.metavar, help=p.help)
    if p.kind == "flag":
        return click.option(flag, p.dest, is_flag=True, help=p.help)
    if p.kind in ("float", "int"):
        kind = click.FloatRange(min=p.minimum) if p.kind == "float" else click.IntRange(
            min=None if p.minimum is None else int(p.minimum)
        )
        return click.option(
            flag, p.dest, type=kind, default=p.default, show_default=True, help=p.help
        )
    if p.kind == "path":
        return click.option(
            flag,
            p.dest,
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help=p.help,
        )
    return click.option(flag, p.dest, default=p.default, show_default=True, help=p.help)


def job_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click options of one job command, generated from config.PARAMETERS."""
    from nordwire.pipeline.config import PARAMETERS

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for p in reversed([p for p in PARAMETERS if command in p.commands]):
            fn = param_option(p)(fn)
        return fn

    return decorate


def state_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--state-dir for the commands that read the poller's state, as config.PARAMETERS declares it."""
    from nordwire.pipeline.config import BY_NAME

    return param_option(BY_NAME["state-dir"])(fn)
