"""The `nordwire` command line: a thin layer over the graph builders and the query helper."""

from __future__ import annotations

import glob
import logging
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


def _is_remote(path: str) -> bool:
    return "://" in path


def check_inputs(inputs: tuple[str, ...]) -> None:
    """Local inputs must exist (remote ones are matched inside the pipeline)."""
    for path in inputs:
        if _is_remote(path):
            continue
        if _GLOB.search(path):
            if not glob.glob(path, recursive=True):
                fail(f"--input {path!r} matches no file")
        elif not os.path.exists(path):
            fail(f"--input {path!r} does not exist")


def check_output(output: str) -> None:
    """A local output folder must be creatable and writable."""
    if _is_remote(output):
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


def _remote_runner(args: list[str]) -> bool:
    joined = " ".join(args)
    match = re.search(r"--runner[= ](\S+)", joined)
    return match is not None and match.group(1) not in ("DirectRunner", "direct")


def _quiet_logging(verbose: bool) -> None:
    # Beam logs (and warns about optional GCP libraries) on the root logger; keep the CLI's
    # output to its own lines unless asked.
    root = logging.getLogger()
    if verbose:
        logging.basicConfig(level=logging.INFO)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())
        root.setLevel(logging.ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show Beam's log.")
@click.version_option(package_name="nordwire")
def main(verbose: bool) -> None:
    """nordwire: Norwegian wire feeds to Parquet tables with Apache Beam."""
    _quiet_logging(verbose)


# Options the job commands share; anything click does not know is left for Beam.
_BEAM_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}
_output_option = click.option(
    "--output",
    default="out",
    show_default=True,
    help="Output folder (or gs://... with a cloud runner).",
)
_timezone_option = click.option(
    "--timezone",
    default="Europe/Oslo",
    show_default=True,
    help="Zone of the partition date and of feed dates without a zone.",
)
_state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where seen ids and feed health live. Default: OUTPUT/_state.",
)
_table_format_option = click.option(
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


@main.command(
    context_settings=_BEAM_PASSTHROUGH,
    epilog="Any other option (--runner, --project, --direct_num_workers ...) goes to Beam.",
)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="PATH_OR_GLOB",
    help="Feed or wire-text file, folder or glob; repeatable. Default: the bundled samples.",
)
@_output_option
@_timezone_option
@click.pass_context
def run(ctx: click.Context, inputs: tuple[str, ...], output: str, timezone: str) -> None:
    """Read feeds and wire text, keep Norwegian articles, write Parquet tables."""
    if not _remote_runner(ctx.args):  # a cloud or Flink job reads its paths where it runs
        check_inputs(inputs)
        check_output(output)
    zone(timezone)
    from pipeline.run import run_batch

    argv = [a for path in inputs for a in ("--input", path)]
    argv += ["--output", output, "--timezone", timezone, *ctx.args]
    try:
        summary = run_batch(argv)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # a failed job: say why in one line, exit non-zero
        fail(f"the pipeline failed: {_first_line(exc)}", 1)
    click.echo(summary.line())


@main.command(
    context_settings=_BEAM_PASSTHROUGH,
    epilog="Any other option goes to Beam. With --streaming and a cloud runner, the true streaming graph is built.",
)
@click.option(
    "--feeds",
    "feed_specs",
    multiple=True,
    required=True,
    metavar="FEEDS.yaml|URL",
    help="A YAML file (feeds: [{name, url}]) or a feed URL; repeatable.",
)
@_output_option
@click.option(
    "--interval",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds between cycles.",
)
@click.option(
    "--once", is_flag=True, help="Run one cycle and exit (for cron or a cloud scheduler)."
)
@click.option("--max-cycles", type=click.IntRange(min=1), default=None, help="Stop after N cycles.")
@_state_dir_option
@click.option(
    "--retention-days",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="How long an article id is remembered.",
)
@_timezone_option
@click.option(
    "--window",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="With --streaming: seconds per fixed window (one write per window).",
)
@click.pass_context
def stream(
    ctx: click.Context,
    feed_specs: tuple[str, ...],
    output: str,
    interval: float,
    once: bool,
    max_cycles: int | None,
    state_dir: Path | None,
    retention_days: float,
    timezone: str,
    window: float,
) -> None:
    """Poll live feeds continuously; write only what is new; safe to kill and restart."""
    from datetime import timedelta

    from pipeline.stream import FeedsError, load_feeds
    from pipeline.stream import stream as run_stream

    try:
        feeds = load_feeds(list(feed_specs))
    except FeedsError as exc:
        fail(str(exc))
    tz = zone(timezone)
    if "--streaming" in ctx.args or "--streaming=True" in ctx.args:
        _submit_streaming(feeds, output, tz, interval, window, ctx.args)
        return
    if once and _remote_runner(ctx.args):
        _submit_once(feeds, output, tz, ctx.args)
        return
    if _is_remote(output) and state_dir is None:
        fail("a remote --output needs a local --state-dir")
    check_output(output)
    state = state_folder(output, state_dir)
    try:
        code = run_stream(
            feeds,
            output,
            state,
            interval=interval,
            once=once,
            max_cycles=max_cycles,
            retention=timedelta(days=retention_days),
            tz=tz,
            beam_argv=["--output", output, *ctx.args],
            echo=click.echo,
        )
    except Exception as exc:
        fail(f"streaming failed: {_first_line(exc)}", 1)
    sys.exit(code)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _submit(kind: str, build: Callable[[], tuple[Any, Any]], n_feeds: int) -> None:
    """Build a cloud job (a ValueError is the user's mistake), submit it, say so in one line."""
    try:
        pipeline, _ = build()
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    try:
        result = pipeline.run()
    except Exception as exc:
        fail(f"submitting the {kind} job failed: {_first_line(exc)}", 1)
    click.echo(
        f"nordwire: {kind} job {result.state} on {type(pipeline.runner).__name__} ({n_feeds} feeds)"
    )


def _submit_streaming(
    feeds: list[Any], output: str, tz: Any, interval: float, window: float, args: list[str]
) -> None:
    from datetime import timedelta

    from pipeline.streaming_graph import streaming_pipeline

    urls = [f.url for f in feeds]
    argv = ["--output", output, *args]
    _submit(
        "streaming",
        lambda: streaming_pipeline(
            urls, output, tz, argv, interval=interval, window=timedelta(seconds=window)
        ),
        len(urls),
    )


def _submit_once(feeds: list[Any], output: str, tz: Any, args: list[str]) -> None:
    from pipeline.streaming_graph import poll_once_pipeline

    urls = [f.url for f in feeds]
    _submit(
        "poll-once",
        lambda: poll_once_pipeline(urls, output, tz, ["--output", output, *args]),
        len(urls),
    )


@main.group()
def feeds() -> None:
    """Feed health from the streaming state."""


@feeds.command(name="status")
@click.option(
    "--output", default="out", show_default=True, help="Output folder of `nordwire stream`."
)
@_state_dir_option
@_table_format_option
def feeds_status(output: str, state_dir: Path | None, fmt: str) -> None:
    """Per feed: last status, failures in a row, last success, fetches, new items, last error."""
    from pipeline.query import render
    from pipeline.state import StreamState

    folder = state_folder(output, state_dir)
    if not (folder / "state.sqlite").is_file():
        fail(f"no streaming state in {str(folder)!r}; run `nordwire stream` first")
    state = StreamState(folder)
    try:
        rows = state.feed_rows()
    finally:
        state.close()
    columns = list(rows[0]) if rows else ["name", "url"]
    click.echo(render(columns, [list(r.values()) for r in rows], fmt))


@main.group(name="eval")
def eval_group() -> None:
    """Measure the models on labelled data."""


_report_format = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


def _read_or_fail(
    path: Path, reader: Callable[[Path], Any], errors: tuple[type[Exception], ...]
) -> Any:
    """A labelled file read by `reader`; a missing or malformed file is a one-line error."""
    if not path.is_file():
        fail(f"{str(path)!r} is not a file")
    try:
        return reader(path)
    except errors as exc:
        fail(str(exc))


@eval_group.command(name="langid")
@click.argument("tsv", type=click.Path(dir_okay=False, path_type=Path))
@_report_format
def eval_langid(tsv: Path, fmt: str) -> None:
    """Language detection accuracy on TSV lines `label<TAB>text` (nb, nn, da, sv, en, de, ...)."""
    from pipeline.evaluate import BadInput, evaluate_langid, read_tsv, render

    click.echo(
        render(evaluate_langid(_read_or_fail(tsv, read_tsv, (BadInput, UnicodeDecodeError))), fmt)
    )


@eval_group.command(name="ner")
@click.option(
    "--conllu",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CoNLL-U with NorNE tags in MISC (name=B-PER), e.g. ../shared/data/norne/nob/dev.conllu.",
)
@_report_format
def eval_ner(conllu: Path, fmt: str) -> None:
    """Strict entity-level precision, recall and F1 (exact span and label), per label and micro."""
    from pipeline.conll import ConllError, read_conll
    from pipeline.evaluate import evaluate_ner, render

    click.echo(
        render(
            evaluate_ner(_read_or_fail(conllu, read_conll, (ConllError, UnicodeDecodeError))), fmt
        )
    )


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def detect(fmt: str) -> None:
    """Read text on stdin; print its language, variety and confidence."""
    import json

    from transforms.language import LanguageDetector

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
@_table_format_option
def query(sql: str, output: str, fmt: str) -> None:
    """Run SQL with DuckDB over the tables (views: articles, entities, quotes, rejects)."""
    import duckdb

    from pipeline.query import run_query

    if not _is_remote(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder; run `nordwire run` first")
    try:
        click.echo(run_query(sql, output, fmt))
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])
