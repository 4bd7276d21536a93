"""Writers (issue 19): an article once across dates, children after their article, one writer per output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nordwire.pipeline.config import JobConfig, parse
from nordwire.pipeline.feeds import Feed
from nordwire.pipeline.io import sink
from nordwire.pipeline.io.lock import OutputLock, OutputLocked, output_lock
from nordwire.pipeline.poller.cycles import run_cycle
from nordwire.pipeline.poller.state import StreamState
from nordwire.pipeline.query import connect
from nordwire.pipeline.runner import run_job
from nordwire.schemas.items import Item, Mention
from nordwire.transforms.dates import OSLO

from tests.conftest import ROOT
from tests.helpers.feedserver import feed_server, rss, send
from tests.stages.test_sink import finished, write

PEOPLE = (Mention("title", "Jonas Gahr Støre", "PER", 0, 16, 0, "Jonas Gahr Støre"),)


def count(out: Path, sql: str) -> Any:
    row = connect(str(out)).execute(sql).fetchone()
    assert row is not None
    return row[0]


def with_people(article_id: str, day: int) -> Item:
    return finished(article_id, "politics", day).evolve(title="Jonas Gahr Støre", entities=PEOPLE)


# 7a. "already written" across every date


@pytest.mark.parametrize("windowed", [False, True])
def test_an_article_whose_date_moved_is_not_written_again(tmp_path: Path, windowed: bool) -> None:
    write(tmp_path, [with_people("a1", 10)], [], windowed=windowed)
    moved = with_people("a1", 11)  # the same guid; its pubDate crossed midnight
    write(tmp_path, [moved, with_people("a2", 11)], [], windowed=windowed)
    assert count(tmp_path, "SELECT count(*) FROM articles") == 2
    assert count(tmp_path, "SELECT count(DISTINCT article_id) FROM articles") == 2
    assert count(tmp_path, "SELECT count(*) FROM entities") == 2  # no children for the repeat


# 10b. children after their article


def failing_on(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sink.write_table

    def write_table(directory: str, rows: list[dict[str, Any]], schema: Any, key: str) -> str:
        if f"/{table}/" in directory + "/":
            raise OSError(28, "No space left on device")
        return real(directory, rows, schema, key)

    monkeypatch.setattr(sink, "write_table", write_table)


def orphans(out: Path) -> int:
    return int(
        count(
            out,
            "SELECT count(*) FROM entities e WHERE e.article_id NOT IN "
            "(SELECT article_id FROM articles)",
        )
    )


def test_no_entity_row_is_visible_without_its_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [with_people(f"a{i}", 10) for i in range(3)]
    failing_on("articles", monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        write(tmp_path, items, [])
    monkeypatch.undo()
    assert not (tmp_path / "entities").exists() or orphans(tmp_path) == 0
    write(tmp_path, items, [])
    assert count(tmp_path, "SELECT count(*) FROM entities") == 3 and orphans(tmp_path) == 0


def test_children_lost_with_a_failed_run_are_written_by_the_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [with_people(f"a{i}", 10) for i in range(3)]
    failing_on("entities", monkeypatch)
    with pytest.raises(Exception, match="No space left"):
        write(tmp_path, items, [])
    monkeypatch.undo()
    assert count(tmp_path, "SELECT count(*) FROM articles") == 3
    write(tmp_path, items, [])
    write(tmp_path, items, [])
    assert count(tmp_path, "SELECT count(*) FROM articles") == 3
    assert count(tmp_path, "SELECT count(*) FROM entities") == 3


# 10a. the cycle line counts what is new


def test_the_cycle_line_counts_only_articles_it_wrote(tmp_path: Path) -> None:
    body = rss([("sak-1920", "Første"), ("sak-1921", "Andre"), ("sak-1922", "Tredje")])
    feed = tmp_path / "feed.xml"
    feed.write_bytes(body)
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(feed)], "output": str(out)}))  # the same items, written before
    with feed_server() as server:
        server.routes["/feed"] = lambda h: send(h, 200, body)
        state = StreamState(tmp_path / "state")
        from nordwire.pipeline.io.fetch import Fetcher

        with Fetcher(total_timeout=5.0) as fetcher:
            config = JobConfig(
                "poll", output=str(out), timezone=OSLO, feeds=(Feed("f", server.url("/feed")),)
            )
            report = run_cycle(
                config, state, fetcher, now=lambda: datetime(2024, 3, 11, 12, tzinfo=UTC)
            )
        state.close()
    assert report.new_items == 3  # new to the poller's state
    assert sum(report.articles.values()) == 0  # but all three were in the output already
    assert " 0 articles" in report.line(1)
    assert count(out, "SELECT count(*) FROM articles") == 3


# 7b. one writer at a time per output


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the output's lock until it is killed."""
    code = (
        "import sys, time; from nordwire.pipeline.io.lock import output_lock; "
        f"lock = output_lock({str(tmp_path / 'out')!r}, 'nordwire poll'); "
        "print('held', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


def test_a_second_writer_is_refused_with_a_clear_message(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    out = tmp_path / "out"
    with pytest.raises(
        OutputLocked, match=rf"being written by `nordwire poll` \(pid {holder.pid}"
    ):
        output_lock(str(out))
    proc = subprocess.run(
        [sys.executable, "-m", "nordwire.pipeline", "run", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert f"pid {holder.pid}" in proc.stderr and "one writer at a time" in proc.stderr
    assert not (out / "articles").exists()


def test_a_killed_writer_leaves_no_stuck_lock(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    with output_lock(str(tmp_path / "out"), "test") as lock:
        assert lock.held
    assert not lock.held and not (tmp_path / "out" / "_writer.lock").exists()


def test_the_lock_is_free_again_after_a_clean_release(tmp_path: Path) -> None:
    first = OutputLock(str(tmp_path), "first").acquire()
    with pytest.raises(OutputLocked, match="`first`"):
        OutputLock(str(tmp_path), "second").acquire()
    first.release()
    with OutputLock(str(tmp_path), "second"):
        pass
    assert os.listdir(tmp_path) == []
    assert OutputLock("gs://bucket/out").acquire().held is False  # remote: no local lock
