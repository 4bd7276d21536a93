"""The `nordwire` command run in this process (click's CliRunner), and waits with a deadline.

A subprocess pays Beam's import (seconds) each time and proves nothing a test of the command's
output and exit code needs; the tests that are about the process itself (signals, exit codes
after a kill, import laziness, hangs) still start one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from click.testing import CliRunner


@dataclass(frozen=True)
class Ran:
    """What a finished command left: the shape of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


def nordwire(*args: str, check: bool = True, input: str | None = None) -> Ran:
    """Run `nordwire ARGS` in this process; with `check`, a non-zero exit fails the test."""
    from nordwire.pipeline.cli import main

    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    if check and ran.returncode != 0:
        raise AssertionError(f"exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}")
    return ran


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Poll `condition` until it holds; fail the test at the deadline instead of hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(0.02)


class Lines:
    """The lines a child process writes to a pipe, read by a thread, so a test waits for one
    with a deadline instead of blocking on readline()."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        with stream:  # closed at the end of what the process wrote
            for line in stream:
                self.lines.append(line)

    def wait_for(self, needle: str, timeout: float = 60.0) -> None:
        """Until a line holding `needle` has been written."""
        wait_for(lambda: any(needle in line for line in self.lines), timeout, repr(needle))

    def text(self) -> str:
        """Everything read so far (all of it once the process has ended)."""
        self._thread.join(timeout=10)
        return "".join(self.lines)
