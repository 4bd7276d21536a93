"""The session cluster itself: a JobManager and two TaskManagers as processes, a worker pool
beside each on its own loopback address. (A TaskManager killed with its pool, the other pair
left serving, is part of test_stream_on_flink.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.flink.conftest import CLUSTER, Cluster


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def test_two_taskmanagers_register_with_the_jobmanager(cluster: Cluster) -> None:
    overview = cluster.rest("/overview")
    assert overview["taskmanagers"] == 2 and overview["slots-total"] == 4
    pinned = re.search(r'^FLINK_VERSION = "(\S+)"', CLUSTER.read_text(), re.M)
    assert pinned and overview["flink-version"] == pinned.group(1)


def test_each_taskmanager_names_its_own_worker_pool(cluster: Cluster) -> None:
    pids = cluster.state()["pids"]
    name, port = cluster.pool.split(":")
    pools = {}
    for n in (1, 2):
        # The pool's process listens on its own loopback address...
        pool_args = cmdline(pids[f"pool{n}"])
        host = pool_args[pool_args.index("--host") + 1]
        assert host.startswith("127.") and pool_args[pool_args.index("--port") + 1] == port
        # ...and the TaskManager's JVM (a child of its start script) resolves the pool's name there.
        tm_java = java_child(pids[f"taskmanager{n}"])
        hosts_flag = next(a for a in cmdline(tm_java) if a.startswith("-Djdk.net.hosts.file="))
        table = Path(hosts_flag.split("=", 1)[1]).read_text().split("\n")
        pools[n] = next(line.split()[0] for line in table if line.endswith(f" {name}"))
        assert pools[n] == host
    assert pools[1] != pools[2]


def java_child(pid: int) -> int:
    """The JVM a start script became or started (flink-console.sh execs java)."""
    if Path(cmdline(pid)[0]).name == "java":
        return pid
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        return java_child(int(child))
    raise AssertionError(f"no JVM under process {pid}")
