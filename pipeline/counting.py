"""What the stages did, told to whoever listens in this process: worker code calls `tally`.

A local run at a terminal listens (pipeline/progress.py prints its lines); on other runners
and in other processes nobody does, and `tally` costs one check. Worker code knows nothing of
terminals: this module is all it imports. The summary line comes from Beam's metrics, never
from here.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, int], None]
_listener: Listener | None = None


def tally(name: str, n: int = 1) -> None:
    """Count `n` of `name` (inputs, parse, articles, ...) if someone in this process listens."""
    listener = _listener
    if listener is not None:
        listener(name, n)


def listen(listener: Listener | None) -> None:
    """Route the tallies to `listener` (None: nobody listens)."""
    global _listener
    _listener = listener
