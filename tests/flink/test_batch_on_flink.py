"""The batch job over the shared feed snapshots on Flink gives exactly the DirectRunner's tables.

Every column is compared. Only a `not_found` reject carries a run-time `fetched_at` (the time
a pattern matched nothing); the snapshots have none, so no column is left out.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from tests.flink.conftest import Cluster, nordwire

FEEDS = (ROOT / ".." / "shared" / "data" / "feeds").resolve()
TABLES = {
    "articles": "article_id",
    "entities": "entity_id",
    "quotes": "quote_id",
    "rejects": "reject_id",
}


def rows(output: Path, table: str) -> list[tuple[object, ...]]:
    files = sorted(str(p) for p in (output / table).rglob("*.parquet"))
    if not files:
        return []
    relation = duckdb.read_parquet(files, hive_partitioning=True)
    return sorted(relation.order(TABLES[table]).fetchall(), key=repr)


def test_the_batch_job_on_flink_writes_the_direct_runners_tables(
    job_server: Cluster, tmp_path: Path
) -> None:
    if not FEEDS.is_dir():
        pytest.skip(f"{FEEDS} is absent")
    direct, flink = tmp_path / "direct", tmp_path / "flink"
    local = nordwire("run", "--input", str(FEEDS), "--output", str(direct), "--quiet")
    assert local.returncode == 0, local.stderr
    remote = nordwire("run", "--input", str(FEEDS), "--output", str(flink), *job_server.beam_args())
    assert remote.returncode == 0, remote.stderr
    assert "on FlinkRunner" in remote.stdout
    jobs = job_server.wait_for_jobs(900)
    assert jobs[-1]["state"] == "FINISHED", jobs
    for table in TABLES:
        expected = rows(direct, table)
        assert rows(flink, table) == expected, table
        assert expected or table == "quotes"
