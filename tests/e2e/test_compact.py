"""`nordwire compact`: fewer files, every row once, through kills, readers and writers at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from nordwire.pipeline import compaction
from nordwire.pipeline.compaction import Partition, compact, due_partitions, parquet_files
from nordwire.pipeline.io.lock import write_lock
from nordwire.pipeline.io.sink import write_table
from nordwire.schemas import PIPELINE_VERSION, articles

from tests.conftest import ROOT, make_item

STEPS = ["staged", "planned", "half-swapped", "swapped", "rescued", "old-deleted"]


def article_row(n: int, day: int = 10) -> dict[str, object]:
    item = make_item(
        article_id=f"id{n:05d}",
        identity_basis="url",
        title=f"Sak {n}",
        language="nb",
        variety="nb",
        topic="sport",
        published_at=datetime(2024, 3, day, 12, tzinfo=UTC),
        date_precision="time",
    )
    return articles.to_row(item, PIPELINE_VERSION)


def small_files(output: Path, first: int, files: int, rows: int = 2, topic: str = "sport") -> int:
    """`files` files of `rows` articles each into one partition, as a poller's cycles would."""
    folder = output / "articles" / "date=2024-03-10" / f"topic={topic}"
    n = first
    for _ in range(files):
        with write_lock(str(output)):
            write_table(
                str(folder),
                [article_row(i) for i in range(n, n + rows)],
                articles.SCHEMA,
                "article_id",
            )
        n += rows
    return n


def ids(output: Path) -> list[str]:
    """Every article_id a reader sees, with repeats."""
    pattern = str(output / "articles" / "**" / "*.parquet")
    if not any((output / "articles").rglob("*.parquet")):
        return []
    con = duckdb.connect()
    try:
        return [
            r[0]
            for r in con.execute(
                f"SELECT article_id FROM read_parquet('{pattern}', hive_partitioning = true)"
            ).fetchall()
        ]
    finally:
        con.close()


def leftovers(output: Path) -> list[str]:
    work = output / compaction.WORK / "work"
    return sorted(str(p) for p in work.rglob("*")) if work.exists() else []


def test_many_files_become_one_per_partition_with_every_row_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_files(out, 0, 30)
    small_files(out, 1000, 5, topic="politics")
    before = sorted(ids(out))
    report = compact(str(out))
    assert report.partitions == 2 and report.files_before == 35 and report.files_after == 2
    assert report.rows == 70 and report.duplicates_dropped == 0
    assert sorted(ids(out)) == before
    for topic in ("sport", "politics"):
        files = parquet_files(out / "articles" / "date=2024-03-10" / f"topic={topic}")
        assert len(files) == 1 and files[0].name.startswith("compact-")
    assert leftovers(out) == []
    again = compact(str(out))  # idempotent: nothing left to do
    assert again.partitions == 0 and again.already_compact == 2


def test_target_size_splits_a_large_partition(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_files(out, 0, 20, rows=50)
    size = sum(p.stat().st_size for p in (out / "articles").rglob("*.parquet"))
    report = compact(str(out), target_bytes=size // 3)
    assert report.files_after == 3
    assert sorted(ids(out)) == [f"id{i:05d}" for i in range(1000)]


def test_repeated_keys_are_kept_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / "articles" / "date=2024-03-10" / "topic=sport"
    # Two writers that raced before the output lock existed: the same article in two files.
    write_table(str(folder), [article_row(1), article_row(2)], articles.SCHEMA, "article_id")
    write_table(str(folder), [article_row(2), article_row(3)], articles.SCHEMA, "article_id")
    report = compact(str(out))
    assert report.duplicates_dropped == 1
    assert sorted(ids(out)) == ["id00001", "id00002", "id00003"]


class Killed(BaseException):
    """Plays a process that dies at a step (BaseException: no `except Exception` catches it)."""


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
@pytest.mark.parametrize("step", STEPS)
def test_killed_at_any_step_loses_and_repeats_nothing(
    tmp_path: Path, step: str, exchange: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exchange:
        monkeypatch.setattr(compaction, "_exchange", lambda a, b: False)
    if exchange and step == "half-swapped":
        pytest.skip("an atomic exchange has no half-swapped moment")
    out = tmp_path / "out"
    small_files(out, 0, 12)
    expected = sorted(ids(out))

    def die(at: str) -> None:
        if at == step:
            raise Killed(at)

    with pytest.raises(Killed):
        compact(str(out), hook=die)
    seen = ids(out)
    # A reader at the moment of the kill never sees a row twice; it misses rows only while
    # the partition is between the two renames.
    assert len(seen) == len(set(seen))
    if step != "half-swapped":
        assert sorted(seen) == expected
    report = compact(str(out))  # the next run finishes or undoes the killed one, then compacts
    assert sorted(ids(out)) == expected
    assert len(parquet_files(out / "articles" / "date=2024-03-10" / "topic=sport")) == 1
    assert leftovers(out) == []
    assert report.recovered == (1 if step in STEPS[1:] else 0)


_KILLER = """
import os, signal, sys
from nordwire.pipeline import compaction as c
def hook(at):
    if at == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)
if sys.argv[3] == "two-renames":
    c._exchange = lambda a, b: False
c.compact(sys.argv[1], hook=hook)
"""


@pytest.mark.parametrize("step", ["planned", "half-swapped", "rescued"])
def test_kill_9_mid_compaction_then_resumed(tmp_path: Path, step: str) -> None:
    out = tmp_path / "out"
    small_files(out, 0, 10)
    expected = sorted(ids(out))
    mode = "two-renames" if step == "half-swapped" else "renameat2"
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, str(out), step, mode], cwd=ROOT, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL
    assert leftovers(out)  # the killed run left its work behind
    resumed = subprocess.run(
        [sys.executable, "-m", "nordwire.pipeline", "compact", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "recovered 1 interrupted compactions" in resumed.stdout
    assert sorted(ids(out)) == expected and leftovers(out) == []
    assert len(parquet_files(out / "articles" / "date=2024-03-10" / "topic=sport")) == 1


def test_a_reader_during_compaction_never_sees_a_row_twice_or_misses_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    total = small_files(out, 0, 10)
    done = threading.Event()
    counts: list[tuple[int, int]] = []
    errors: list[str] = []

    def read() -> None:
        while not done.is_set():
            try:
                seen = ids(out)
            except duckdb.Error as exc:  # a file listed, then swapped away before it was opened
                errors.append(str(exc))
                continue
            counts.append((len(seen), len(set(seen))))

    reader = threading.Thread(target=read)
    reader.start()
    written = [total]
    try:
        for _ in range(15):  # rounds of new small files, then a compaction of all of them
            written.append(small_files(out, written[-1], 3))
            compact(str(out))
    finally:
        done.set()
        reader.join()
    assert counts, "the reader never finished a read"
    assert all(rows == distinct for rows, distinct in counts)  # never a row twice
    # Rows only ever arrive: a count below the first total would be a row missed.
    assert all(written[0] <= rows <= written[-1] for rows, _ in counts)
    assert sorted(ids(out)) == [f"id{i:05d}" for i in range(written[-1])]


def test_a_poll_during_compaction_loses_nothing(tmp_path: Path) -> None:
    from tests.helpers.feedserver import feed_server, poll_command, rss, send

    out = tmp_path / "out"
    small_files(out, 0, 10)
    items: list[tuple[str, str]] = []
    with feed_server() as server:

        def serve(h: object) -> None:
            send(h, 200, rss(items))  # type: ignore[arg-type]

        server.routes["/feed"] = serve
        stop = threading.Event()

        def compact_repeatedly() -> None:
            n = 20_000
            while not stop.is_set():
                n = small_files(out, n, 2)
                compact(str(out))

        compactor = threading.Thread(target=compact_repeatedly)
        compactor.start()
        try:
            for cycle in range(3):
                items.extend((f"sak-{cycle}-{i}", f"Sak {cycle} {i}") for i in range(4))
                run = subprocess.run(
                    [*poll_command(server.url("/feed"), out, "--once"), "--compact-after", "0"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=180,
                )
                assert run.returncode == 0, run.stdout + run.stderr
        finally:
            stop.set()
            compactor.join()
    con = duckdb.connect()
    pattern = str(out / "articles" / "**" / "*.parquet")
    rows = con.execute(
        f"SELECT count(*), count(DISTINCT article_id), count(*) FILTER (WHERE title LIKE 'Sak %') "
        f"FROM read_parquet('{pattern}', hive_partitioning = true) WHERE date = DATE '2024-03-11'"
    ).fetchone()
    assert rows == (12, 12, 12)
    everything = ids(out)
    assert len(everything) == len(set(everything))


def test_the_sink_still_skips_rows_already_written_after_compaction(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    from tests.helpers.feedserver import rss

    for n in range(4):  # four runs, four files per partition
        (inputs / f"f{n}.xml").write_bytes(
            rss([(f"sak-{n}-{i}", f"Sak {n} {i}") for i in range(3)])
        )
    out = tmp_path / "out"
    base = [sys.executable, "-m", "nordwire.pipeline"]
    for n in range(4):
        subprocess.run(
            [*base, "run", "--input", str(inputs / f"f{n}.xml"), "--output", str(out), "--quiet"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=180,
        )
    before = sorted(ids(out))
    squeezed = subprocess.run(
        [*base, "compact", "--output", str(out), "--before", "tomorrow", "--table", "articles"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert squeezed.returncode == 0, squeezed.stderr
    partitions = [p for p in (out / "articles").glob("date=*/topic=*")]
    assert partitions and all(len(parquet_files(p)) == 1 for p in partitions), squeezed.stdout
    again = subprocess.run(
        [*base, "run", "--input", str(inputs), "--output", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "12 already in the output" in again.stdout, again.stdout
    assert sorted(ids(out)) == before and len(before) == 12


def test_due_partitions_rolls_by_age(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small_files(out, 0, 3)
    part = Partition("articles", "2024-03-10", "sport")
    newest = max(p.stat().st_mtime for p in parquet_files(out / part.relative))
    assert due_partitions(str(out), 3600, newest) == []  # younger than an hour: left to grow
    assert due_partitions(str(out), 3600, newest + 7200) == [part]
    compact(str(out), [part])
    assert due_partitions(str(out), 3600, newest + 7200) == []  # one compacted file: done


def test_compact_cli_refuses_remote_and_bad_partitions(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "nordwire.pipeline", "compact"]
    remote = subprocess.run(
        [*base, "--output", "gs://b/out"], cwd=ROOT, capture_output=True, text=True
    )
    assert remote.returncode == 2 and "local (or mounted) --output" in remote.stderr
    (tmp_path / "out").mkdir()
    bad = subprocess.run(
        [*base, "--output", str(tmp_path / "out"), "--partition", "topic=sport"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "expected date=YYYY-MM-DD" in bad.stderr
