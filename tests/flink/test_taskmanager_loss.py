"""A TaskManager killed with its worker pool (SIGKILL, as a lost machine) leaves the other pair
serving; runs last, since it takes a TaskManager away from the session's cluster."""

from __future__ import annotations

import os
import time

import pytest

from tests.flink.conftest import Cluster
from tests.flink.test_cluster import zombie


def alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}") and not zombie(pid)


def test_killing_a_taskmanager_with_its_pool_leaves_the_other_pair(cluster: Cluster) -> None:
    pids = cluster.state()["pids"]
    standing = [n for n in (1, 2) if alive(pids[f"taskmanager{n}"])]
    if len(standing) < 2:
        pytest.skip("the streaming test already killed a TaskManager with its pool, and recovered")
    cluster.kill_taskmanager(2)
    for name in ("taskmanager2", "pool2"):
        assert not alive(pids[name])
    deadline = time.monotonic() + 90
    while cluster.taskmanagers() != 1:  # the JobManager notices after its heartbeat timeout
        assert time.monotonic() < deadline, "the JobManager still counts the killed TaskManager"
        time.sleep(2)
    for name in ("jobmanager", "taskmanager1", "pool1"):
        assert alive(pids[name])
