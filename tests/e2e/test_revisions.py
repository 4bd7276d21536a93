"""Corrections end to end: the newest revision of a story through `run` and through `poll`.

The fixtures are one front page at 10:05 and at 11:30 (later lastBuildDate): the same guids and
pubDates, "Jan Erik" corrected to "Jan Eirik" and "kjøper" to "donerer", a third story as it was.
"""

from __future__ import annotations

from pathlib import Path

from nordwire.pipeline.config import parse
from nordwire.pipeline.read.query import run_query
from nordwire.pipeline.runner import run_job

from tests.conftest import FIXTURES
from tests.helpers.cli import nordwire
from tests.helpers.feedserver import feed_server, poll_args, send
from tests.helpers.stories import AGREE
from tests.helpers.tables import rows

BEFORE = FIXTURES / "feeds" / "correction_before.xml"
AFTER = FIXTURES / "feeds" / "correction_after.xml"
ERIK = "NÅ: Jan Erik (24) døde i arbeidsulykke"
EIRIK = "NÅ: Jan Eirik (24) døde i arbeidsulykke"


def run(out: Path, feed: Path) -> str:
    return run_job(parse("run", {"input": [str(feed)], "output": str(out)})).line()


def corrected(out: Path) -> None:
    """What the output must say once both versions have been seen, in either order."""
    assert sorted(rows(out, "SELECT title, revision, date::VARCHAR FROM articles")) == [
        ("Kommunen bygger ny skole på Nordre Li", 1, "2022-10-11"),
        ("Norge donerer luftvern til Ukraina", 2, "2022-10-11"),
        ("NÅ: Jan Eirik (24) døde i arbeidsulykke", 2, "2022-10-11"),
    ]
    history = rows(
        out,
        "SELECT r.revision, r.title, r.changed FROM revisions r JOIN articles a "
        "USING (article_id) WHERE a.title = 'NÅ: Jan Eirik (24) døde i arbeidsulykke' "
        "ORDER BY r.revision",
    )
    assert history == [(1, ERIK, []), (2, EIRIK, ["title", "summary"])]
    assert rows(out, AGREE) == [(0,)]
    people = rows(out, "SELECT list_sort(people) FROM articles WHERE title LIKE 'NÅ:%'")[0][0]
    assert not any("Jan Erik" in p for p in people)


def test_a_correction_through_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, BEFORE)
    assert rows(out, "SELECT title FROM articles WHERE title LIKE 'NÅ:%'") == [(ERIK,)]
    line = run(out, AFTER)
    assert "2 revised" in line and "1 already in the output" in line
    corrected(out)
    # The older front page read again afterwards changes nothing.
    run(out, BEFORE)
    corrected(out)
    # Time travel: the first version is still there to read.
    old = run_query(
        "SELECT title FROM articles WHERE title LIKE 'NÅ:%'", str(out), "csv", as_of="0"
    )
    assert old.splitlines() == ["title", ERIK]
    article_id = rows(out, "SELECT article_id FROM articles WHERE title LIKE 'NÅ:%'")[0][0]
    shown = nordwire("show", "--output", str(out), article_id)
    history = shown.stdout.split("revisions (* current):", 1)[1]
    assert "changed: first seen" in history and "changed: title, summary" in history
    assert history.index(ERIK) < history.index(EIRIK) and "*  2" in history


def test_the_newer_version_first_then_the_older_keeps_the_newer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, AFTER)
    line = run(out, BEFORE)
    assert "3 already in the output" in line
    assert rows(out, "SELECT title FROM articles WHERE title LIKE 'NÅ:%'") == [(EIRIK,)]
    assert rows(out, "SELECT count(*) FROM revisions") == [(3,)]


JSON_BEFORE = FIXTURES / "feeds" / "jsonfeed_correction_before.json"
JSON_AFTER = FIXTURES / "feeds" / "jsonfeed_correction_after.json"


def test_a_json_feed_correction_wins_by_the_same_clock_in_either_order(tmp_path: Path) -> None:
    # The later copy corrects one item with a date_modified and another without one (its clock
    # is then the document's newest item, moved on by a new story); a third is unchanged.
    expected = [
        ("Ferja til Runde innstilt: Per Ohlsen (61) ble liggende på kaia", "updated"),
        ("Kommunen leier det gamle fiskemottaket", "feed_newest"),
        ("Ny barnehage på Eggesbønes åpner i august", "feed_newest"),
        ("Storm ventet på kysten i helgen", "feed_newest"),
    ]
    current = (
        "SELECT a.title, r.clock_basis FROM articles a JOIN revisions r "
        "USING (article_id, revision) ORDER BY 1"
    )
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    run(forward, JSON_BEFORE)
    assert "2 revised" in run(forward, JSON_AFTER)
    run(backward, JSON_AFTER)
    assert "3 already in the output" in run(backward, JSON_BEFORE)  # the older copy: nothing
    for out in (forward, backward):
        assert rows(out, current) == expected
        assert rows(out, AGREE) == [(0,)]
    assert rows(forward, "SELECT revision FROM articles ORDER BY title") == [(2,), (2,), (1,), (1,)]
    changed = rows(forward, "SELECT changed FROM revisions WHERE revision = 2 ORDER BY title")
    assert changed == [(["title", "body"],), (["title", "body"],)]


def test_a_correction_through_poll(tmp_path: Path) -> None:
    out = tmp_path / "out"
    served: list[bytes] = []
    with feed_server() as server:
        server.routes["/feed"] = lambda h: send(
            h, 200, served[-1], {"Content-Type": "application/rss+xml"}
        )
        command = poll_args(server.url("/feed"), out, "--once", "--compact-after", "0")
        lines = []
        for body in (BEFORE.read_bytes(), AFTER.read_bytes(), AFTER.read_bytes()):
            served.append(body)
            proc = nordwire(*command)
            lines.append(next(x for x in proc.stdout.splitlines() if " cycle 1: " in x))
    assert "3 new items, 3 articles (" in lines[0]
    assert "2 new items, 2 articles, 2 revised (" in lines[1]  # the unchanged story is skipped
    assert "0 new items, 0 articles," in lines[2]
    corrected(out)
