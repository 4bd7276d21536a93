"""Writers: a story keeps its first day, children change with their article, writers run side by side."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from deltalake.exceptions import CommitFailedError
from nordwire.pipeline.io import delta, revise
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.pipeline.read.query import connect
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import ROOT
from tests.helpers.stories import AGREE, story, write


def count(out: Path, sql: str) -> Any:
    row = connect(str(out)).execute(sql).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize("windowed", [False, True])
def test_an_article_whose_date_moved_keeps_its_first_day(tmp_path: Path, windowed: bool) -> None:
    write(tmp_path, [story("a1", 10)], [], windowed=windowed)
    moved = story("a1", 11)  # the same guid; its pubDate crossed midnight
    write(tmp_path, [moved, story("a2", 11)], [], windowed=windowed)
    assert count(tmp_path, "SELECT count(*) FROM articles") == 2
    assert count(tmp_path, "SELECT count(DISTINCT article_id) FROM articles") == 2
    assert count(tmp_path, "SELECT count(*) FROM entities") == 2
    assert str(count(tmp_path, "SELECT date FROM articles WHERE article_id = 'a1'")) == "2024-03-10"


def test_a_correction_moves_no_day_and_replaces_its_children(tmp_path: Path) -> None:
    write(tmp_path, [story("a1", 10, "Jan Erik Olsen", clock=9)], [])
    corrected = story("a1", 11, "Jan Eirik Olsen", clock=11)  # and its pubDate moved a day
    write(tmp_path, [corrected], [])
    rows = (
        connect(str(tmp_path))
        .execute("SELECT title, revision, date::VARCHAR, people FROM articles")
        .fetchall()
    )
    assert rows == [("Jan Eirik Olsen", 2, "2024-03-10", ["Jan Eirik Olsen"])]
    assert count(tmp_path, AGREE) == 0
    raw = Tables(str(tmp_path))
    raw.refresh(["entities"])
    on_disk = raw["entities"].read(["2024-03-10", "2024-03-11"], ["normalised"]).column(0)
    assert on_disk.to_pylist() == ["Jan Eirik Olsen"]  # the old revision's rows are deleted


def failing(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every commit to `table` fail as a full disk would."""
    real = delta.Table.write

    def write(self: delta.Table, rows: Any, **kw: Any) -> None:
        if self.name == table:
            raise OSError(28, "No space left on device")
        real(self, rows, **kw)

    monkeypatch.setattr(delta.Table, "write", write)


@pytest.mark.parametrize("table", ["revisions", "entities", "quotes", "articles"])
def test_a_write_cut_at_any_table_shows_nothing_half_and_the_rerun_completes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    items = [story(f"a{i}", 10) for i in range(3)]
    write(tmp_path, items, [])
    corrected = [story(f"a{i}", 10, "Erna Solberg", clock=12) for i in range(3)]
    failing(table, monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        write(tmp_path, [*corrected, story("new", 10)], [])
    monkeypatch.undo()
    # A reader sees the old revisions whole: every article with exactly its own children.
    assert count(tmp_path, AGREE) == 0
    assert count(tmp_path, "SELECT count(*) FROM articles WHERE title = 'Jonas Gahr Støre'") == 3
    write(tmp_path, [*corrected, story("new", 10)], [])
    assert count(tmp_path, "SELECT count(*) FROM articles") == 4
    assert count(tmp_path, "SELECT count(*) FROM articles WHERE revision = 2") == 3
    assert count(tmp_path, "SELECT count(*) FROM revisions") == 7
    assert count(tmp_path, "SELECT count(*) FROM entities") == 4
    assert count(tmp_path, AGREE) == 0


def test_an_older_copy_after_a_newer_one_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, [story("a1", 10, "Jan Eirik Olsen", clock=11)], [])
    write(tmp_path, [story("a1", 10, "Jan Erik Olsen", clock=9)], [])
    assert count(tmp_path, "SELECT title FROM articles") == "Jan Eirik Olsen"
    assert count(tmp_path, "SELECT count(*) FROM revisions") == 1


def test_a_conflict_with_another_writer_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, calls = delta.Table.write, []

    def write_once_conflicting(self: delta.Table, rows: Any, **kw: Any) -> None:
        calls.append(self.name)
        if self.name == "articles" and calls.count("articles") == 1:
            # Another writer commits the same story first, then this commit conflicts.
            other = Tables(str(tmp_path))
            commit_rows(other, [story_of(story("a1", 10), OSLO)])
            raise CommitFailedError("Commit failed: a concurrent transactions added new data.")
        real(self, rows, **kw)

    monkeypatch.setattr(delta.Table, "write", write_once_conflicting)
    monkeypatch.setattr(revise, "_pause", lambda attempt: None)
    out = commit_rows(Tables(str(tmp_path)), [story_of(story("a1", 10), OSLO)])
    monkeypatch.undo()
    assert out.attempts == 2
    assert count(tmp_path, "SELECT count(*) FROM articles") == 1
    assert count(tmp_path, "SELECT count(*) FROM revisions") == 1
    assert count(tmp_path, AGREE) == 0


WRITER = """
import sys
from datetime import UTC, datetime
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.transforms.feed.dates import OSLO
from tests.helpers.stories import story

out, first, last, name, clock = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
tables = Tables(out)
for lo in range(first, last, 5):
    commit_rows(tables, [story_of(story(f"s{i:03d}", 10 + i % 2, name, clock), OSLO) for i in range(lo, min(last, lo + 5))])
print("done", flush=True)
"""


def test_two_writers_at_once_both_land_nothing_lost_or_doubled(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Overlapping stories, in bundles of five, on the same two days: the second writer also
    # carries a newer revision (a later clock) of the stories both have.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, out, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in (("0", "40", "Jonas Gahr Støre", "9"), ("20", "60", "Erna Solberg", "11"))
    ]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0 and "done" in stdout, stderr[-2000:]
    path = tmp_path / "out"
    assert count(path, "SELECT count(*) FROM articles") == 60
    assert count(path, "SELECT count(DISTINCT article_id) FROM articles") == 60
    assert count(path, "SELECT count(*) FROM articles WHERE title = 'Erna Solberg'") == 40
    # 20 corrections when the older copy landed first; none when the newer one came first.
    assert 60 <= count(path, "SELECT count(*) FROM revisions") <= 80
    assert (
        count(
            path,
            "SELECT count(*) FROM articles a WHERE a.revision <> "
            "(SELECT max(revision) FROM revisions r WHERE r.article_id = a.article_id) "
            "OR a.revision <> (SELECT count(*) FROM revisions r WHERE r.article_id = a.article_id)",
        )
        == 0
    )
    assert count(path, "SELECT count(*) FROM entities") == 60
    assert count(path, AGREE) == 0


def test_a_link_planted_at_the_old_writer_lock_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "_writer.lock").symlink_to(victim)
    write(out, [story("a1", 10)], [])
    assert victim.read_text() == "do not touch\n"
    assert count(out, "SELECT count(*) FROM articles") == 1
