"""The batch job over the shared feed snapshots on Flink gives exactly the DirectRunner's tables.

Every column is compared. Only a `not_found` reject carries a run-time `fetched_at` (the time
a pattern matched nothing); the snapshots have none, so no column is left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nordwire.pipeline.read.query import connect

from tests.conftest import ROOT
from tests.flink.conftest import Cluster, nordwire

FEEDS = (ROOT / ".." / "shared" / "data" / "feeds").resolve()
TABLES = ("articles", "entities", "quotes", "rejects", "revisions")  # a batch logs no fetches


def rows(output: Path, table: str) -> list[tuple[object, ...]]:
    """A table's rows as its Delta snapshot holds them, in a stable order."""
    con = connect(str(output))
    try:
        found = con.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        con.close()
    return sorted(found, key=repr)


def counts(summary: str) -> str:
    return re.sub(r", [\d.]+ s( on FlinkRunner)?$", "", summary)


def test_the_batch_job_on_flink_writes_the_direct_runners_tables(
    cluster: Cluster, tmp_path: Path
) -> None:
    if not FEEDS.is_dir():
        pytest.skip(f"{FEEDS} is absent")
    direct, flink = tmp_path / "direct", tmp_path / "flink"
    local = nordwire("run", "--input", str(FEEDS), "--output", str(direct), "--quiet")
    assert local.returncode == 0, local.stderr
    # As a user types it: FlinkRunner and the master only; Beam starts the job server from the
    # jar `make flink` assembled, nordwire waits for the job and reads its counters.
    remote = nordwire(
        "run", "--input", str(FEEDS), "--output", str(flink), *cluster.beam_args(job_server=False)
    )
    assert remote.returncode == 0, remote.stderr
    summary = remote.stdout.strip().splitlines()[-1]
    assert summary.endswith(" on FlinkRunner"), summary
    # The same counts, read from Flink through Beam's job server (only the seconds differ).
    assert counts(summary) == counts(local.stdout.strip().splitlines()[-1])
    jobs = [
        j for j in cluster.rest("/jobs/overview")["jobs"] if j["name"].startswith("nordwire-run-")
    ]
    assert [j["state"] for j in jobs] == ["FINISHED"], jobs
    for table in TABLES:
        expected = rows(direct, table)
        assert rows(flink, table) == expected, table
        assert expected or table == "quotes"
