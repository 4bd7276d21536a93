"""The job commands, one per system: `run` (bounded, any runner), `poll` (the local poller) and
`stream` (the unbounded job on a streaming runner). Their options come from config.PARAMETERS."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
from types import FrameType
from typing import Any

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import (
    BEAM_PASSTHROUGH,
    check_inputs,
    check_output,
    fail,
    first_line,
    job_options,
)
from nordwire.pipeline.config import ConfigError, JobConfig, parse

EXIT_FEEDS_FAILING = 3  # as a bounded `nordwire poll` whose feeds fail

_BEAM_EPILOG = (
    "Any other option must be one of Beam's (--runner, --project, --direct_num_workers ...) "
    "and goes to Beam; an option neither knows is an error."
)


def configure(ctx: click.Context, command: str, values: dict[str, Any]) -> JobConfig:
    """Parse the command's options once; a mistake is one line and exit code 2."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            config = parse(command, values, ctx.args)
    except ConfigError as exc:
        fail(str(exc))
    except (
        SystemExit
    ):  # Beam's argparse refused a value (--direct_num_workers abc): keep its reason
        lines = said.getvalue().strip().splitlines() or ["a Beam option was refused"]
        fail(lines[-1].split(" error: ", 1)[-1])
    sys.stderr.write(said.getvalue())
    if config.local:  # a cloud or Flink job reads and writes its paths where it runs
        check_inputs(config.inputs)
        check_output(config.output)
    else:
        from nordwire.pipeline.preflight import local_paths_warning

        warning = local_paths_warning(
            str(config.runner), {"--input": list(config.inputs), "--output": [config.output]}
        )
        if warning:
            click.echo(f"nordwire: warning: {warning}", err=True)
    if config.feeds:
        from nordwire.pipeline.io.fetch import proxy_notice

        notice = proxy_notice()
        if notice:
            click.echo(notice, err=True)
    return config


INTERRUPTED = "interrupted; nothing half-written; re-run to finish"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
_signals: list[int] = []  # the signal that interrupted the run, if one did


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # Beam may wrap the KeyboardInterrupt (RuntimeError: KeyboardInterrupt ...); the record
    # tells an interrupt from a failure whatever shape it reaches us in.
    _signals.append(signum)
    raise KeyboardInterrupt


def _submit(config: JobConfig) -> None:
    from nordwire.pipeline.io.delta import check_not_plain
    from nordwire.pipeline.io.location import PlainParquetOutput
    from nordwire.pipeline.progress import reporting
    from nordwire.pipeline.runner import run_job

    try:
        if config.local:  # a cloud job's workers check the output where they run
            check_not_plain(config.output)
    except PlainParquetOutput as exc:
        fail(str(exc), 1)

    from nordwire.pipeline.preflight import SubmitError  # imports Beam: only when a job runs

    # Progress only for a person at a terminal: never in a log, a pipe or cron mail.
    show = config.local and not config.quiet and sys.stderr.isatty()
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with reporting(lambda text: click.echo(text, err=True), enabled=show):
            summary = run_job(config)
    except SubmitError as exc:  # a runner's options or servers missing: said before submitting
        fail(str(exc), exc.exit_code)
    except (KeyboardInterrupt, Exception) as exc:
        if _signals or isinstance(exc, KeyboardInterrupt):
            # Each Delta commit is atomic and idempotent: a reader never sees half of one,
            # and the re-run adds what was cut short and nothing twice. Exit 128 + the signal, as
            # shells report it: 130 for Ctrl-C, 143 for SIGTERM.
            fail(INTERRUPTED, 128 + (_signals[0] if _signals else signal.SIGINT))
        if isinstance(exc, ValueError):  # Beam refusing the options: the user's mistake
            fail(one_line(exc))
        fail(f"the pipeline failed: {first_line(exc)}", 1)  # say why in one line
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(summary.line())
    if config.feeds and len(summary.failed_feeds) >= len(config.feeds):
        sys.exit(EXIT_FEEDS_FAILING)  # nothing could be fetched: a scheduler must hear of it


def one_line(exc: BaseException) -> str:
    """A multi-line message (Beam lists its validation errors below a header) as one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    head, *rest = lines
    return f"{head.rstrip(': ')}: {'; '.join(rest)}" if rest else head


@main.command(
    context_settings=BEAM_PASSTHROUGH,
    epilog=_BEAM_EPILOG
    + "\n\nExamples:\n\n  nordwire run --input 'feeds/**/*.xml' --output out\n\n"
    "  nordwire run --feeds https://www.nrk.no/toppsaker.rss --output out\n\n"
    "  nordwire run --runner DataflowRunner --project P --region europe-north1 "
    "--temp_location gs://B/tmp --input 'gs://B/in/*' --output gs://B/out",
)
@job_options("run")
@click.pass_context
def run(ctx: click.Context, **values: Any) -> None:
    """A bounded job on any runner: feed and wire-text files (--input), or every feed fetched
    once (--feeds); keeps Norwegian articles and writes the Parquet tables."""
    _submit(configure(ctx, "run", values))


@main.command(
    context_settings=BEAM_PASSTHROUGH,
    epilog=_BEAM_EPILOG
    + "\n\nExamples:\n\n  nordwire poll --feeds deploy/feeds.yaml --output out\n\n"
    "  nordwire poll --feeds https://www.nrk.no/toppsaker.rss --once   # from cron",
)
@job_options("poll")
@click.pass_context
def poll(ctx: click.Context, **values: Any) -> None:
    """The local poller: fetch feeds in cycles (conditional GET, backoff), land raw bodies,
    write only what is new; safe to kill and restart."""
    config = configure(ctx, "poll", values)
    from nordwire.pipeline.poller.cycles import PollInterrupted
    from nordwire.pipeline.poller.cycles import poll as run_poller

    try:
        code = run_poller(config, echo=click.echo)
    except PollInterrupted as exc:
        fail(
            f"interrupted ({exc}); nothing lost: the next start processes what it fetched",
            EXIT_INTERRUPTED,
        )
    except Exception as exc:
        fail(f"polling failed: {first_line(exc)}", 1)
    sys.exit(code)


@main.command(
    context_settings=BEAM_PASSTHROUGH,
    epilog=_BEAM_EPILOG + "\n\nExample:\n\n  nordwire stream --runner DataflowRunner --project P "
    "--region europe-north1 --temp_location gs://B/tmp --feeds https://www.nrk.no/toppsaker.rss "
    "--output gs://B/nordwire",
)
@job_options("stream")
@click.pass_context
def stream(ctx: click.Context, **values: Any) -> None:
    """The unbounded streaming job on a streaming runner (Dataflow, Flink): polls --feeds every
    --interval, deduplicates across polls, writes each --window once."""
    _submit(configure(ctx, "stream", values))
