"""Checks before a job leaves this machine: each says what is wrong in one line, within seconds.

Beam's own failures on these paths hide the cause: a Dataflow job without its options says
"Pipeline has validations errors: " and nothing else (the list is on later lines, and Beam's
validator goes online to look for buckets), and a portable job whose job server is down
waits `--job_server_timeout` (300 s) for an empty FutureTimeoutError. So the options are
checked offline, and the job server and the Flink master are asked once, briefly, first.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apache_beam.options.pipeline_options import (
    FlinkRunnerOptions,
    GoogleCloudOptions,
    PipelineOptions,
    PortableOptions,
    StandardOptions,
    TestOptions,
)

PORTABLE_RUNNERS = frozenset({"PortableRunner", "FlinkRunner"})
# Each probe gets this long; the job server and the Flink master together stay under 30 s.
PROBE_SECONDS = 10.0
START_CLUSTER = "`make flink` starts one on this machine (docs/deploy.md)"
MAGIC_MASTERS = ("[auto]", "[local]")
JOB_SERVER_JAR_ENV = "BEAM_FLINK_JOB_SERVER_JAR"
CHECKOUT = Path(__file__).resolve().parents[1]  # an editable install's repository


class SubmitError(RuntimeError):
    """The job cannot be submitted: what is missing or not answering, in one line.

    `exit_code` is 2 for the user's options, 1 for a server that does not answer.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def runner_name(options: PipelineOptions) -> str:
    """The runner's name as given (Beam's default, the DirectRunner, when none is)."""
    return str(options.view_as(StandardOptions).runner or "DirectRunner")


def dry_run(options: PipelineOptions) -> bool:
    """A Dataflow `--dry_run`: the graph is translated and nothing is submitted."""
    return runner_name(options) == "DataflowRunner" and bool(options.view_as(TestOptions).dry_run)


def dataflow_missing(options: PipelineOptions) -> list[str]:
    """The Dataflow options a job cannot do without, as flags, that are absent or wrong.

    Beam derives the staging location from the temp location, so one gs:// path suffices.
    """
    cloud = options.view_as(GoogleCloudOptions)
    missing = [f"--{name}" for name in ("project", "region") if not getattr(cloud, name)]
    locations = [loc for loc in (cloud.temp_location, cloud.staging_location) if loc]
    if not locations:
        missing.append("--temp_location gs://BUCKET/tmp")
    for flag, loc in (
        ("--temp_location", cloud.temp_location),
        ("--staging_location", cloud.staging_location),
    ):
        if loc and not loc.startswith("gs://"):
            missing.append(f"{flag} as a gs:// path (not {loc!r})")
    return missing


def _host_port(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    if not host or not port.isdigit():
        raise SubmitError(f"--job_endpoint {endpoint!r} is not HOST:PORT", 2)
    return host.strip("[]"), int(port)


def tcp_answers(host: str, port: int, seconds: float = PROBE_SECONDS) -> bool:
    """Whether something accepts a connection at host:port within `seconds` (retrying)."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=max(0.1, min(2.0, left))):
                return True
        except OSError:
            if time.monotonic() + 0.5 >= deadline:
                return False
            time.sleep(0.5)


def http_answers(url: str, seconds: float = PROBE_SECONDS) -> bool:
    """Whether an HTTP server answers `url` (any status) within `seconds`."""
    # Straight to the address given: a proxy from the environment must not answer for it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=seconds):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if not with 200
    except (OSError, ValueError):
        return False


def default_job_server_jar() -> str | None:
    """The Flink job server jar FlinkRunner starts when none is named: BEAM_FLINK_JOB_SERVER_JAR,
    else the one `make flink` assembled in this checkout (deploy/flink/jobserver.py)."""
    given = os.environ.get(JOB_SERVER_JAR_ENV)
    if given:
        return given
    cache = Path(os.environ.get("NORDWIRE_FLINK_CACHE", CHECKOUT / ".cache" / "flink"))
    jars = sorted((cache / "jobserver").glob("beam-runners-flink-*-job-server-*.jar"))
    return str(jars[-1]) if jars else None


def own_job_server(options: PipelineOptions) -> bool:
    """Whether Beam starts the job server in this process (FlinkRunner without --job_endpoint):
    it stops when this process ends, so a batch job is waited for."""
    endpoint = options.view_as(PortableOptions).job_endpoint
    return runner_name(options) == "FlinkRunner" and not endpoint


def _flink_job_server(options: PipelineOptions, find: Callable[[], str | None]) -> None:
    """Name the jar FlinkRunner starts its job server from, or say how to get one."""
    flink = options.view_as(FlinkRunnerOptions)
    jar = flink.flink_job_server_jar or find()
    if not jar:
        raise SubmitError(
            "FlinkRunner needs Beam's Flink job server: --job_endpoint HOST:PORT of a running "
            f"one, or its jar as --flink_job_server_jar PATH or {JOB_SERVER_JAR_ENV}; "
            f"{START_CLUSTER}",
            2,
        )
    if "://" not in jar and not Path(jar).is_file():
        raise SubmitError(f"the Flink job server jar {jar} is not a file", 2)
    if shutil.which("java") is None:
        raise SubmitError(f"FlinkRunner starts its job server ({jar}) with java: none here", 2)
    flink.flink_job_server_jar = jar


def check_portable(
    options: PipelineOptions,
    *,
    tcp: Callable[[str, int], bool] = tcp_answers,
    http: Callable[[str], bool] = http_answers,
    docker: Callable[[], bool] = lambda: shutil.which("docker") is not None,
    job_server_jar: Callable[[], str | None] = default_job_server_jar,
) -> None:
    """Raise SubmitError when a portable (Flink) job cannot be submitted from here.

    FlinkRunner without --job_endpoint starts Beam's job server from a jar, as Beam does; the
    jar is named here when the user did not (`default_job_server_jar`).
    """
    runner = runner_name(options)
    portable = options.view_as(PortableOptions)
    master = options.view_as(FlinkRunnerOptions).flink_master
    endpoint = portable.job_endpoint
    if runner == "PortableRunner" and not endpoint:
        raise SubmitError("PortableRunner needs --job_endpoint HOST:PORT of a job server", 2)
    if runner == "FlinkRunner" and not endpoint:
        _flink_job_server(options, job_server_jar)
    # FlinkRunner runs an embedded Flink with LOOPBACK workers for [auto] and [local].
    embedded = runner == "FlinkRunner" and master in MAGIC_MASTERS
    kind = (portable.environment_type or ("LOOPBACK" if embedded else "DOCKER")).upper()
    if kind == "DOCKER" and not docker():
        raise SubmitError(
            "the default DOCKER environment needs Docker, which this machine lacks: add "
            "--environment_type EXTERNAL --environment_config HOST:PORT (a Beam worker pool) "
            "or --environment_type LOOPBACK",
            2,
        )
    if endpoint and endpoint != "embed":
        host, port = _host_port(endpoint)
        if not tcp(host, port):
            raise SubmitError(
                f"no job server answers at {endpoint} (waited {PROBE_SECONDS:.0f} s); {START_CLUSTER}"
            )
    if runner == "FlinkRunner" and not embedded:
        url = (master if "://" in master else f"http://{master}").rstrip("/")
        if not http(url + "/config"):
            raise SubmitError(
                f"no Flink master answers at {url} (waited {PROBE_SECONDS:.0f} s); {START_CLUSTER}"
            )


def check_submit(options: PipelineOptions) -> None:
    """Raise SubmitError when the runner's needs are not met (nothing to do for local runners)."""
    runner = runner_name(options)
    if runner == "DataflowRunner":
        missing = dataflow_missing(options)
        if missing:
            raise SubmitError(f"DataflowRunner needs {', '.join(missing)}", 2)
    elif runner in PORTABLE_RUNNERS:
        check_portable(options)


def local_paths_warning(runner: str, paths: dict[str, list[str]]) -> str | None:
    """A warning for local paths given to a job that runs elsewhere, or None."""
    local = [f"{flag} {p!r}" for flag, values in paths.items() for p in values if "://" not in p]
    if not local:
        return None
    return (
        f"{' and '.join(local)} {'is a path' if len(local) == 1 else 'are paths'} on this "
        f"machine; {runner} reads and writes paths where its workers run (use a gs:// path, "
        "or a folder the workers share)"
    )


class FlinkJobOptions(PipelineOptions):
    """Options of Beam's Flink runner that only its Java job server declares.

    The Python SDK learns them from the job server at submission, after nordwire has already
    refused flags it does not know; these are the ones docs/deploy.md uses.
    """

    @classmethod
    def _add_argparse_args(cls, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--checkpointing_interval",
            type=int,
            default=None,
            help="Flink: milliseconds between checkpoints (a stream restarts from the last one).",
        )
        parser.add_argument(
            "--min_pause_between_checkpoints",
            type=int,
            default=None,
            help="Flink: the least milliseconds between the end of a checkpoint and the next.",
        )
        parser.add_argument(
            "--number_of_execution_retries",
            type=int,
            default=None,
            help="Flink: how often a failed job is restarted (-1: the cluster's strategy).",
        )


def flink_jobs(master: str, seconds: float = PROBE_SECONDS) -> list[dict[str, Any]]:
    """The jobs a Flink master lists (name, state, jid), or [] when it does not answer."""
    url = (master if "://" in master else f"http://{master}").rstrip("/") + "/jobs/overview"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=seconds) as response:
            jobs: list[dict[str, Any]] = json.loads(response.read())["jobs"]
            return jobs
    except (OSError, ValueError, KeyError):
        return []


def wait_until_on_flink(result: Any, master: str, job_name: str, seconds: float = 900.0) -> str:
    """Wait until the Flink master runs the job named `job_name` (its state, RUNNING), or the job
    ends first (its Beam state). A job server started in this process must live until then: it
    translates and submits the job after Beam's run() has returned."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for job in flink_jobs(master):
            if job.get("name") == job_name and job.get("state") == "RUNNING":
                return "RUNNING"
        state = str(result.state)
        if state in ("DONE", "FAILED", "CANCELLED", "STOPPED"):
            return state
        time.sleep(2)
    raise SubmitError(f"the job {job_name} was not running on Flink after {seconds:.0f} s")
