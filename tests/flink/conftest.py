"""A Flink session cluster of the tests' own (random loopback ports, its own run folder), started
once for `make flink-test` by deploy/flink/cluster.py and stopped at the end."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CLUSTER = ROOT / "deploy" / "flink" / "cluster.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """The running cluster as the tests see it."""

    run: Path
    env: dict[str, str]
    rest_port: int
    pool: str  # nordwire-worker-pool:PORT, the EXTERNAL environment's address
    job_port: int

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.run / "cluster.json").read_text())
        return data

    def rest(self, path: str, method: str = "GET") -> Any:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(f"http://localhost:{self.rest_port}{path}", method=method)
        with opener.open(request, timeout=10) as response:
            body = response.read()
            return json.loads(body) if body else None

    def taskmanagers(self) -> int:
        return int(self.rest("/overview")["taskmanagers"])

    def kill_taskmanager(self, n: int) -> None:
        subprocess.run(
            [sys.executable, str(CLUSTER), "kill-taskmanager", str(n)], env=self.env, check=True
        )

    def beam_args(self, *, job_server: bool = True) -> list[str]:
        """What `nordwire run|stream` takes to run on this cluster with the worker pools: through
        the cluster's job server, or (job_server=False) one Beam starts from the jar."""
        endpoint = ["--job_endpoint", f"localhost:{self.job_port}"] if job_server else []
        return [
            "--runner", "FlinkRunner",
            "--flink_master", f"localhost:{self.rest_port}",
            *endpoint,
            "--environment_type", "EXTERNAL",
            "--environment_config", self.pool,
            "--parallelism", "2",
        ]  # fmt: skip

    def taskmanagers_of(self, job: str) -> set[int]:
        """The TaskManagers (1, 2) that run some task of a job (cluster.py names them)."""
        running = set()
        for vertex in self.rest(f"/jobs/{job}")["vertices"]:
            for tm in self.rest(f"/jobs/{job}/vertices/{vertex['id']}/taskmanagers")[
                "taskmanagers"
            ]:
                if tm["status"] == "RUNNING":
                    running.add(int(tm["taskmanager-id"].removeprefix("taskmanager")))
        return running

    def wait_for_jobs(self, seconds: float) -> list[dict[str, Any]]:
        """Wait until no job is running; the jobs as Flink lists them."""
        deadline = time.monotonic() + seconds
        while True:
            jobs: list[dict[str, Any]] = self.rest("/jobs/overview")["jobs"]
            if jobs and all(j["state"] in ("FINISHED", "FAILED", "CANCELED") for j in jobs):
                return jobs
            assert time.monotonic() < deadline, f"jobs still running after {seconds:.0f} s: {jobs}"
            time.sleep(2)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """JobManager, two TaskManagers with their worker pools and Beam's job server; skipped only
    without Java (CI's machines have it: anything else that keeps it from starting fails)."""
    if shutil.which("java") is None:
        pytest.skip("no Java on this machine: Flink's JobManager and TaskManagers need it")
    run = tmp_path_factory.mktemp("flink-run")
    env = {**os.environ, "NORDWIRE_FLINK_RUN": str(run)}
    rest_port, job_port = free_port(), free_port()
    proc = subprocess.run(
        [sys.executable, str(CLUSTER), "start", "--rest-port", str(rest_port),
         "--job-port", str(job_port)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if proc.returncode != 0:
        logs = "\n".join(p.read_text()[-2000:] for p in sorted((run / "log").glob("*.out")))
        subprocess.run([sys.executable, str(CLUSTER), "stop"], env=env, timeout=120)
        pytest.fail(f"the Flink cluster did not start: {proc.stderr}\n{logs}")
    state = json.loads((run / "cluster.json").read_text())
    try:
        yield Cluster(run, env, rest_port, state["pool"], state["job_port"])
    finally:
        subprocess.run([sys.executable, str(CLUSTER), "stop"], env=env, timeout=120)


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def nordwire(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nordwire.pipeline", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout,
    )  # fmt: skip
