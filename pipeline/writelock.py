"""The output's lock between writers and compaction: shared for writers, exclusive for a swap.

An `flock` on the output folder itself (no lock file to litter the output or to go stale):
the kernel releases it when the process dies, so a crash never leaves it stuck. Writers hold it shared only while they list a day's keys and
rename their files in; compaction holds it alone while it rewrites and swaps one partition.
Both functions are the only places to change to move to another lock (issue 19's).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def _flock(output: str, mode: int) -> Iterator[None]:
    if "://" in output:  # object stores have no local lock; compaction refuses them
        yield
        return
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def exclusive_lock(output: str) -> contextlib.AbstractContextManager[None]:
    """The output's lock, held alone (compaction of one partition)."""
    return _flock(output, fcntl.LOCK_EX)


def write_lock(output: str) -> contextlib.AbstractContextManager[None]:
    """The output's lock, shared among writers: waits only while a partition is swapped."""
    return _flock(output, fcntl.LOCK_SH)
