"""`nordwire query`, `tables` and `schema` as a user runs them, and the read-only sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from nordwire.pipeline.cli import main
from nordwire.pipeline.cli import query as query_cli

from tests.helpers.tables import write_output


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_output(tmp_path_factory.mktemp("query") / "out")


def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def copy_of(out: Path, tmp_path: Path) -> Path:
    """A copy of the shared output that a test may damage."""
    return Path(shutil.copytree(out, tmp_path / "out"))


def count(out: Path) -> int:
    code, stdout, _ = cli(
        "query", "SELECT count(*) AS n FROM articles", "--output", str(out), "--format", "json"
    )
    assert code == 0
    return int(json.loads(stdout)[0]["n"])


def test_the_table_registry_is_whole_and_costs_no_import() -> None:
    import subprocess
    import sys

    from nordwire.schemas.tables import TABLES

    for name, table in TABLES.items():  # each declared in schemas/<name>.py, key a column
        assert table.key in table.schema.names and table.version >= 1, name
        assert not table.stats or table.stats in table.schema.names, name
    # Naming the tables (the CLI's choices) imports no pyarrow: a fresh process proves it.
    code = "import sys, nordwire.schemas.tables; print('pyarrow' in sys.modules)"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "False"


def test_cli_choices_match_the_modules() -> None:
    from nordwire.pipeline.read import render
    from nordwire.schemas import reference

    assert query_cli.FORMATS == render.FORMATS and query_cli.DEFAULT_WIDTH == render.DEFAULT_WIDTH
    assert query_cli.SCHEMA_FORMATS == reference.SCHEMA_FORMATS


def test_sql_from_stdin_and_from_a_file(out: Path, tmp_path: Path) -> None:
    code, stdout, _ = cli(
        "query",
        "-",
        "--output",
        str(out),
        "--format",
        "csv",
        stdin="SELECT count(*) AS n FROM quotes\n",
    )
    assert code == 0 and stdout.splitlines() == ["n", "2"]
    script = tmp_path / "q.sql"
    script.write_text("SELECT 1 AS a;\n-- a comment\nSELECT count(*) AS n FROM rejects;\n", "utf-8")
    code, stdout, _ = cli("query", "--file", str(script), "--output", str(out), "--format", "csv")
    assert code == 0 and stdout.split("\n\n") == ["a\n1", "n\n2\n"]


def test_renamed_offsets_need_no_quoting(out: Path) -> None:
    code, stdout, _ = cli(
        "query",
        "SELECT e.text, substr(a.body, e.char_start + 1, e.char_end - e.char_start) AS span "
        "FROM entities e JOIN articles a USING (article_id) ORDER BY 1",
        "--output", str(out), "--format", "json",
    )  # fmt: skip
    rows = json.loads(stdout)
    assert code == 0 and rows and all(r["text"] == r["span"] for r in rows)


def test_table_view_rounds_floats_and_cuts_at_max_width(out: Path) -> None:
    sql = "SELECT language_confidence, body FROM articles LIMIT 1"
    _, table, _ = cli("query", sql, "--output", str(out))
    assert "0.9123 " in table and "0.91234567" not in table
    assert "…" in table and max(len(line) for line in table.splitlines()) < 100
    _, wide, _ = cli("query", sql, "--output", str(out), "--max-width", "0")
    assert "til NRK." in wide
    _, exact, _ = cli("query", sql, "--output", str(out), "--format", "json")
    assert json.loads(exact)[0]["language_confidence"] != 0.9123  # machine formats stay exact


def test_line_and_markdown_formats(out: Path) -> None:
    sql = "SELECT title, 'a|b' AS pipe, 'x' || chr(10) || 'y' AS two_lines FROM articles ORDER BY title LIMIT 1"
    _, line, _ = cli("query", sql, "--output", str(out), "--format", "line")
    assert line.splitlines()[:3] == ["    title = Sak 0", "     pipe = a|b", "two_lines = x"]
    assert line.splitlines()[3] == "y"
    _, markdown, _ = cli("query", sql, "--output", str(out), "--format", "markdown")
    assert markdown.splitlines() == [
        "| title | pipe | two_lines |",
        "| --- | --- | --- |",
        "| Sak 0 | a\\|b | x↵y |",
    ]


def test_no_sql_runs_the_shell_on_piped_input(out: Path) -> None:
    script = ".mode csv\nSELECT source, count(*) AS n\n  FROM articles GROUP BY 1 ORDER BY 1;\n.tables\nCOPY articles TO 'x.csv';\n.quit\nSELECT 'not reached';\n"
    code, stdout, _ = cli("query", "--output", str(out), stdin=script)
    assert code == 0
    assert stdout.startswith("source,n\nnrk.no,3\nntb,1\nvg.no,2\n")
    assert "articles,0,6,6,6," in stdout  # .tables: version, rows, partitions, files
    assert "error: COPY statements are not run" in stdout and "not reached" not in stdout


def test_tables_command(out: Path) -> None:
    code, stdout, _ = cli("tables", "--output", str(out), "--format", "json")
    stats = {r["table"]: r for r in json.loads(stdout)}
    assert code == 0 and stats["articles"]["rows"] == 6 and stats["articles"]["files"] == 6
    assert stats["articles"]["partitions"] == 6 and stats["articles"]["bytes"] > 0
    assert stats["rejects"]["first_date"] == "2024-03-12" and stats["quotes"]["rows"] == 2


def test_schema_command_formats() -> None:
    code, text, _ = cli("schema", "entities")
    assert code == 0 and text.startswith("entities (schema version 3)")
    assert "char_start" in text and "Character offset" in text
    doc = json.loads(cli("schema", "quotes", "--format", "json")[1])
    assert [c["name"] for c in doc["columns"]][-2:] == ["date", "topic"]
    bq = json.loads(cli("schema", "articles", "--format", "bigquery")[1])
    assert {"name", "type", "mode", "description"} <= set(bq[0])
    assert cli("schema", "nosuch")[0] == 2


def test_every_inspect_command_has_examples_in_its_help() -> None:
    for command in (["query"], ["tables"], ["schema"], ["report"], ["feeds", "status"], ["detect"]):
        _, stdout, _ = cli(*command, "--help")
        assert "Examples:" in stdout, command
        assert f"nordwire {' '.join(command)}" in stdout.split("Examples:")[1], command


# --- the sandbox (issue 19, point 9) --------------------------------------------------------


def _refused(out: Path, sql: str) -> str:
    code, _, stderr = cli("query", sql, "--output", str(out))
    assert code == 2, sql
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr


def test_copy_to_a_file_is_refused(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "leak.csv"
    assert "COPY statements are not run" in _refused(out, f"COPY articles TO '{target}'")
    assert not target.exists()


def test_copy_into_a_partition_cannot_poison_a_table(out: Path) -> None:
    before = count(out)
    partition = out / "articles" / "date=2024-03-10" / "topic=politics" / "evil.parquet"
    _refused(out, f"COPY (SELECT * FROM articles) TO '{partition}' (FORMAT parquet)")
    _refused(
        out, f"EXPLAIN ANALYZE COPY (SELECT * FROM articles) TO '{partition}' (FORMAT parquet)"
    )
    assert not partition.exists() and count(out) == before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('/etc/shadow')",
        "SELECT * FROM read_parquet('{out}/../elsewhere/*.parquet')",
        "SELECT * FROM glob('/etc/*')",
    ],
)
def test_files_outside_the_output_cannot_be_read(out: Path, sql: str) -> None:
    stderr = _refused(out, sql.format(out=out))
    assert "Permission Error" in stderr or "disabled" in stderr


def test_attach_install_and_settings_are_refused(out: Path, tmp_path: Path) -> None:
    assert "ATTACH statements are not run" in _refused(out, f"ATTACH '{tmp_path / 'x.duckdb'}'")
    assert not (tmp_path / "x.duckdb").exists()
    _refused(out, "INSTALL httpfs")
    _refused(out, "LOAD httpfs")
    _refused(out, "SET enable_external_access = true")
    _refused(out, "CREATE TABLE t AS SELECT 1")


def test_the_sandbox_holds_below_the_statement_check(out: Path) -> None:
    # Even a statement that got past the check could not widen the rights: DuckDB is locked.
    import duckdb
    from nordwire.pipeline.read.query import connect

    con = connect(str(out))
    try:
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_text('/etc/passwd')")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("INSTALL httpfs")
    finally:
        con.close()


def test_unrestricted_gives_the_users_rights_back(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    code, _, stderr = cli(
        "query",
        f"COPY (SELECT source FROM articles) TO '{target}'",
        "--output",
        str(out),
        "--unrestricted",
    )
    assert code == 0, stderr
    assert target.read_text("utf-8").splitlines()[0] == "source"


def at_the_prompt(
    out: Path, monkeypatch: pytest.MonkeyPatch, typed: list[str | type[BaseException]]
) -> tuple[str, list[str]]:
    """The interactive shell fed `typed` as a person types it (an exception type: a key such as
    Ctrl-C); what the screen shows, and the prompts it showed."""
    import io

    from nordwire.pipeline.read.shell import Shell

    prompts: list[str] = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        if not typed:
            raise EOFError
        got = typed.pop(0)
        if isinstance(got, str):
            return got
        raise got()

    monkeypatch.setattr("builtins.input", fake_input)
    screen = io.StringIO()
    shell = Shell(str(out))
    try:
        shell.loop(io.StringIO(), screen, interactive=True)
    finally:
        shell.close()
    return screen.getvalue(), prompts


def test_the_interactive_shell_prompts_and_keeps_going_after_an_error(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, prompts = at_the_prompt(
        out,
        monkeypatch,
        [
            "SELECT count(*)",
            "  AS n FROM articles;",
            "SELEKT 1;",
            ".maxwidth 5",
            "SELECT 'abcdefgh' AS s;",
            ".schema nosuch",
        ],
    )
    assert prompts[:3] == ["nordwire> ", "      ...> ", "nordwire> "]
    assert (
        "\n6\n(1 row)" in text and 'error: Parser Error: syntax error at or near "SELEKT"' in text
    )
    assert "abcd…" in text and "unknown table 'nosuch'" in text


def test_ctrl_c_in_the_shell_drops_the_line_and_the_shell_goes_on(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, _ = at_the_prompt(
        out,
        monkeypatch,
        [
            "SELECT 'half a",
            KeyboardInterrupt,  # Ctrl-C in the middle of a statement
            KeyboardInterrupt,  # and at an empty prompt
            "SELECT count(*) AS n FROM articles;",
        ],
    )
    assert text.count("^C") == 2 and "\n6\n(1 row)" in text and "error" not in text


def test_a_statement_opens_only_the_tables_it_names(out: Path, tmp_path: Path) -> None:
    broken = copy_of(out, tmp_path)
    (broken / "rejects" / "_delta_log" / "00000000000000000000.json").write_text("garbage\n")
    assert count(broken) == 6  # articles never reads the rejects table's log
    code, _, stderr = cli("query", "SELECT count(*) FROM rejects", "--output", str(broken))
    assert code == 2 and "rejects table's Delta log cannot be read" in stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    code, _, stderr = cli("tables", "--output", str(broken))
    assert code == 2 and "rejects" in stderr


def test_show_tables_still_lists_every_view(out: Path) -> None:
    from nordwire.schemas.tables import TABLES

    code, stdout, _ = cli("query", "SHOW TABLES", "--output", str(out), "--format", "json")
    assert code == 0
    assert set(TABLES) <= {row["name"] for row in json.loads(stdout)}


def test_tables_counts_from_the_log_are_what_the_views_hold(out: Path) -> None:
    code, stdout, _ = cli("tables", "--output", str(out), "--format", "json")
    assert code == 0
    for row in json.loads(stdout):
        sql = f"SELECT count(*) AS n, min(date) AS first FROM {row['table']}"
        _, counted, _ = cli("query", sql, "--output", str(out), "--format", "json")
        (expected,) = json.loads(counted)
        assert (row["rows"], row["first_date"]) == (expected["n"], expected["first"]), row


def test_a_catalog_query_or_a_raw_table_sees_every_table_it_may_name(out: Path) -> None:
    from nordwire.schemas.tables import TABLES

    # Naming one table in a catalog query does not narrow the catalog to it.
    sql = "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name <> 'articles'"
    code, stdout, _ = cli("query", sql, "--output", str(out), "--format", "json")
    assert code == 0 and set(TABLES) - {"articles"} <= {r["view_name"] for r in json.loads(stdout)}
    # The raw child tables (_entities: every revision's rows) are tables a statement names.
    sql = "SELECT count(*) AS n FROM _entities JOIN articles USING (article_id)"
    code, stdout, stderr = cli("query", sql, "--output", str(out), "--format", "json")
    assert code == 0, stderr
    assert json.loads(stdout)[0]["n"] > 0


@pytest.mark.parametrize(
    "args",
    [["show", "--random", "1"], ["feeds", "status"], ["query", "SELECT 1 FROM articles"]],
    ids=["show", "feeds status", "query"],
)
def test_a_data_file_the_log_names_but_is_gone_is_one_line_naming_the_table(
    out: Path, tmp_path: Path, args: list[str]
) -> None:
    broken = copy_of(out, tmp_path)
    next((broken / "articles").rglob("*.parquet")).unlink()
    shutil.rmtree(broken / "_state", ignore_errors=True)  # feeds status reads the tables then
    code, _, stderr = cli(*args, "--output", str(broken))
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert "articles table" in stderr


def test_tables_counts_the_rows_of_a_table_whose_log_keeps_no_row_counts(
    out: Path, tmp_path: Path
) -> None:
    # Another Delta writer may leave out the add actions' statistics: tables counts the rows.
    bare = copy_of(out, tmp_path)
    for commit in bare.glob("*/_delta_log/*.json"):
        actions = [json.loads(line) for line in commit.read_text().splitlines() if line]
        for action in actions:
            action.get("add", {}).pop("stats", None)
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
    code, stdout, stderr = cli("tables", "--output", str(bare), "--format", "json")
    assert code == 0, stderr
    _, expected, _ = cli("tables", "--output", str(out), "--format", "json")
    assert json.loads(stdout) == json.loads(expected)


def test_a_delta_log_that_is_not_a_folder_is_one_line_naming_the_table(
    out: Path, tmp_path: Path
) -> None:
    broken = copy_of(out, tmp_path)
    log = broken / "feeds" / "_delta_log"
    shutil.rmtree(log, ignore_errors=True)
    log.parent.mkdir(exist_ok=True)
    log.write_text("")  # deltalake raises an OSError here, not one of its own errors
    for args in (["query", "SELECT count(*) FROM feeds"], ["tables"]):
        code, _, stderr = cli(*args, "--output", str(broken))
        assert code == 2 and len(stderr.strip().splitlines()) == 1
        assert "feeds table's Delta log cannot be read" in stderr


def test_tables_in_the_shell_reports_a_table_gone_unreadable_and_the_shell_goes_on(
    out: Path, tmp_path: Path
) -> None:
    import io

    from nordwire.pipeline.read.shell import Shell

    copy = copy_of(out, tmp_path)
    shell = Shell(str(copy), fmt="csv")
    try:
        # A vacuum beside the shell (compact runs while queries run) removes a file it named.
        next((copy / "entities").rglob("*.parquet")).unlink()
        printed = io.StringIO()
        shell.loop(io.StringIO(".tables\nSELECT 6 * 7;\n"), printed, interactive=False)
    finally:
        shell.close()
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("error: the entities table cannot be read") and "42" in lines


def test_a_table_named_only_at_run_time_is_opened_when_the_statement_needs_it(out: Path) -> None:
    # The word match sees articles only; the statement also reads revisions.
    sql = "SELECT count(*) AS n FROM articles a JOIN query_table('rev' || 'isions') r USING (article_id)"
    code, stdout, stderr = cli("query", sql, "--output", str(out), "--format", "json")
    assert code == 0, stderr
    assert json.loads(stdout)[0]["n"] >= count(out)
