"""`nordwire query` without SQL: an interactive SQL shell over the table views, in the DuckDB shell's manner.

Statements end with `;` and may span lines; dot commands change the display. Reading from a
pipe works too (no prompts), so `nordwire query < script.sql` runs a script.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

import duckdb
from nordwire.pipeline.io.location import UnreadableOutput
from nordwire.pipeline.read.query import QueryRefused, connect, execute
from nordwire.pipeline.read.render import FORMATS, for_terminal, render
from nordwire.pipeline.read.stats import table_stats
from nordwire.schemas.reference import TABLES, render_schema

HELP = """\
Statements end with ';' and may span lines. Views: articles, entities, quotes, rejects, revisions.
  .tables              row counts, partitions, files and bytes per table
  .schema [TABLE]      columns with their types and descriptions
  .mode FORMAT         table, line, markdown, csv or json
  .maxwidth N          cut table cells at N characters (0: never)
  .help                this text
  .quit                leave (Ctrl-D too)
Example: SELECT topic, count(*) FROM articles GROUP BY ALL ORDER BY 2 DESC;"""


def _read(lines: TextIO, prompt: str | None) -> str | None:
    """One line with its newline; None at end of input. A prompt means a terminal: use input()
    so that readline's editing and history apply."""
    if prompt is None:
        return lines.readline() or None
    try:
        return input(prompt) + "\n"
    except EOFError:
        return None


class Shell:
    """A read-eval-print loop over one sandboxed (or unrestricted) connection."""

    def __init__(
        self,
        output: str,
        fmt: str = "table",
        max_width: int = 60,
        unrestricted: bool = False,
        as_of: str | None = None,
    ) -> None:
        self.output, self.fmt, self.max_width = output, fmt, max_width
        self.unrestricted = unrestricted
        self.con = connect(output, unrestricted, as_of)

    def command(self, line: str, out: TextIO) -> bool:
        """Run one dot command; False when the shell should stop."""
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".help":
            print(HELP, file=out)
        elif name == ".tables":
            try:  # it opens the tables again, which may have changed since the shell started
                stats = table_stats(self.output)
            except (UnreadableOutput, duckdb.Error) as exc:
                print(f"error: {str(exc).splitlines()[0]}", file=out)
            else:
                print(render(stats.columns, stats.rows, self.fmt, self.max_width), file=out)
        elif name == ".schema":
            if arg and arg not in TABLES:
                print(f"error: unknown table {arg!r}", file=out)
            else:
                print(render_schema(arg or None, "text"), file=out)
        elif name == ".mode" and arg in FORMATS:
            self.fmt = arg
        elif name == ".maxwidth" and arg.isdigit():
            self.max_width = int(arg)
        else:
            print(f"error: unknown command {line.strip()!r}; try .help", file=out)
        return True

    def statement(self, sql: str, out: TextIO) -> None:
        """Run SQL and print each result, or the error in one line."""
        try:
            for result in execute(self.con, sql, self.unrestricted):
                text = render(result.columns, result.rows, self.fmt, self.max_width)
                print(for_terminal(text, self.fmt, out), file=out)
        except (duckdb.Error, QueryRefused) as exc:
            print(f"error: {str(exc).splitlines()[0]}", file=out)

    def loop(self, lines: TextIO, out: TextIO, interactive: bool) -> None:
        """Read statements and dot commands until end of input or `.quit`."""
        if interactive:
            print(f"nordwire shell on {self.output!r}; .help for help, .quit to leave", file=out)
        buffer: list[str] = []
        while True:
            prompt = "nordwire> " if not buffer else "      ...> "
            try:
                line = _read(lines, prompt if interactive else None)
            except KeyboardInterrupt:
                if not interactive:
                    raise
                print("^C", file=out)  # as psql and sqlite3: Ctrl-C drops the line, not the shell
                buffer = []
                continue
            if line is None:
                break
            if not buffer and line.lstrip().startswith("."):
                if not self.command(line, out):
                    return
                continue
            buffer.append(line)
            if line.rstrip().endswith(";"):
                sql, buffer = "".join(buffer), []
                try:
                    self.statement(sql, out)
                except KeyboardInterrupt:
                    if not interactive:
                        raise
                    self.con.interrupt()
                    print("cancelled", file=out)
        if "".join(buffer).strip():
            self.statement("".join(buffer), out)  # a script's last statement may lack ';'

    def close(self) -> None:
        self.con.close()


def run_shell(
    output: str,
    fmt: str,
    max_width: int,
    unrestricted: bool,
    lines: TextIO = sys.stdin,
    as_of: str | None = None,
) -> None:
    """The shell on stdin/stdout, with line editing and history when it is a terminal."""
    interactive = lines.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (imported for its side effect: line editing in input)
    shell = Shell(output, fmt, max_width, unrestricted, as_of)
    try:
        shell.loop(lines, sys.stdout, interactive)
    finally:
        shell.close()
