"""A Flink session cluster on this machine as plain processes: `make flink` / `make flink-stop`.

    python deploy/flink/cluster.py fetch                 # download and check the pinned parts
    python deploy/flink/cluster.py start [--rest-port 8081] [--job-port 8099] [--no-job-server]
    python deploy/flink/cluster.py status | stop | kill-taskmanager N

What runs (every socket on loopback):
- a JobManager (REST on --rest-port) and two TaskManagers, each its own JVM, from Flink's
  distribution as the `apache-flink` wheel (bin/, conf/) and the `apache-flink-libraries`
  sdist (lib/, opt/, plugins/) ship it on PyPI, pinned by version and SHA-256;
- beside each TaskManager a Beam worker pool (deploy/flink/worker_pool.py) on its own
  loopback address, 127.0.0.2 and 127.0.0.3, same port. Jobs say
  `--environment_type EXTERNAL --environment_config nordwire-worker-pool:PORT`; each
  TaskManager's JVM gets a hosts file (`-Djdk.net.hosts.file`) in which that name is its own
  pool, so killing a TaskManager with its pool leaves the other pair whole;
- Beam's Flink job server (`beam-runners-flink-<flink>-job-server`, the pinned Beam version)
  on --job-port, from Maven Central through `mvn`, or from BEAM_FLINK_JOB_SERVER_JAR.

Everything is cached under .cache/flink/ (git-ignored); the running cluster's config, logs,
checkpoints and process ids are in .cache/flink/run/. Only the processes started here are
ever stopped (by the ids recorded at start).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

from jobserver import RUNNER_FLINK, Unavailable, job_server_jar, sha256

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("NORDWIRE_FLINK_CACHE", ROOT / ".cache" / "flink"))
RUN = Path(os.environ.get("NORDWIRE_FLINK_RUN", CACHE / "run"))
STATE = RUN / "cluster.json"

FLINK_VERSION = "1.19.3"  # the minor Beam's Flink runner in jobserver.py is built for
FLINK_MINOR = ".".join(FLINK_VERSION.split(".")[:2])
assert FLINK_MINOR == RUNNER_FLINK, "the cluster and Beam's runner must run the same Flink"
PINNED = {
    f"apache_flink-{FLINK_VERSION}-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64"
    ".manylinux_2_17_x86_64.manylinux2014_x86_64.whl": (
        "ff572c6ffa3867c21b8a455aefb50c53c91973fd0408df594ca26cb0a7bebc77"
    ),
    f"apache-flink-libraries-{FLINK_VERSION}.tar.gz": (
        "4a58e3a1fb7d83340bc96b6c080624c6d792d69fae5d294b96224775204a9c60"
    ),
}
POOL_NAME = "nordwire-worker-pool"
POOL_HOSTS = ("127.0.0.2", "127.0.0.3")  # one loopback address per TaskManager's pool
TASKMANAGERS = 2
SLOTS = 2


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise Unavailable("no Java on this machine (Flink needs Java 11 or 17)")
    return found


def flink_home() -> Path:
    """The assembled distribution: bin/ and conf/ from the wheel, lib/ opt/ plugins/ from the sdist."""
    home = CACHE / f"flink-{FLINK_VERSION}"
    if (home / "lib" / f"flink-dist-{FLINK_VERSION}.jar").exists():
        return home
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for name, digest in PINNED.items():
        path = downloads / name
        if not path.exists():
            project = "apache-flink-libraries" if name.endswith(".tar.gz") else "apache-flink"
            kind = (
                ["--no-binary", ":all:"] if name.endswith(".tar.gz") else ["--only-binary", ":all:"]
            )
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    *kind,
                    "--dest",
                    str(downloads),
                    f"{project}=={FLINK_VERSION}",
                ],
                check=True,
            )
        if sha256(path) != digest:
            raise Unavailable(f"{name} does not have the pinned SHA-256 {digest}")
    partial = CACHE / f"flink-{FLINK_VERSION}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    wheel = next(n for n in PINNED if n.endswith(".whl"))
    with zipfile.ZipFile(downloads / wheel) as zf:
        for member in zf.namelist():
            if member.startswith(("pyflink/bin/", "pyflink/conf/")) and not member.endswith("/"):
                target = partial / member.removeprefix("pyflink/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(member))
    sdist = next(n for n in PINNED if n.endswith(".tar.gz"))
    prefix = f"apache-flink-libraries-{FLINK_VERSION}/deps/"
    with tarfile.open(downloads / sdist) as tf:
        for member in tf.getmembers():
            if member.isfile() and member.name.startswith(prefix):
                rel = member.name.removeprefix(prefix)
                if rel.split("/")[0] in ("lib", "opt", "plugins", "bin"):
                    target = partial / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    source = tf.extractfile(member)
                    assert source is not None
                    target.write_bytes(source.read())
    for script in (partial / "bin").iterdir():
        script.chmod(0o755)
    partial.rename(home)
    return home


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_free(port: int, hosts: tuple[str, ...] = ("127.0.0.1",)) -> bool:
    for host in hosts:
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def write_config(home: Path, rest_port: int) -> Path:
    """A private conf folder: loopback only, our ports, checkpoints under the cache."""
    conf = RUN / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    for name in ("log4j-console.properties", "log4j.properties"):
        shutil.copy(home / "conf" / name, conf / name)
    shipped = (home / "conf" / "config.yaml").read_text()
    java_opts = next(
        line.split("all:", 1)[1].strip() for line in shipped.splitlines() if "all: --add" in line
    )
    (conf / "config.yaml").write_text(
        f"""# Written by deploy/flink/cluster.py for this machine's session cluster.
env.java.opts.all: {java_opts}
jobmanager.rpc.address: localhost
jobmanager.rpc.port: {free_port()}
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
jobmanager.execution.failover-strategy: region
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: {SLOTS}
cluster.evenly-spread-out-slots: true
taskmanager.memory.process.size: 1280m
parallelism.default: {SLOTS}
rest.address: localhost
rest.bind-address: localhost
rest.port: {rest_port}
blob.server.port: {free_port()}
state.backend.type: hashmap
state.checkpoints.dir: file://{RUN / "checkpoints"}
state.savepoints.dir: file://{RUN / "savepoints"}
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 20
restart-strategy.fixed-delay.delay: 5 s
heartbeat.timeout: 20000
resourcemanager.taskmanager-timeout: 20000
"""
    )
    return conf


def _start(name: str, argv: list[str], env: dict[str, str]) -> int:
    log = (RUN / "log" / f"{name}.out").open("ab")
    # Its own session, so stop() can end it with everything it started (workers, the JVM).
    proc = subprocess.Popen(
        argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return proc.pid


def rest(port: int, path: str, timeout: float = 2.0) -> dict[str, object]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://localhost:{port}{path}", timeout=timeout) as response:
        data: dict[str, object] = json.loads(response.read())
        return data


def wait_for(what: str, check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise Unavailable(f"{what} did not come up within {seconds:.0f} s (logs: {RUN / 'log'})")


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def start(rest_port: int, job_port: int, with_job_server: bool) -> dict[str, object]:
    if STATE.exists():
        raise Unavailable(f"a cluster is already recorded in {STATE}: `make flink-stop` first")
    java()
    home = flink_home()
    jar = job_server_jar() if with_job_server else None
    pool_port = free_port(POOL_HOSTS[0])
    for port, what in ((rest_port, "--rest-port"), (job_port, "--job-port")):
        if not port_free(port):
            raise Unavailable(f"port {port} ({what}) is taken on this machine")
    if not port_free(pool_port, POOL_HOSTS):
        raise Unavailable(f"port {pool_port} is taken on {POOL_HOSTS}")
    shutil.rmtree(RUN, ignore_errors=True)
    (RUN / "log").mkdir(parents=True)
    conf = write_config(home, rest_port)
    venv_bin = str(Path(sys.executable).parent)
    base = {
        **os.environ,
        "FLINK_CONF_DIR": str(conf),
        "FLINK_LOG_DIR": str(RUN / "log"),
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
    }
    state: dict[str, object] = {
        "rest_port": rest_port,
        "pool": f"{POOL_NAME}:{pool_port}",
        "pids": {},
        "home": str(home),
    }
    pids: dict[str, int] = state["pids"]  # type: ignore[assignment]
    STATE.write_text(json.dumps(state))
    try:
        pids["jobmanager"] = _start(
            "jobmanager", [str(home / "bin" / "jobmanager.sh"), "start-foreground"], base
        )
        STATE.write_text(json.dumps(state))
        wait_for("the JobManager", lambda: rest(rest_port, "/overview"), 120)
        hostname = socket.gethostname()
        for i in range(1, TASKMANAGERS + 1):
            host = POOL_HOSTS[i - 1]
            pool_argv = [
                sys.executable,
                str(Path(__file__).with_name("worker_pool.py")),
                "--host",
                host,
                "--port",
                str(pool_port),
            ]
            pids[f"pool{i}"] = _start(f"pool{i}", pool_argv, base)
            hosts = RUN / f"taskmanager{i}.hosts"
            hosts.write_text(f"127.0.0.1 localhost {hostname}\n::1 localhost\n{host} {POOL_NAME}\n")
            tm_env = {**base, "FLINK_ENV_JAVA_OPTS_TM": f"-Djdk.net.hosts.file={hosts}"}
            pids[f"taskmanager{i}"] = _start(
                f"taskmanager{i}",
                [
                    str(home / "bin" / "taskmanager.sh"),
                    "start-foreground",
                    # Flink's REST names the TaskManager so: a test kills one that runs a job.
                    f"-Dtaskmanager.resource-id=taskmanager{i}",
                ],
                tm_env,
            )
            STATE.write_text(json.dumps(state))
        wait_for(
            "two TaskManagers",
            lambda: rest(rest_port, "/overview")["taskmanagers"] == TASKMANAGERS,
            120,
        )
        for host in POOL_HOSTS:
            wait_for(f"the worker pool on {host}", lambda h=host: tcp_open(h, pool_port), 60)
        if jar is not None:
            argv = [
                java(),
                "-Xmx512m",
                "-jar",
                str(jar),
                "--flink-master",
                f"localhost:{rest_port}",
                "--job-host",
                "localhost",
                "--job-port",
                str(job_port),
                "--artifact-port",
                str(free_port()),
                "--expansion-port",
                str(free_port()),
                "--artifacts-dir",
                str(RUN / "artifacts"),
            ]
            pids["jobserver"] = _start("jobserver", argv, base)
            state["job_port"] = job_port
            STATE.write_text(json.dumps(state))
            wait_for("Beam's Flink job server", lambda: tcp_open("localhost", job_port), 120)
    except BaseException:
        stop()
        raise
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _end(pid: int, sig: int = signal.SIGTERM, wait: float = 20.0) -> None:
    """End the process group a recorded process leads; SIGKILL what is left after `wait`."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def stop() -> None:
    if not STATE.exists():
        return
    pids: dict[str, int] = json.loads(STATE.read_text()).get("pids", {})
    for name in sorted(pids, key=lambda n: n != "jobserver"):  # the job server first
        _end(pids[name])
    STATE.unlink()


def kill_taskmanager(n: int) -> None:
    """Kill TaskManager n and its worker pool at once (SIGKILL), as a crashed machine would."""
    pids: dict[str, int] = json.loads(STATE.read_text())["pids"]
    for name in (f"taskmanager{n}", f"pool{n}"):
        _end(pids[name], signal.SIGKILL, wait=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch")
    begin = sub.add_parser("start")
    begin.add_argument("--rest-port", type=int, default=8081)
    begin.add_argument("--job-port", type=int, default=8099)
    begin.add_argument("--no-job-server", action="store_true")
    sub.add_parser("status")
    sub.add_parser("stop")
    kill = sub.add_parser("kill-taskmanager")
    kill.add_argument("n", type=int, choices=range(1, TASKMANAGERS + 1))
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(flink_home())
            print(job_server_jar())
        elif args.command == "start":
            state = start(args.rest_port, args.job_port, not args.no_job_server)
            print(
                f"flink: JobManager http://localhost:{state['rest_port']}, {TASKMANAGERS} "
                f"TaskManagers, worker pools at {state['pool']} (one per TaskManager)"
                + (f", job server localhost:{state['job_port']}" if "job_port" in state else "")
            )
        elif args.command == "status":
            print(STATE.read_text() if STATE.exists() else "flink: not running")
        elif args.command == "stop":
            stop()
            print("flink: stopped")
        else:
            kill_taskmanager(args.n)
    except Unavailable as exc:
        print(f"flink: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
