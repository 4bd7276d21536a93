"""Progress of a local run: stages tally what they did, a reporter thread prints it now and then.

Only a run in this process shows progress (DirectRunner's in-process engine runs the DoFns
here): while it reports, it listens to the stages' tallies (pipeline/counting.py). The counts
are a view for a person at a terminal, never an input to the pipeline: the summary line
still comes from Beam's metrics.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nordwire.pipeline import counting

EVERY = float(os.environ.get("NORDWIRE_PROGRESS_SECONDS", "5"))
_lock = threading.Lock()
_counts: Counter[str] = Counter()


def _count(name: str, n: int) -> None:
    with _lock:
        _counts[name] += n


def snapshot() -> Counter[str]:
    """The counts so far."""
    with _lock:
        return Counter(_counts)


def line(counts: Counter[str], seconds: float) -> str:
    """`progress: 12 inputs read, 3400 items, 2100 articles; 150 articles/s, 14 s`.

    The rate is of articles once they are written (the end of the line), items before.
    """
    items, articles = counts["parse"], counts["articles"]
    done, unit = (articles, "articles") if articles else (items, "items")
    rate = done / seconds if seconds > 0 else 0.0
    return (
        f"progress: {counts['inputs']} inputs read, {items} items, {articles} articles; "
        f"{rate:.0f} {unit}/s, {seconds:.0f} s"
    )


@contextmanager
def reporting(
    echo: Callable[[str], None],
    *,
    enabled: bool,
    every: float = EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Print a progress line every `every` seconds while the body runs (if enabled)."""
    if not enabled:
        yield
        return
    with _lock:
        _counts.clear()
    started = clock()
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            echo(line(snapshot(), clock() - started))

    thread = threading.Thread(target=loop, name="nordwire-progress", daemon=True)
    counting.listen(_count)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        counting.listen(None)
        thread.join()
