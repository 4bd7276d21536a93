"""`nordwire compact`: Delta optimize + vacuum; fewer files, every row once, beside readers and writers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from deltalake import DeltaTable
from nordwire.pipeline import compaction
from nordwire.pipeline.cli import main
from nordwire.pipeline.cli.maintain import RETENTION_HOURS
from nordwire.pipeline.compaction import compact
from nordwire.pipeline.io import revise
from nordwire.pipeline.io.delta import DELETED_FILE_RETENTION_HOURS, Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.pipeline.read.query import connect, run_query
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import ROOT
from tests.helpers.stories import AGREE, story


def small_commits(out: Path, first: int, commits: int, per: int = 2, day: int = 10) -> int:
    """`commits` commits of `per` stories each into one day, as a poller's cycles would."""
    tables = Tables(str(out))
    n = first
    for _ in range(commits):
        commit_rows(tables, [story_of(story(f"s{i:05d}", day), OSLO) for i in range(n, n + per)])
        n += per
    return n


def ids(out: Path) -> list[str]:
    con = connect(str(out))
    try:
        return [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
    finally:
        con.close()


def files_on_disk(out: Path, table: str) -> int:
    """Data files in the table's folders (the log's checkpoints are not data)."""
    return len([p for p in (out / table).rglob("*.parquet") if "_delta_log" not in p.parts])


def test_many_commits_become_one_file_per_partition_with_every_row_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    n = small_commits(out, 0, 20)
    small_commits(out, n, 3, day=11)
    before = ids(out)
    assert len(DeltaTable(str(out / "articles")).file_uris()) == 23
    report = compact(str(out), before="2024-03-12", retention_hours=0)
    assert report.partitions >= 2 and report.files_before >= 23 + 23 + 23
    assert ids(out) == before and len(before) == 46
    for table in ("articles", "entities", "quotes", "revisions"):
        assert len(DeltaTable(str(out / table)).file_uris()) == 2, table  # two days, one topic
        assert files_on_disk(out, table) == 2, table  # a zero retention deletes the old ones
    assert connect(str(out)).execute(AGREE).fetchone() == (0,)
    again = compact(str(out), before="2024-03-12", retention_hours=0)
    assert again.partitions == 0 and again.files_before == 0


def test_replaced_files_stay_for_the_retention_so_time_travel_still_reads_them(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    small_commits(out, 0, 5)
    version = DeltaTable(str(out / "articles")).version()
    compact(str(out), before="2024-03-12")
    assert files_on_disk(out, "articles") == 6  # five old files kept, one new
    old = run_query("SELECT count(*) AS n FROM articles", str(out), "csv", as_of=str(version))
    assert old.splitlines() == ["n", "10"]
    assert RETENTION_HOURS == DELETED_FILE_RETENTION_HOURS == 168  # the CLI's default is Delta's


def log_entries(out: Path, table: str) -> list[str]:
    return sorted(p.name for p in (out / table / "_delta_log").glob("*.json"))


def test_expired_log_entries_go_at_compaction_never_at_a_writers_commit(tmp_path: Path) -> None:
    # A writer that cleaned the log would list the whole _delta_log folder on every commit.
    out = tmp_path / "out"
    n = small_commits(out, 0, 4)
    compact(str(out), before="2024-03-12")  # a checkpoint the older entries can be dropped for
    week_ago = time.time() - 8 * 24 * 3600
    for entry in (out / "articles" / "_delta_log").glob("*.json"):
        os.utime(entry, (week_ago, week_ago))
    aged = log_entries(out, "articles")
    small_commits(out, n, 2)
    assert set(aged) <= set(log_entries(out, "articles"))  # the writers kept them
    compact(str(out), before="2024-03-12")
    kept = log_entries(out, "articles")
    assert len(set(aged) - set(kept)) >= 4  # the commits before the checkpoint are gone
    assert len(ids(out)) == 12
    assert (
        DeltaTable(str(out / "articles")).metadata().configuration["delta.logRetentionDuration"]
        == "interval 7 days"
    )


def test_partitions_named_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    n = small_commits(out, 0, 4)
    small_commits(out, n, 4, day=11)
    result = CliRunner().invoke(
        main, ["compact", "--output", str(out), "--partition", "date=2024-03-10/topic=politics"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nordwire: compacted ") and result.output.count("\n") == 1
    days = [f.split("date=")[1][:10] for f in DeltaTable(str(out / "articles")).file_uris()]
    assert sorted(days) == ["2024-03-10"] + ["2024-03-11"] * 4
    bad = CliRunner().invoke(main, ["compact", "--output", str(out), "--partition", "topic=x"])
    assert bad.exit_code == 2 and "expected date=YYYY-MM-DD" in bad.output


def test_compaction_works_on_an_object_store_uri(tmp_path: Path) -> None:
    # A file:// URI goes through delta-rs's object store as gs:// and s3:// do (and nordwire
    # treats it as it treats them: no local folder walk, no path joins).
    out = (tmp_path / "store").as_uri()
    tables = Tables(out)
    for i in range(4):
        commit_rows(tables, [story_of(story(f"m{i}", 10), OSLO)])
    result = CliRunner().invoke(
        main, ["compact", "--output", out, "--before", "2024-03-12", "--retention-hours", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "compacted 4 partitions in 4 tables: 16 files -> 4" in result.output
    assert len(DeltaTable(f"{out}/articles").file_uris()) == 1
    assert ids_at(out) == ["m0", "m1", "m2", "m3"]


def ids_at(output: str) -> list[str]:
    con = connect(output)
    try:
        return [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_superseded_children_a_killed_writer_left_are_swept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    commit_rows(Tables(str(out)), [story_of(story("a1", 10, "Jan Erik Olsen", 9), OSLO)])
    monkeypatch.setattr(revise, "_cleanup", lambda *args: None)  # killed before the cleanup
    commit_rows(Tables(str(out)), [story_of(story("a1", 10, "Jan Eirik Olsen", 11), OSLO)])
    monkeypatch.undo()
    raw = DeltaTable(str(out / "entities")).to_pyarrow_table(columns=["normalised"])
    assert sorted(raw.column(0).to_pylist()) == ["Jan Eirik Olsen", "Jan Erik Olsen"]
    assert connect(str(out)).execute("SELECT count(*) FROM entities").fetchone() == (1,)
    report = compact(str(out), before="2024-03-12")
    assert report.swept == 2  # the old revision's entity and quote rows
    raw = DeltaTable(str(out / "entities")).to_pyarrow_table(columns=["normalised"])
    assert raw.column(0).to_pylist() == ["Jan Eirik Olsen"]


def test_a_writer_beside_the_compaction_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    n = small_commits(out, 0, 10)
    errors: list[BaseException] = []

    def keep_writing() -> None:
        try:
            small_commits(out, n, 10)
        except BaseException as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    for _ in range(3):  # the default retention: a file the writer has not committed yet stays
        compact(str(out), before="2024-03-12")
    writer.join()
    assert not errors, errors
    assert ids(out) == [f"s{i:05d}" for i in range(40)]
    assert connect(str(out)).execute(AGREE).fetchone() == (0,)


def test_a_full_disk_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    small_commits(out, 0, 2)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compaction, "compact", full)
    result = CliRunner().invoke(main, ["compact", "--output", str(out)])
    assert result.exit_code == 1
    assert result.output == (
        "nordwire: error: compaction stopped: the disk is full; free space and run it again "
        "(nothing is lost)\n"
    )


KILLED = 3  # rounds here; tests/robustness/storage_kills.py runs 20 (make robustness)


def test_kill_9_during_compaction_loses_and_doubles_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_commits(out, 0, 30)
    expected = ids(out)
    command = [
        sys.executable,
        "-m",
        "nordwire.pipeline",
        "compact",
        "--output",
        str(out),
        "--before",
        "2024-03-12",
        "--retention-hours",
        "0",
    ]
    for delay in (0.5, 1.5, 3.0)[:KILLED]:
        proc = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert ids(out) == expected
        assert connect(str(out)).execute(AGREE).fetchone() == (0,)
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert ids(out) == expected
    assert len(DeltaTable(str(out / "articles")).file_uris()) == 1


def test_corrections_after_a_compaction_land_where_partitions_mix_old_and_new_files(
    tmp_path: Path,
) -> None:
    # Compaction rewrites files with string_view columns; once a partition holds such a file
    # beside the writer's own, the writer's id lookups must still bind, or every later
    # correction of those days fails (the kill rounds' writers died of it).
    from tests.robustness.storage_kills import _stories, final_state

    out = str(tmp_path)
    for round_ in (0, 1):
        rows = _stories(round_)
        tables = Tables(out)
        for i in range(0, len(rows), 5):
            commit_rows(tables, rows[i : i + 5])  # type: ignore[arg-type]
            if round_ == 0 and i == 10:
                compact(out, before="2024-03-20")
    assert final_state(out, 2) == []
