"""SQL and terminal output against hostile input (issue 27): `show --where` injection, the
sandbox's temporary folder, and ESC/BEL sequences from a feed's bylines, guids and credits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from nordwire.pipeline.cli import main
from nordwire.pipeline.config import parse
from nordwire.pipeline.io.delta import Tables
from nordwire.pipeline.io.sink import commit_rows, story_of
from nordwire.pipeline.read.query import QueryRefused, connect, select
from nordwire.pipeline.runner import run_job
from nordwire.transforms.feed.dates import OSLO

from tests.conftest import make_item
from tests.helpers.tables import write_output

ESCAPES = ("\x1b", "\x07", "\x9b")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_output(tmp_path_factory.mktemp("hostile-queries") / "out", with_state=False)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def count(out: Path) -> int:
    con = connect(str(out))
    try:
        (n,) = select(con, "SELECT count(*) FROM articles").fetchone() or (0,)
        return int(n)
    finally:
        con.close()


# 5. `show --where` runs through the sandbox, as exactly one SELECT


def test_a_copy_through_show_where_writes_nothing(out: Path) -> None:
    before, parquet = count(out), sorted(out.rglob("*.parquet"))
    partition = parquet[0].parent
    where = (
        f"TRUE); COPY (SELECT * EXCLUDE (date, topic) FROM articles) TO "
        f"'{partition / 'evil.parquet'}'; SELECT 1 WHERE (TRUE"
    )
    code, stdout, stderr = cli("show", "--random", "3", "--where", where, "--output", str(out))
    assert code == 2 and stdout.startswith("(random pick")
    assert (
        stderr.startswith("nordwire: error: --where must be one condition")
        and stderr.count("\n") == 1
    ), stderr
    assert sorted(out.rglob("*.parquet")) == parquet and count(out) == before


def test_show_where_still_takes_a_condition(out: Path) -> None:
    code, stdout, stderr = cli(
        "show", "--random", "5", "--where", "source = 'vg.no'", "--seed", "3", "--output", str(out)
    )
    assert code == 0, stderr
    assert stdout.count("source:    vg.no") == 2  # both vg.no articles, nothing else


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; SELECT 2",
        "COPY articles TO 'x.csv'",
        "CREATE TABLE t AS SELECT 1",
        "SET threads = 1",
        "EXPLAIN ANALYZE COPY articles TO 'x.csv'",
    ],
)
def test_select_runs_exactly_one_read_only_statement(out: Path, sql: str) -> None:
    con = connect(str(out))
    try:
        with pytest.raises(QueryRefused):
            select(con, sql)
        assert select(con, "SELECT ? + 1", [41]).fetchone() == (42,)
    finally:
        con.close()


# 6. The sandbox's temporary folder is its own, not `<cwd>/.tmp`


def test_the_working_directory_tmp_folder_cannot_be_read(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / ".tmp" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("token=hunter2\n", "utf-8")
    for path in (".tmp/secret.txt", str(secret)):
        code, stdout, stderr = cli(
            "query", f"SELECT content FROM read_text('{path}')", "--output", str(out)
        )
        assert code == 2 and "hunter2" not in stdout and "disabled" in stderr, stdout + stderr


def test_the_private_temporary_folder_goes_with_the_connection(out: Path) -> None:
    con = connect(str(out))
    (folder,) = con.execute("SELECT current_setting('temp_directory')").fetchone() or ("",)
    assert os.path.isdir(folder) and stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    con.close()
    del con
    assert not os.path.exists(folder)


# 9. Control characters: stripped at parse time, shown escaped on a terminal

FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
    "<channel><title>Avisa</title><link>https://avisa.example.no/</link>"
    "<item><title>Skolen \x1b[1mbygges\x1b[0m ut</title><link>https://avisa.example.no/sak-2701</link>"
    "<guid>sak-\x1b[2J2701</guid><dc:creator>Kari \x1b]0;owned\x07Nordmann</dc:creator>"
    "<category>Innenriks\x07</category><media:content url='https://avisa.example.no/a.jpg'>"
    "<media:credit>Foto: \x1b[8mNTB</media:credit></media:content><description>Kommunestyret "
    "vedtok i kveld at skolen skal bygges ut, og ordføreren sier at arbeidet starter til "
    "høsten.</description></item>"
    "<item><title>Ny bru over fjorden</title><link>https://avisa.example.no/sak-2702</link>"
    "<guid>sak-&#27;[31m2702</guid><author>ola@avisa.example.no (Ola &#x1b;[31mNordmann&#7;)"
    "</author><description>Fylkestinget vedtok i dag at den nye brua over fjorden skal stå "
    "ferdig om tre år, og ordføreren er fornøyd.</description></item></channel></rss>"
)


def test_escape_sequences_are_stripped_at_parse_time(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, "utf-8")
    run_job(parse("run", {"input": [str(feed)], "output": str(tmp_path / "out")}))
    con = connect(str(tmp_path / "out"))
    try:
        rows = select(
            con, "SELECT guid, title, byline, categories, credits FROM articles ORDER BY guid"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("sak-2701", "Skolen bygges ut", "Kari Nordmann", ["Innenriks"], ["NTB"]),
        (
            "sak-2702",
            "Ny bru over fjorden",
            "Ola Nordmann",
            [],
            [],
        ),  # feedparser keeps the name of `email (name)`
    ]


@pytest.fixture(scope="module")
def tainted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An article row written with raw escapes (before this fix, or by another tool)."""
    out = tmp_path_factory.mktemp("tainted")
    item = make_item(
        article_id="esc000",
        identity_basis="guid",
        guid="g\x1b[2J1",
        title="Sak\u202e om bru",
        byline="Kari \x1b]0;owned\x07Nordmann",
        categories=("Innenriks\x07",),
        credits=("Foto: \x1b[8mNTB\x9b",),
        language="nb",
        topic="politics",
    )
    commit_rows(Tables(str(out)), [story_of(item, OSLO)])
    return out


@pytest.mark.parametrize("fmt", ["table", "line", "markdown", "json"])
def test_query_shows_control_characters_escaped(tainted: Path, fmt: str) -> None:
    code, stdout, stderr = cli(
        "query",
        "SELECT guid, title, byline, categories, credits, 'x\x1b[31m' AS \"c\x07\" FROM articles",
        "--output",
        str(tainted),
        "--format",
        fmt,
        "--max-width",
        "0",
    )
    assert code == 0, stderr
    assert not any(c in stdout for c in (*ESCAPES, "\u202e")), repr(stdout)
    escaped = "\\u001b" if fmt == "json" else "\\x1b"
    assert f"Kari {escaped}]0;owned" in stdout, stdout


def test_csv_is_exact_for_tools(tainted: Path) -> None:
    code, stdout, _ = cli(
        "query", "SELECT byline FROM articles", "--output", str(tainted), "--format", "csv"
    )
    assert code == 0 and "Kari \x1b]0;owned\x07Nordmann" in stdout  # not a terminal here


def test_show_shows_control_characters_escaped(tainted: Path) -> None:
    code, stdout, stderr = cli("show", "esc000", "--output", str(tainted))
    assert code == 0, stderr
    assert not any(c in stdout for c in (*ESCAPES, "\u202e")), repr(stdout)
    assert "Kari \\x1b]0;owned\\x07Nordmann" in stdout and "\\x1b[8mNTB\\x9b" in stdout
