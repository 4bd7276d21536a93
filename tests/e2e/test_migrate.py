"""`nordwire migrate`: a plain Parquet output of an older nordwire becomes Delta tables, in place."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from nordwire.pipeline import migrate
from nordwire.pipeline.cli import main
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.pipeline.read.query import connect
from nordwire.schemas import PIPELINE_VERSION, articles, entities, quotes
from nordwire.transforms.feed.dates import OSLO
from nordwire.transforms.revisions import first_version

from tests.helpers.stories import AGREE
from tests.helpers.tables import ITEMS

NEW = {"revision", "first_seen_at", "revised_at", "content_hash"}


def old_output(out: Path) -> Path:
    """The six articles of tests/helpers/tables.py as the Parquet-only writer left them."""
    for item in ITEMS:
        assert item.published_at is not None
        folder = f"date={item.published_at.date().isoformat()}/topic={item.topic}"
        version = first_version(item)
        for table, schema, rows in (
            ("articles", articles.SCHEMA, [articles.to_row(item, PIPELINE_VERSION, version)]),
            (
                "entities",
                entities.SCHEMA,
                entities.to_rows(item, PIPELINE_VERSION, version.content_hash),
            ),
            ("quotes", quotes.SCHEMA, quotes.to_rows(item, PIPELINE_VERSION, version.content_hash)),
        ):
            if not rows:
                continue
            old = pa.schema([f for f in schema if f.name not in NEW])
            (out / table / folder).mkdir(parents=True, exist_ok=True)
            pq.write_table(
                pa.Table.from_pylist(rows, schema=old), out / table / folder / "part-0.parquet"
            )
    return out


def test_a_plain_output_is_refused_until_migrated_then_reads_the_same(tmp_path: Path) -> None:
    out = old_output(tmp_path / "out")
    refused = CliRunner().invoke(main, ["query", "SELECT 1", "--output", str(out)])
    assert refused.exit_code == 2 and "nordwire migrate --output" in refused.output
    result = CliRunner().invoke(main, ["migrate", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "articles: 6 files converted into a Delta table" in result.output
    con = connect(str(out))
    assert con.execute(
        "SELECT count(*), min(revision), max(revision) FROM articles"
    ).fetchone() == (
        6,
        1,
        1,
    )
    assert con.execute("SELECT count(*) FROM revisions").fetchone() == (6,)
    assert con.execute("SELECT count(*) FROM entities").fetchone() == (12,)
    assert con.execute(AGREE).fetchone() == (0,)
    old_files = list(out.rglob("part-0.parquet"))
    assert old_files == [] and not (out / "_migrate").exists()
    again = CliRunner().invoke(main, ["migrate", "--output", str(out)])
    assert again.exit_code == 0 and "articles: already a Delta table" in again.output
    # The same input written again is recognised: its content hash is the migrated one.
    out_come = commit_rows(Tables(str(out)), [story_of(item, OSLO) for item in ITEMS])
    assert out_come.unchanged == 6 and not out_come.new and not out_come.revised


def test_a_killed_migration_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = old_output(tmp_path / "out")
    real = migrate._create

    def dies_at_entities(output: str, table: str, reader: pa.RecordBatchReader) -> None:
        if table == "entities":
            raise OSError(28, "No space left on device")
        real(output, table, reader)

    monkeypatch.setattr(migrate, "_create", dies_at_entities)
    failed = CliRunner().invoke(main, ["migrate", "--output", str(out)])
    assert failed.exit_code == 1
    assert failed.output == (
        "nordwire: error: migration stopped: the disk is full; free space and run it again "
        "(nothing is lost)\n"
    )
    assert (out / "articles" / "_delta_log").is_dir() and (
        out / "_migrate" / "entities.json"
    ).exists()
    monkeypatch.undo()
    finished = CliRunner().invoke(main, ["migrate", "--output", str(out)])
    assert finished.exit_code == 0, finished.output
    assert "articles: already a Delta table" in finished.output
    assert "entities: 6 files converted into a Delta table" in finished.output
    con = connect(str(out))
    assert con.execute("SELECT count(*) FROM entities").fetchone() == (12,)
    assert con.execute(AGREE).fetchone() == (0,)
