"""Ctrl-C and SIGTERM for the poller: the first finishes the cycle, a second Ctrl-C abandons it."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType
from typing import Any


class PollInterrupted(Exception):
    """A second Ctrl-C: the cycle under way was abandoned (the next start finishes it)."""


class StopFlag:
    """Set by SIGINT/SIGTERM: the current cycle finishes, then the loop ends. A second SIGINT
    (Ctrl-C pressed again) abandons the cycle at once: it is safe, as a kill is."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.forced = False
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """Route SIGINT and SIGTERM here (until `restore`)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        """Give SIGINT and SIGTERM back to whoever had them (a library caller, a test runner)."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set() and signum == signal.SIGINT:
            self.forced = True
            raise KeyboardInterrupt
        self.event.set()
        with contextlib.suppress(OSError):  # os.write: a handler may interrupt a print
            os.write(2, b"nordwire poll: stopping after this cycle (Ctrl-C again: stop now)\n")
