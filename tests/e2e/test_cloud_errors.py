"""Errors on the cloud path say their cause in one line: dead feeds in `run --feeds`, missing
Dataflow options, a job server or Flink master that does not answer, local paths given to a
remote runner, and dry runs that only translate."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from nordwire.pipeline.io.feed_sources import fetch_reason
from nordwire.pipeline.io.fetch import FetchResult
from nordwire.pipeline.preflight import (
    PROBE_SECONDS,
    SubmitError,
    check_portable,
    dataflow_missing,
    tcp_answers,
)
from nordwire.pipeline.read.query import connect
from nordwire.schemas.rejects import REASONS

from tests.conftest import ROOT
from tests.helpers.feedserver import FeedServer, feed_server, rss, send


def nordwire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nordwire.pipeline", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as s:
        yield s


def test_run_feeds_with_every_feed_dead_names_them_writes_rejects_and_exits_3(
    tmp_path: Path, server: FeedServer
) -> None:
    gone, refused = server.url("/gone.rss"), f"http://127.0.0.1:{closed_port()}/rss"
    out = tmp_path / "out"
    proc = nordwire("run", "--feeds", f"{gone},{refused}", "--output", str(out))
    assert proc.returncode == 3, proc.stderr
    line = proc.stdout.strip()
    assert "2 feeds failed:" in line
    assert f"{gone} (http_error)" in line and f"{refused} (unreachable)" in line
    rows = (
        connect(str(out))
        .execute("SELECT stage, reason, input, detail FROM rejects ORDER BY reason")
        .fetchall()
    )
    assert [(s, r, i) for s, r, i, _ in rows] == [
        ("fetch", "http_error", gone),
        ("fetch", "unreachable", refused),
    ]
    assert rows[0][3] == "HTTP 404"


def test_run_feeds_with_one_feed_dead_still_exits_0_and_names_it(
    tmp_path: Path, server: FeedServer
) -> None:
    body = rss([("sak-1", "Skolen bygges ut")])
    server.routes["/ok.rss"] = lambda h: send(h, 200, body, {"Content-Type": "application/rss+xml"})
    gone = server.url("/gone.rss")
    proc = nordwire("run", "--feeds", f"{server.url('/ok.rss')},{gone}", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert f"1 feeds failed: {gone} (http_error)" in proc.stdout
    assert "1 inputs read" in proc.stdout


NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (FetchResult("u", NOW, 503, error="HTTP 503"), "http_error"),
        (FetchResult("u", NOW, error="timeout: read"), "timeout"),
        (FetchResult("u", NOW, 200, error="too large: over 5 bytes"), "too_large"),
        (FetchResult("u", NOW, 200, error="truncated body: ends after 9 bytes"), "truncated"),
        (FetchResult("u", NOW, error="too many redirects"), "redirect"),
        (FetchResult("u", NOW, 200, error="redirected to a page that is not a feed"), "redirect"),
        (FetchResult("u", NOW, error="ConnectError: [Errno 111] refused"), "unreachable"),
    ],
)
def test_fetch_failures_have_a_reason_from_the_closed_set(result: FetchResult, reason: str) -> None:
    assert fetch_reason(result) == reason and reason in REASONS


def test_missing_dataflow_options_are_listed(tmp_path: Path) -> None:
    assert dataflow_missing(PipelineOptions(["--runner", "DataflowRunner"])) == [
        "--project",
        "--region",
        "--temp_location gs://BUCKET/tmp",
    ]
    proc = nordwire(
        "run",
        "--runner",
        "DataflowRunner",
        "--project",
        "p",
        "--temp_location",
        "/tmp/x",
        "--output",
        "gs://b/out",
        "--input",
        "gs://b/in/*.xml",
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "nordwire: error: DataflowRunner needs --region, --temp_location as a gs:// path "
        "(not '/tmp/x')"
    ]


def test_an_unreachable_job_server_is_one_line_after_a_bounded_wait(tmp_path: Path) -> None:
    # Beam alone waits --job_server_timeout (300 s) and says nothing; the probe gives up after
    # PROBE_SECONDS (10 s), so the whole message comes within 30 s on an idle machine.
    assert PROBE_SECONDS <= 10
    assert tcp_answers("127.0.0.1", closed_port(), seconds=0.5) is False
    proc = nordwire(
        "run",
        "--runner",
        "PortableRunner",
        "--job_endpoint",
        f"localhost:{closed_port()}",
        "--environment_type",
        "LOOPBACK",
        "--output",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("nordwire: error: no job server answers at localhost:")
    assert "make flink" in lines[-1]
    # The local output was named, so the user is warned; nothing is created on this side.
    assert lines[0].startswith("nordwire: warning: --output ") and len(lines) == 2
    assert not (tmp_path / "o").exists()


def test_an_unreachable_flink_master_is_one_line(tmp_path: Path) -> None:
    master = f"localhost:{closed_port()}"
    options = PipelineOptions(
        [
            "--runner",
            "FlinkRunner",
            "--flink_master",
            master,
            "--job_endpoint",
            "localhost:1",
            "--environment_type",
            "LOOPBACK",
        ]
    )
    with pytest.raises(SubmitError, match=f"no Flink master answers at http://{master}"):
        check_portable(options, tcp=lambda host, port: True)
    with pytest.raises(SubmitError, match="needs Beam's Flink job server: --job_endpoint") as none:
        check_portable(PipelineOptions(["--runner", "FlinkRunner"]), job_server_jar=lambda: None)
    assert none.value.exit_code == 2 and "make flink" in str(none.value)
    with pytest.raises(SubmitError, match="needs Docker") as docker:
        check_portable(
            PipelineOptions(["--runner", "PortableRunner", "--job_endpoint", "localhost:1"]),
            docker=lambda: False,
        )
    assert docker.value.exit_code == 2


def test_flink_runner_without_a_job_endpoint_starts_the_job_server_jar_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apache_beam.options.pipeline_options import FlinkRunnerOptions
    from nordwire.pipeline.preflight import default_job_server_jar, own_job_server

    jar = tmp_path / "job-server.jar"
    jar.write_bytes(b"PK")
    monkeypatch.setenv("BEAM_FLINK_JOB_SERVER_JAR", str(jar))
    assert default_job_server_jar() == str(jar)
    # Beam's embedded Flink ([auto]) with LOOPBACK workers: nothing to probe, no Docker needed.
    options = PipelineOptions(["--runner", "FlinkRunner"])
    check_portable(options, docker=lambda: False)
    assert options.view_as(FlinkRunnerOptions).flink_job_server_jar == str(jar)
    assert own_job_server(options)
    # A cluster: its master is asked, and the jar the user named wins over the default.
    mine = tmp_path / "mine.jar"
    mine.write_bytes(b"PK")
    asked: list[str] = []
    options = PipelineOptions(
        ["--runner", "FlinkRunner", "--flink_master", "localhost:8081",
         "--flink_job_server_jar", str(mine), "--environment_type", "EXTERNAL"]
    )  # fmt: skip
    check_portable(options, http=lambda url: asked.append(url) or True)
    assert asked == ["http://localhost:8081/config"]
    assert options.view_as(FlinkRunnerOptions).flink_job_server_jar == str(mine)
    with pytest.raises(SubmitError, match="is not a file") as missing:
        check_portable(
            PipelineOptions(["--runner", "FlinkRunner", "--flink_job_server_jar", "nope.jar"])
        )
    assert missing.value.exit_code == 2
    endpoint = PipelineOptions(["--runner", "FlinkRunner", "--job_endpoint", "localhost:8099"])
    assert not own_job_server(endpoint)
