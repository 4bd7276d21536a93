"""The job's parameters, declared once, and the one typed configuration every builder receives.

`PARAMETERS` is the only list: the CLI options of `run`, `poll` and `stream`, the Flex
Template metadata (deploy/dataflow/metadata.json) and Beam's `NordwireOptions` are all
generated from it, and `parse()` turns what a user gave into a `JobConfig` once. A flag is
accepted only by the commands it means something for, and refused with a clear message by
the others; any other flag must be one of Beam's own options.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nordwire.pipeline.feedlist import Feed, FeedsError, load_feeds

TEMPLATE_MODULE = "nordwire.pipeline.template"

if TYPE_CHECKING:  # Beam is imported when a job is configured, not when the CLI starts
    from apache_beam.options.pipeline_options import PipelineOptions

COMMANDS = ("run", "poll", "stream")
# Runners that execute in this process: `poll` needs one, `stream` must not have one.
LOCAL_RUNNERS = frozenset(
    {None, "DirectRunner", "direct", "BundleBasedDirectRunner", "SwitchingDirectRunner"}
)
WHERE = {
    "run": "`nordwire run`",
    "poll": "`nordwire poll`",
    "stream": "`nordwire stream`",
}


class ConfigError(ValueError):
    """A user's mistake in the job's parameters: one line, said before anything runs."""


@dataclass(frozen=True)
class Param:
    """One job parameter: its flag, the commands that accept it, and its template form."""

    name: str  # the flag without dashes: --dedup-days is "dedup-days"
    label: str
    help: str
    commands: tuple[str, ...]
    kind: str  # text | list | float | int | flag | path
    default: str | float | int | bool | None = None
    minimum: float | None = None
    metavar: str | None = None
    template: bool = True  # offered by the Flex Template
    regex: str = ""  # what the Flex Template accepts
    example: str = ""
    required_in_template: bool = False

    @property
    def dest(self) -> str:
        """The attribute name in JobConfig and Beam's options."""
        return self.name.replace("-", "_")

    def template_default(self) -> str | None:
        """The default as the template writes it."""
        if self.default is None or isinstance(self.default, bool):
            return None
        if isinstance(self.default, float):
            return f"{self.default:g}"
        return str(self.default)


_LIST = r"[^,\s]+(,[^,\s]+)*"
_FEED = r"(https?://[^,\s]+|gs://[^,\s]+\.ya?ml)"
_URLS = f"{_FEED}(,{_FEED})*"
_SECONDS = r"^[0-9]+(\.[0-9]+)?$"

PARAMETERS: tuple[Param, ...] = (
    Param(
        "command",
        "Command",
        "run: a bounded job over --input files, or over --feeds fetched once (for a scheduler); "
        "stream: the unbounded job that polls --feeds.",
        (),
        "text",
        default="run",
        regex=r"^(run|stream)$",
        example="stream",
    ),
    Param(
        "input",
        "Input files",
        "Feed or wire-text file, folder or glob; repeatable or comma-separated. "
        "Default: the bundled samples.",
        ("run",),
        "list",
        metavar="PATH_OR_GLOB",
        regex=f"^{_LIST}$",
        example="gs://my-bucket/in/*.xml",
    ),
    Param(
        "feeds",
        "Feed URLs",
        "Feed URL, or a feeds file `feeds: [{name, url}]` (a local YAML file, or gs://.../*.yaml "
        "for the Flex Template and scheduled jobs); repeatable or comma-separated.",
        COMMANDS,
        "list",
        metavar="URL|FEEDS.yaml",
        regex=f"^{_URLS}$",
        example="https://www.nrk.no/toppsaker.rss",
    ),
    Param(
        "output",
        "Output folder",
        "Where the tables are written (Hive partitions by date and topic); gs://... on Dataflow.",
        COMMANDS,
        "text",
        default="out",
        regex=r"^(gs|s3)://[a-z0-9]([-_.a-z0-9]*[a-z0-9])?(/.*)?$",
        example="gs://my-bucket/nordwire",
        required_in_template=True,
    ),
    Param(
        "timezone",
        "Time zone",
        "Zone of the partition date and of feed dates that carry no zone.",
        COMMANDS,
        "text",
        default="Europe/Oslo",
        regex=r"^[A-Za-z]+(/[A-Za-z0-9_+-]+)*$",
        example="Europe/Oslo",
    ),
    Param(
        "interval",
        "Poll interval (s)",
        "Seconds between polls of every feed.",
        ("poll", "stream"),
        "float",
        default=300.0,
        minimum=1,
        regex=_SECONDS,
        example="300",
    ),
    Param(
        "window",
        "Window (s)",
        "Seconds per fixed window of fetch time; a window writes what arrived after each poll "
        "(an early pane) and the rest when the watermark passes its end.",
        ("stream",),
        "float",
        default=300.0,
        minimum=1,
        regex=_SECONDS,
        example="300",
    ),
    Param(
        "lateness",
        "Allowed lateness (s)",
        "How far behind the watermark (fetch time) an element may arrive and still be written in "
        "a late pane of its window. Elements carry their fetch time, so only a stalled runner "
        "makes one late; the partition date is still the publication day.",
        ("stream",),
        "float",
        default=21600.0,
        minimum=0,
        regex=_SECONDS,
        example="21600",
    ),
    Param(
        "dedup-days",
        "Dedup memory (days)",
        "How long after it was last seen an article id is remembered, so a story still in the "
        "feed is not processed again (a newer revision is).",
        ("poll", "stream"),
        "float",
        default=30.0,
        minimum=0.01,
        regex=_SECONDS,
        example="30",
    ),
    Param(
        "once",
        "Once",
        "Run one cycle and exit (for cron or a systemd timer).",
        ("poll",),
        "flag",
        default=False,
        template=False,
    ),
    Param(
        "max-cycles",
        "Max cycles",
        "Stop after N cycles.",
        ("poll",),
        "int",
        minimum=1,
        template=False,
    ),
    Param(
        "compact-after",
        "Compact after (s)",
        "Roll small files: after a cycle, rewrite each partition holding a file older than this "
        "many seconds into one (0: never; `nordwire compact` does it by hand).",
        ("poll",),
        "float",
        default=3600.0,
        minimum=0,
        template=False,
    ),
    Param(
        "quiet",
        "Quiet",
        "Print only the summary line (no progress lines on a terminal).",
        ("run",),
        "flag",
        default=False,
        template=False,
    ),
    Param(
        "state-dir",
        "State folder",
        "Where seen ids and feed health live. Default: OUTPUT/_state.",
        ("poll",),
        "path",
        template=False,
    ),
)
BY_NAME = {p.name: p for p in PARAMETERS}


def param_default(name: str) -> Any:
    """The declared default of one parameter."""
    return BY_NAME[name].default


def split_list(values: Iterable[str] | None) -> list[str]:
    """A repeatable flag's values, each of which may itself be a comma-separated list."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def state_folder(output: str, state_dir: Path | None) -> Path:
    """The poller's state folder: --state-dir, else OUTPUT/_state."""
    return state_dir or Path(output) / "_state"


def is_local(runner: str | None) -> bool:
    """Whether a runner name (None: Beam's default) runs the job in this process."""
    return runner in LOCAL_RUNNERS


@dataclass(frozen=True)
class JobConfig:
    """Everything a job needs, parsed and checked once; every builder receives this."""

    command: str
    output: str = "out"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Oslo"))
    inputs: tuple[str, ...] = ()
    feeds: tuple[Feed, ...] = ()
    interval: float = 300.0
    window: timedelta = timedelta(seconds=300)
    lateness: timedelta = timedelta(hours=6)
    dedup_memory: timedelta = timedelta(days=30)
    once: bool = False
    max_cycles: int | None = None
    compact_after: float = 3600.0
    quiet: bool = False
    state_dir: Path | None = None
    beam_args: tuple[str, ...] = ()

    @property
    def runner(self) -> str | None:
        """The runner Beam's options name (None: Beam's default, the local DirectRunner)."""
        from apache_beam.options.pipeline_options import StandardOptions

        runner: str | None = self.pipeline_options().view_as(StandardOptions).runner
        return runner

    @property
    def local(self) -> bool:
        """Whether the job runs in this process."""
        return is_local(self.runner)

    @property
    def feed_urls(self) -> list[str]:
        """The feeds' URLs, in order, each once."""
        return [f.url for f in self.feeds]

    @property
    def state_folder(self) -> Path:
        """The poller's state: --state-dir, else OUTPUT/_state."""
        return state_folder(self.output, self.state_dir)

    def pipeline_options(self, *, streaming: bool = False) -> PipelineOptions:
        """Beam's options: Beam's own flags from the command line, plus streaming when asked."""
        from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

        options = PipelineOptions(list(self.beam_args))
        if streaming:
            options.view_as(StandardOptions).streaming = True
        return options


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--timezone {name!r} is not a known time zone") from None


def _beam_parser() -> Any:
    """An argument parser that knows every option of every PipelineOptions class loaded."""
    import argparse

    # Importing the runners registers their option classes (Dataflow, portable, ...).
    import apache_beam.options.pipeline_options as po

    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    from nordwire.pipeline.preflight import FlinkJobOptions  # noqa: F401 - registers its flags

    seen: set[type[Any]] = set()
    stack: list[type[Any]] = [po.PipelineOptions]
    while stack:
        cls = stack.pop()
        sub: type[Any]
        for sub in cls.__subclasses__():
            # The template's NordwireOptions (template.py, which imports this module) are
            # nordwire's own flags, checked by name: known by their module, not imported here.
            if sub in seen or sub.__module__ == TEMPLATE_MODULE:
                continue
            seen.add(sub)
            stack.append(sub)
            try:
                sub._add_argparse_args(parser)
            except argparse.ArgumentError:  # two classes declaring one flag: the first wins
                continue
    return parser


def check_beam_args(command: str, args: Sequence[str]) -> None:
    """Flags left over after nordwire's own must be Beam's; anything else is a usage error."""
    own = {f"--{p.name}" for p in PARAMETERS if p.commands} | {
        f"--{p.dest}" for p in PARAMETERS if p.commands
    }
    for arg in args:
        flag = arg.split("=", 1)[0]
        if not flag.startswith("--"):
            continue
        name = flag[2:].replace("_", "-")
        param = BY_NAME.get(name)
        if flag not in own or param is None:
            continue
        if command not in param.commands:
            places = " and ".join(WHERE[c] for c in param.commands)
            raise ConfigError(f"--{param.name} applies to {places}, not to {WHERE[command]}")
        raise ConfigError(f"write --{param.name}, not {flag}")
    parser = _beam_parser()
    _, unknown = parser.parse_known_args(list(args))
    for arg in unknown:
        if not arg.startswith("-"):
            continue
        flag = arg.split("=", 1)[0]
        known = [*parser._option_string_actions, *own]
        close = difflib.get_close_matches(flag, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(f"no such option: {flag}{hint}")


def _feeds(specs: list[str]) -> tuple[Feed, ...]:
    try:
        return tuple(load_feeds(specs))
    except FeedsError as exc:
        raise ConfigError(str(exc)) from None


def parse(command: str, values: Mapping[str, Any], beam_args: Sequence[str] = ()) -> JobConfig:
    """The one place a job's parameters become a JobConfig; raises ConfigError on a mistake."""
    if command not in COMMANDS:
        raise ConfigError(f"unknown command {command!r}; expected one of {', '.join(COMMANDS)}")
    check_beam_args(command, beam_args)
    given = {k: v for k, v in values.items() if v is not None}
    for name, value in given.items():
        param = BY_NAME.get(name.replace("_", "-"))
        if param is None or command not in param.commands:
            if param is not None and value in ((), [], False, param.default):
                continue
            raise ConfigError(f"--{name.replace('_', '-')} does not apply to {WHERE[command]}")
        if param.minimum is not None and float(value) < param.minimum:
            raise ConfigError(f"--{param.name} must be at least {param.minimum:g}")

    def get(name: str) -> Any:
        value = given.get(name.replace("-", "_"))
        return param_default(name) if value is None else value

    inputs = tuple(split_list(given.get("input")))
    feed_specs = split_list(given.get("feeds"))
    feeds = _feeds(feed_specs) if feed_specs else ()
    config = JobConfig(
        command=command,
        output=str(get("output")),
        timezone=_zone(str(get("timezone"))),
        inputs=inputs,
        feeds=feeds,
        interval=float(get("interval")),
        window=timedelta(seconds=float(get("window"))),
        lateness=timedelta(seconds=float(get("lateness"))),
        dedup_memory=timedelta(days=float(get("dedup-days"))),
        once=bool(get("once")),
        max_cycles=given.get("max_cycles"),
        compact_after=float(get("compact-after")),
        quiet=bool(get("quiet")),
        state_dir=Path(given["state_dir"]) if given.get("state_dir") else None,
        beam_args=tuple(beam_args),
    )
    _check_command(config)
    return config


def _check_command(config: JobConfig) -> None:
    runner = config.runner
    if config.command == "run" and config.inputs and config.feeds:
        raise ConfigError("`nordwire run` takes --input or --feeds, not both")
    if config.command in ("poll", "stream") and not config.feeds:
        raise ConfigError(f"{WHERE[config.command]} needs --feeds")
    if config.command == "poll" and not config.local:
        raise ConfigError(
            f"`nordwire poll` runs on this machine, not on {runner}: use `nordwire run --feeds` "
            "for one bounded poll there, or `nordwire stream` for a streaming job"
        )
    if config.command == "poll" and "://" in config.output and config.state_dir is None:
        raise ConfigError("a remote --output needs a local --state-dir")
    if config.command == "stream" and config.local:
        raise ConfigError(
            "`nordwire stream` builds the unbounded graph for a streaming runner "
            "(--runner DataflowRunner, or FlinkRunner); on this machine use "
            "`nordwire poll`"
        )
