"""`nordwire show` over a batch run of the feed-layout fixtures, and one story id in batch and poller."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from nordwire.pipeline.cli import main
from nordwire.pipeline.cli.show import render_article
from nordwire.pipeline.config import parse
from nordwire.pipeline.poller.cycles import identify
from nordwire.pipeline.poller.state import PollerState
from nordwire.pipeline.runner import run_job
from nordwire.schemas.items import RawDocument
from nordwire.transforms.revisions import raw_digest

from tests.conftest import FIXTURES
from tests.helpers.tables import rows

FEEDS = FIXTURES / "feeds"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = tmp_path_factory.mktemp("feeds")
    for name in ("story_poll1.xml", "story_poll2.xml", "caption_only.xml", "conflict.xml"):
        shutil.copy(FEEDS / name, inputs / name)
    out = tmp_path_factory.mktemp("out")
    run_job(parse("run", {"input": [str(inputs)], "output": str(out)}))
    return out


def test_a_batch_writes_one_row_per_story(run: Path) -> None:
    fire = rows(run, "SELECT title FROM articles WHERE url LIKE '%77305439%'")
    assert len(fire) == 1
    live = rows(run, "SELECT count(*) FROM articles WHERE url LIKE '%77305500?post=%'")
    assert live == [(2,)]
    dupes = rows(run, "SELECT count(*) FROM rejects WHERE reason = 'duplicate'")
    assert dupes == [(1,)]


def test_a_conflict_file_keeps_each_outlet_apart(run: Path) -> None:
    found = rows(
        run,
        "SELECT source, count(*) FROM articles WHERE input LIKE '%conflict%' GROUP BY 1 ORDER BY 1",
    )
    assert found == [("nordlandsnytt.no", 2), ("vestkysten.no", 1)]
    (detail,) = rows(run, "SELECT detail FROM rejects WHERE reason = 'conflict_markers'")
    assert "conflict" in str(detail[0])


def test_show_prints_fields_with_their_bases(run: Path) -> None:
    (article_id,) = rows(run, "SELECT article_id FROM articles WHERE title LIKE 'Flere søkere%'")[0]
    result = CliRunner().invoke(main, ["show", str(article_id), "--output", str(run)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Flere søkere til politiutdanningen" in text
    assert "source:    kystavisa.no  (feed: Kystavisa)" in text
    assert "basis published" in text and "partition: date=2022-10-11" in text
    assert "caption:   Arkivbilde av Politihøgskolen i Oslo." in text
    assert "credits:   Ola Nordmann / NTB" in text
    assert "body:      -" in text


def test_show_random_with_a_condition_and_a_seed_is_repeatable(run: Path) -> None:
    args = ["show", "--random", "2", "--where", "source = 'fjordposten.no'", "--seed", "7"]
    first = CliRunner().invoke(main, [*args, "--output", str(run)])
    again = CliRunner().invoke(main, [*args, "--output", str(run)])
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    assert first.output.count("source:    fjordposten.no") == 2
    assert "kystavisa" not in first.output


def test_show_says_what_is_wrong() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["show", "--output", "/nonexistent"]).exit_code != 0
    missing = runner.invoke(main, ["show", "ffff", "--output", str(FEEDS)])
    assert missing.exit_code != 0 and "no article" in missing.output


def test_render_article_groups_entities_and_lists_quotes_and_dates() -> None:
    article = {
        "article_id": "abc",
        "identity_basis": "url",
        "title": "Tittel",
        "source": "nrk.no",
        "published_at": datetime(2022, 10, 11, 7, 15, tzinfo=UTC),
        "date_precision": "time",
        "date_basis": "channel",
        "date": "2022-10-11",
        "topic": "politics",
        "language": "nb",
        "language_confidence": 0.93,
        "body": "Ord " * 400,
        "dates": [{"text": "i går", "value": "2022-10-10", "precision": "day", "field": "body"}],
    }
    entities = [
        {"label": "PER", "text": "Støre", "normalised": "Jonas Gahr Støre"},
        {"label": "PER", "text": "Jonas Gahr Støre", "normalised": "Jonas Gahr Støre"},
        {"label": "LOC", "text": "Oslo", "normalised": "Oslo"},
    ]
    quotes = [
        {"quote": "Vi må handle nå", "speaker": "Jonas Gahr Støre", "speaker_raw": "Støre"},
        {"quote": "prisene stiger", "speaker": "SSB", "speaker_raw": "SSB", "kind": "reported"},
    ]
    text = render_article(article, entities, quotes)
    assert "2022-10-11 09:15 Europe/Oslo (07:15 UTC)  precision time, basis channel" in text
    assert "  PER      Jonas Gahr Støre (Støre)" in text and "  LOC      Oslo" in text
    assert "«Vi må handle nå» — Jonas Gahr Støre (as «Støre»)" in text
    assert "(reported) prisene stiger — SSB" in text and "«prisene" not in text
    assert "i går" in text and "2022-10-10 (day, body)" in text
    assert "nb, confidence 0.93" in text
    assert max(len(line) for line in text.splitlines()) <= 100  # long text is shortened


def test_the_poller_knows_a_story_it_saw_under_its_permalink(tmp_path: Path) -> None:
    fetched = datetime(2022, 10, 11, 9, 0, tzinfo=UTC)
    url = "https://www.fjordposten.no/rss"
    first, _ = identify([RawDocument(url, (FEEDS / "story_poll1.xml").read_bytes(), fetched)])
    state = PollerState(tmp_path)
    try:
        seen = [(i.article_id or "", raw_digest(i)) for i in first]
        state.commit([], seen, [], fetched, timedelta(days=30))
        later = fetched + timedelta(hours=2)
        second, _ = identify([RawDocument(url, (FEEDS / "story_poll2.xml").read_bytes(), later)])
        fresh = state.unseen(i.article_id or "" for i in second)
    finally:
        state.close()
    assert [i.title_raw for i in second if i.article_id in fresh] == ["Ny sak om skolen"]
    # The story under its new headline is no new id, but its content changed: a revision.
    again = PollerState(tmp_path)
    try:
        changed = again.changed((i.article_id or "", raw_digest(i)) for i in second)
    finally:
        again.close()
    assert sorted(i.title_raw for i in second if i.article_id in changed) == [
        "Ny sak om skolen",
        "Storbrann i sentrum: fem evakuert",
    ]
