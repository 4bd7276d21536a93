"""WriteTables: rows land in Delta tables with Hive partitions, each story once, commits idempotent."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from nordwire.pipeline.compaction import compact
from nordwire.pipeline.io.bundle import bundle_id
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, reject_of, story_of
from nordwire.pipeline.read.query import connect
from nordwire.schemas import articles, quotes
from nordwire.schemas.items import Item, Mention, QuoteMention
from nordwire.schemas.rejects import Reject
from nordwire.schemas.tables import NAMES as TABLES
from nordwire.schemas.tables import TABLES as REGISTRY
from nordwire.schemas.tables import Table
from nordwire.transforms.feed.dates import OSLO
from nordwire.transforms.partition import PARTITION_RE

from tests.conftest import FETCHED
from tests.helpers.stories import finished, write


def versions(output: Path) -> dict[str, int]:
    return {
        t: DeltaTable(str(output / t)).version()
        for t in TABLES
        if (output / t / "_delta_log").is_dir()
    }


def column(output: Path, table: str, name: str) -> list[Any]:
    return sorted(
        DeltaTable(str(output / table)).to_pyarrow_table(columns=[name]).column(name).to_pylist()
    )


@pytest.mark.parametrize("windowed", [False, True])
def test_rows_land_in_delta_tables_under_hive_partitions(tmp_path: Path, windowed: bool) -> None:
    items = [
        finished("a1", "sport", 10),
        finished("a2", "politics", 10),
        finished("a3", "sport", 11),
    ]
    rejects = [Reject(stage="language", reason="not_norwegian", input="f", fetched_at=FETCHED)]
    write(tmp_path, items, rejects, windowed=windowed)
    assert set(versions(tmp_path)) == {
        "articles",
        "rejects",
        "revisions",
    }  # no entity or quote rows
    for path in (tmp_path / "articles").rglob("*.parquet"):
        partition = "/".join(path.relative_to(tmp_path / "articles").parts[:2])
        assert PARTITION_RE.match(partition), path
    sport = DeltaTable(str(tmp_path / "articles")).to_pyarrow_table(
        filters=[("date", "=", date(2024, 3, 10)), ("topic", "=", "sport")]
    )
    assert sport.column("article_id").to_pylist() == ["a1"]
    assert sport.schema.names[: len(articles.SCHEMA.names)] == articles.SCHEMA.names
    assert column(tmp_path, "revisions", "revision") == [1, 1, 1]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("windowed", [False, True])
def test_writing_the_same_rows_again_commits_nothing(tmp_path: Path, windowed: bool) -> None:
    items = [finished("a1", "sport", 10), finished("a2", "sport", 10)]
    write(tmp_path, items, [], windowed=windowed)
    first = versions(tmp_path)
    write(tmp_path, items, [], windowed=windowed)
    assert versions(tmp_path) == first  # no new table version at all
    write(tmp_path, [*items, finished("a3", "sport", 10)], [], windowed=windowed)
    assert versions(tmp_path) == {t: v + 1 for t, v in first.items()}
    assert column(tmp_path, "articles", "article_id") == ["a1", "a2", "a3"]


def test_an_article_seen_again_under_another_topic_is_still_one_row(tmp_path: Path) -> None:
    write(tmp_path, [finished("a1", "sport", 10)], [])
    write(tmp_path, [finished("a1", "politics", 10)], [])
    assert column(tmp_path, "articles", "article_id") == ["a1"]


def test_a_bounded_buffer_commits_every_row_once_in_several_commits(tmp_path: Path) -> None:
    people = (Mention("title", "Jonas Gahr Støre", "PER", 0, 16, 0, "Jonas Gahr Støre"),)
    items = [
        finished(f"a{i}", "sport", 10, title="Jonas Gahr Støre", entities=people) for i in range(7)
    ]
    rejects = [
        Reject(
            stage="language", reason="not_norwegian", input="f", item_index=i, fetched_at=FETCHED
        )
        for i in range(3)
    ]
    write(tmp_path, items, rejects, flush_rows=2)
    assert versions(tmp_path)["articles"] > 0  # committed along the way, not held to the end
    assert column(tmp_path, "articles", "article_id") == [f"a{i}" for i in range(7)]
    assert len(column(tmp_path, "entities", "entity_id")) == 7
    assert len(column(tmp_path, "rejects", "reject_id")) == 3
    before = versions(tmp_path)
    write(tmp_path, items, rejects, flush_rows=2)
    assert versions(tmp_path) == before


def test_a_retried_bundle_is_known_by_its_application_id(tmp_path: Path) -> None:
    stories = [story_of(finished("a1", "sport", 10), OSLO)]
    rejects = [reject_of(Reject("parse", "unparseable", "f", FETCHED), OSLO)]
    first = commit_rows(Tables(str(tmp_path)), [*stories, *rejects])
    assert sum(first.new.values()) == 1 and not first.skipped
    app_id = bundle_id(stories, rejects)
    for table in ("articles", "rejects"):  # the commits that complete the bundle's work
        assert DeltaTable(str(tmp_path / table)).transaction_version(app_id) == 1, table
    again = commit_rows(Tables(str(tmp_path)), [*stories, *rejects])
    assert again.skipped and again.unchanged == 1 and again.rejects_present == 1


def test_a_commit_retried_after_its_claim_keeps_the_story_new_and_its_first_sighting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two writers on one day: the revisions claim lands, the articles commit loses the race,
    # and the retry finds its own claim with no articles row. The story is still new, first
    # seen when its document was built (revisions keep only the fetch time).
    from datetime import UTC, datetime

    from nordwire.pipeline.io import revise

    built = datetime(2024, 3, 10, 13, tzinfo=UTC)
    story = story_of(finished("a1", "sport", 10, newest_item_date=built), OSLO)
    real = revise._articles
    calls = []

    def lose_the_race(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("articles commit lost")
        real(*args)

    monkeypatch.setattr(revise, "_articles", lose_the_race)
    with pytest.raises(RuntimeError):
        commit_rows(Tables(str(tmp_path)), [story])
    retried = commit_rows(Tables(str(tmp_path)), [story])
    assert sum(retried.new.values()) == 1 and not sum(retried.revised.values())
    assert column(tmp_path, "articles", "first_seen_at") == [built]
    assert column(tmp_path, "articles", "revision") == [1]


def test_rejects_are_appended_once_per_reject_id(tmp_path: Path) -> None:
    one = Reject("parse", "unparseable", "f.xml", FETCHED)
    two = Reject("language", "not_norwegian", "g.xml", FETCHED, item_index=3)
    commit_rows(Tables(str(tmp_path)), [reject_of(one, OSLO)])
    out = commit_rows(Tables(str(tmp_path)), [reject_of(one, OSLO), reject_of(two, OSLO)])
    assert out.rejects == {"not_norwegian": 1} and out.rejects_present == 1
    assert column(tmp_path, "rejects", "reject_id") == sorted([one.reject_id, two.reject_id])


def declare_older(patch: pytest.MonkeyPatch, table: str, schema: pa.Schema) -> None:
    """The registry declares `table` with `schema`, as an older nordwire did."""
    entry = REGISTRY[table]

    class Older(Table):
        @property
        def schema(self) -> pa.Schema:
            return schema

    patch.setitem(REGISTRY, table, Older(entry.name, entry.key, entry.row, entry.stats))


def test_a_column_added_later_merges_into_the_table_and_old_rows_read_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first run writes with a declaration that does not have `caption` yet.
    older = articles.SCHEMA.remove(articles.SCHEMA.get_field_index("caption"))
    with monkeypatch.context() as patch:
        declare_older(patch, "articles", older)
        commit_rows(Tables(str(tmp_path)), [story_of(finished("old", "sport", 10), OSLO)])
    assert "caption" not in DeltaTable(str(tmp_path / "articles")).schema().to_arrow().names
    new = finished("new", "sport", 10, caption="Foto: NTB")
    commit_rows(Tables(str(tmp_path)), [story_of(new, OSLO)])
    assert "caption" in pa.schema(DeltaTable(str(tmp_path / "articles")).schema().to_arrow()).names
    rows = (
        connect(str(tmp_path))
        .execute("SELECT article_id, caption FROM articles ORDER BY 1")
        .fetchall()
    )
    assert rows == [("new", "Foto: NTB"), ("old", None)]


def test_a_required_column_added_later_stays_nullable_so_older_files_compact_and_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `kind` came to quotes after outputs existed; declared NOT NULL, it must still be
    # nullable in an older table, or every scan and compaction of the older files fails.
    said = (QuoteMention("body", "Vi må ta grep", 1, 14, "Erna Solberg", "Solberg", "sa"),)
    older = quotes.SCHEMA.remove(quotes.SCHEMA.get_field_index("kind"))
    with monkeypatch.context() as patch:
        declare_older(patch, "quotes", older)
        commit_rows(
            Tables(str(tmp_path)), [story_of(finished("old", "sport", 10, quotes=said), OSLO)]
        )
    commit_rows(Tables(str(tmp_path)), [story_of(finished("new", "sport", 10, quotes=said), OSLO)])
    stored = pa.schema(DeltaTable(str(tmp_path / "quotes")).schema().to_arrow())
    assert stored.field("kind").nullable
    report = compact(str(tmp_path), tables=("quotes",), before="2100-01-01")
    assert report.files_after == 1
    rows = connect(str(tmp_path)).execute("SELECT article_id, kind FROM quotes ORDER BY 1")
    assert rows.fetchall() == [("new", "direct"), ("old", None)]


def test_a_reworded_column_description_still_takes_writes_into_an_older_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An older nordwire described quote_count differently; delta-rs would refuse to merge the
    # two descriptions and every later write into that output would fail.
    at = articles.SCHEMA.get_field_index("quote_count")
    older = articles.SCHEMA.set(
        at, articles.SCHEMA.field(at).with_metadata({"description": "An older wording."})
    )
    with monkeypatch.context() as patch:
        declare_older(patch, "articles", older)
        commit_rows(Tables(str(tmp_path)), [story_of(finished("old", "sport", 10), OSLO)])
    out = commit_rows(Tables(str(tmp_path)), [story_of(finished("new", "sport", 10), OSLO)])
    assert out.new == {"sport": 1}
    assert column(tmp_path, "articles", "article_id") == ["new", "old"]
    stored = pa.schema(DeltaTable(str(tmp_path / "articles")).schema().to_arrow())
    assert stored.field("quote_count").metadata == {b"description": b"An older wording."}


def test_tables_kept_between_pipelines_take_what_another_writer_committed_meanwhile(
    tmp_path: Path,
) -> None:
    # The poller runs a pipeline a cycle and keeps its tables open between them; a run or a
    # second writer may commit to the same output in between.
    def copy(title: str, hours: int) -> Item:
        return finished("a", "sport", 10, title=title, fetched_at=FETCHED + timedelta(hours=hours))

    write(tmp_path, [copy("Jan Erik (24) døde", 0)], [])
    commit_rows(Tables(str(tmp_path)), [story_of(copy("Jan Eirik (24) døde", 1), OSLO)])
    write(
        tmp_path, [copy("Jan Eirik (24) døde i arbeidsulykke", 2), finished("b", "sport", 11)], []
    )
    assert column(tmp_path, "revisions", "revision") == [1, 1, 2, 3]
    assert column(tmp_path, "articles", "title") == [
        "Jan Eirik (24) døde i arbeidsulykke",
        "Sak b",
    ]


def test_a_handle_kept_past_the_log_cleanup_opens_the_table_again(tmp_path: Path) -> None:
    tables = Tables(str(tmp_path))
    commit_rows(tables, [story_of(finished("a", "sport", 10), OSLO)])
    kept = tables["articles"].handle()
    assert kept is not None
    other = Tables(str(tmp_path))
    for name in ("b", "c"):
        commit_rows(other, [story_of(finished(name, "sport", 10), OSLO)])
    # What compact's log cleanup leaves once the kept version is older than the retention.
    DeltaTable(str(tmp_path / "articles")).create_checkpoint()
    for entry in sorted((tmp_path / "articles" / "_delta_log").glob("*.json"))[:-1]:
        entry.unlink()
    assert tables["articles"].handle().version() == other["articles"].handle().version()
    out = commit_rows(tables, [story_of(finished("d", "sport", 10), OSLO)])
    assert out.new == {"sport": 1}
    assert column(tmp_path, "articles", "article_id") == ["a", "b", "c", "d"]
