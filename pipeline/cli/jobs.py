"""The job commands: `run` (bounded) and `stream` (polled feeds)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import (
    BEAM_PASSTHROUGH,
    check_inputs,
    check_output,
    fail,
    first_line,
    is_remote,
    output_option,
    remote_runner,
    state_dir_option,
    state_folder,
    timezone_option,
    zone,
)


@main.command(
    context_settings=BEAM_PASSTHROUGH,
    epilog="Any other option (--runner, --project, --direct_num_workers ...) goes to Beam.",
)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="PATH_OR_GLOB",
    help="Feed or wire-text file, folder or glob; repeatable. Default: the bundled samples.",
)
@output_option
@timezone_option
@click.pass_context
def run(ctx: click.Context, inputs: tuple[str, ...], output: str, timezone: str) -> None:
    """Read feeds and wire text, keep Norwegian articles, write Parquet tables."""
    if not remote_runner(ctx.args):  # a cloud or Flink job reads its paths where it runs
        check_inputs(inputs)
        check_output(output)
    zone(timezone)
    from nordwire.pipeline.io.lock import output_lock
    from nordwire.pipeline.runner import run_batch

    argv = [a for path in inputs for a in ("--input", path)]
    argv += ["--output", output, "--timezone", timezone, *ctx.args]
    try:
        _lock = output_lock(output, "nordwire run")  # one writer per output (pipeline/io/lock.py)
        summary = run_batch(argv)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # a failed job: say why in one line, exit non-zero
        fail(f"the pipeline failed: {first_line(exc)}", 1)
    click.echo(summary.line())


@main.command(
    context_settings=BEAM_PASSTHROUGH,
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
@output_option
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
@state_dir_option
@click.option(
    "--retention-days",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="How long an article id is remembered.",
)
@timezone_option
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

    from nordwire.pipeline.poller.cycles import FeedsError, load_feeds
    from nordwire.pipeline.poller.cycles import stream as run_stream

    try:
        feeds = load_feeds(list(feed_specs))
    except FeedsError as exc:
        fail(str(exc))
    tz = zone(timezone)
    if "--streaming" in ctx.args or "--streaming=True" in ctx.args:
        _submit_streaming(feeds, output, tz, interval, window, ctx.args)
        return
    if once and remote_runner(ctx.args):
        _submit_once(feeds, output, tz, ctx.args)
        return
    if is_remote(output) and state_dir is None:
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
        fail(f"streaming failed: {first_line(exc)}", 1)
    sys.exit(code)


def _submit(kind: str, build: Callable[[], tuple[Any, Any]], n_feeds: int) -> None:
    """Build a cloud job (a ValueError is the user's mistake), submit it, say so in one line."""
    try:
        pipeline, _ = build()
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    try:
        result = pipeline.run()
    except Exception as exc:
        fail(f"submitting the {kind} job failed: {first_line(exc)}", 1)
    click.echo(
        f"nordwire: {kind} job {result.state} on {type(pipeline.runner).__name__} ({n_feeds} feeds)"
    )


def _submit_streaming(
    feeds: list[Any], output: str, tz: Any, interval: float, window: float, args: list[str]
) -> None:
    from datetime import timedelta

    from nordwire.pipeline.graph.streaming import streaming_pipeline

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
    from nordwire.pipeline.graph.streaming import poll_once_pipeline

    urls = [f.url for f in feeds]
    _submit(
        "poll-once",
        lambda: poll_once_pipeline(urls, output, tz, ["--output", output, *args]),
        len(urls),
    )
