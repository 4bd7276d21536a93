"""WriteTables: files land in their Hive partitions, atomically, once."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.transforms.window import FixedWindows
from nordwire.pipeline.io.sink import WriteTables, write_table
from nordwire.schemas import articles
from nordwire.schemas.items import Item, Mention
from nordwire.schemas.rejects import Reject
from nordwire.transforms.dates import OSLO
from nordwire.transforms.partition import PARTITION_RE

from tests.conftest import FETCHED, local_pipeline, make_item


def finished(article_id: str, topic: str, day: int) -> Item:
    return make_item(
        article_id=article_id,
        identity_basis="url",
        title=f"Sak {article_id}",
        language="nb",
        variety="nb",
        topic=topic,
        published_at=datetime(2024, 3, day, 12, tzinfo=UTC),
        date_precision="time",
    )


def write(
    output: Path, items: list[Item], rejects: list[Reject], *, windowed: bool = False, **options: Any
) -> None:
    with local_pipeline() as p:
        a = p | "Items" >> beam.Create(items)
        r = p | "Rejects" >> beam.Create(rejects)
        if windowed:  # a stream: one file set per window and day
            a = a | "WindowItems" >> beam.WindowInto(FixedWindows(3600))
            r = r | "WindowRejects" >> beam.WindowInto(FixedWindows(3600))
        _ = (a, r) | WriteTables(str(output), OSLO, **options)


def files(output: Path) -> list[str]:
    return sorted(str(f.relative_to(output)) for f in output.rglob("*") if f.is_file())


@pytest.mark.parametrize("windowed", [False, True])
def test_files_land_in_partitions_and_no_temp_files_remain(tmp_path: Path, windowed: bool) -> None:
    items = [
        finished("a1", "sport", 10),
        finished("a2", "politics", 10),
        finished("a3", "sport", 11),
    ]
    rejects = [Reject(stage="language", reason="not_norwegian", input="f", fetched_at=FETCHED)]
    write(tmp_path, items, rejects, windowed=windowed)
    written = files(tmp_path)
    assert len(written) == 4
    for path in written:
        table, partition, name = (
            path.split("/", 1)[0],
            "/".join(path.split("/")[1:3]),
            path.rsplit("/", 1)[1],
        )
        assert table in ("articles", "rejects") and PARTITION_RE.match(partition), path
        assert name.startswith("part-") and name.endswith(".parquet"), path
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith((".tmp", ".temp"))]
    sport = pq.read_table(tmp_path / "articles" / "date=2024-03-10" / "topic=sport")
    assert sport.column("article_id").to_pylist() == ["a1"]
    assert sport.schema.names[: len(articles.SCHEMA.names)] == articles.SCHEMA.names


@pytest.mark.parametrize("windowed", [False, True])
def test_writing_the_same_rows_again_adds_nothing(tmp_path: Path, windowed: bool) -> None:
    items = [finished("a1", "sport", 10), finished("a2", "sport", 10)]
    write(tmp_path, items, [], windowed=windowed)
    first = files(tmp_path)
    write(tmp_path, [*items, finished("a3", "sport", 10)], [], windowed=windowed)
    second = files(tmp_path)
    assert set(first) < set(second) and len(second) == len(first) + 1
    ids = pq.read_table(tmp_path / "articles").column("article_id").to_pylist()
    assert sorted(ids) == ["a1", "a2", "a3"]


def test_an_article_seen_again_under_another_topic_is_not_duplicated(tmp_path: Path) -> None:
    write(tmp_path, [finished("a1", "sport", 10)], [])
    write(tmp_path, [finished("a1", "politics", 10)], [])
    assert pq.read_table(tmp_path / "articles").num_rows == 1


def test_a_bounded_buffer_writes_every_row_once_in_several_files(tmp_path: Path) -> None:
    people = (Mention("title", "Jonas Gahr Støre", "PER", 0, 16, 0, "Jonas Gahr Støre"),)
    items = [
        finished(f"a{i}", "sport", 10).evolve(title="Jonas Gahr Støre", entities=people)
        for i in range(7)
    ]
    rejects = [
        Reject(
            stage="language", reason="not_norwegian", input="f", item_index=i, fetched_at=FETCHED
        )
        for i in range(3)
    ]
    write(tmp_path, items, rejects, flush_rows=2)
    day = tmp_path / "articles" / "date=2024-03-10" / "topic=sport"
    assert len(list(day.iterdir())) > 1  # flushed along the way, not held to the end
    ids = pq.read_table(tmp_path / "articles").column("article_id").to_pylist()
    assert sorted(ids) == [f"a{i}" for i in range(7)]
    assert pq.read_table(tmp_path / "entities").num_rows == 7
    assert pq.read_table(tmp_path / "rejects").num_rows == 3
    before = files(tmp_path)
    write(tmp_path, items, rejects, flush_rows=2)
    assert files(tmp_path) == before


def test_write_table_is_deterministic(tmp_path: Path) -> None:
    rows = [articles.to_row(finished(i, "sport", 10), "test") for i in ("b", "a")]
    one = write_table(str(tmp_path / "x"), rows, articles.SCHEMA, "article_id")
    two = write_table(str(tmp_path / "x"), list(reversed(rows)), articles.SCHEMA, "article_id")
    assert one == two and len(list((tmp_path / "x").iterdir())) == 1
    assert pq.read_table(one).column("article_id").to_pylist() == ["a", "b"]


def test_a_failed_write_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apache_beam.io.filesystems import FileSystems

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystems, "rename", disk_full)
    rows = [articles.to_row(finished("a", "sport", 10), "test")]
    with pytest.raises(OSError, match="No space left"):
        write_table(str(tmp_path / "x"), rows, articles.SCHEMA, "article_id")
    assert list((tmp_path / "x").iterdir()) == []


def test_a_run_that_died_mid_write_is_completed_by_the_next_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nordwire.pipeline.io.sink as sink

    items = [finished(f"a{i}", "sport", 10 + i % 3) for i in range(9)]
    real, calls = sink.write_table, []

    def dies_on_the_fourth_file(*args: Any, **kwargs: Any) -> str:
        calls.append(args[0])
        if len(calls) == 4:
            raise OSError(errno.EIO, "I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(sink, "write_table", dies_on_the_fourth_file)
    with pytest.raises(Exception, match="I/O error"):
        write(tmp_path, items, [], flush_rows=2)
    partial = pq.read_table(tmp_path / "articles").column("article_id").to_pylist()
    assert 0 < len(partial) < 9
    monkeypatch.setattr(sink, "write_table", real)
    write(tmp_path, items, [], flush_rows=2)
    ids = pq.read_table(tmp_path / "articles").column("article_id").to_pylist()
    assert sorted(ids) == sorted(f"a{i}" for i in range(9))
