"""The output's two locks, both advisory `flock`s the kernel drops when their process dies.

1. One writer at a time per output (`output_lock`).

`run` and `stream` both skip keys already on disk, but two of them at once each read the
keys before the other wrote: both write, and rows are duplicated (or, with the same key set,
the last rename silently wins). The job commands take this lock for their whole run.

The lock is `flock` on OUTPUT/_writer.lock: held by an open file descriptor, released when
the holder exits however it exits (kill -9 included), so a crash can never leave it stuck
(a killed writer leaves the file, which locks as free). The file says who holds it, for the
second writer's message, and is removed on a clean release, so a finished output holds
nothing but its tables. Remote outputs (gs://,
s3://) have no such lock; one job per remote output is the operator's rule there.

2. Writers against compaction (`write_lock`, `exclusive_lock`): an `flock` on the output folder
itself. Writers hold it shared only while they list a day's keys and rename their files in;
compaction holds it alone while it rewrites and swaps one partition, so it can run beside a
poller that holds lock 1.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

LOCK_NAME = "_writer.lock"


class OutputLocked(RuntimeError):
    """Another process is writing to this output."""


class OutputLock:
    """The writer lock of one output folder; a context manager, or acquire() and release()."""

    def __init__(self, output: str, command: str = "nordwire") -> None:
        self.output = output
        self.command = command
        self.path = os.path.join(output, LOCK_NAME)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> OutputLock:
        """Take the lock now or raise OutputLocked naming the holder; never waits."""
        if "://" in self.output or self._fd is not None:
            return self
        os.makedirs(self.output, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise OutputLocked(
                    f"{self.output!r} is being written by {holder}; one writer at a time per "
                    "output: wait for it to finish or write elsewhere"
                ) from None
            except BaseException:
                os.close(fd)
                raise
            if _same_file(fd, self.path):
                break
            # The holder released (and removed) the file between our open and our lock:
            # this inode is nobody's lock any more; take the one at the path now.
            os.close(fd)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the next writer in (closing the descriptor drops the lock)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            # Removed while still locked, so nobody can have locked this path's file since;
            # a process that opened it before sees the inode change and starts over.
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(fd)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:
        # Held by a local variable of a command function: dropped with it.
        if sys is not None and self._fd is not None:
            self.release()


def output_lock(output: str, command: str = "nordwire") -> OutputLock:
    """The output's writer lock, taken: `with output_lock(out, "run"): ...`, or kept in a variable."""
    return OutputLock(output, command).acquire()


def _same_file(fd: int, path: str) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process"
    return (
        f"`{info.get('command', 'nordwire')}` (pid {info['pid']} on {info.get('host', '?')}, "
        f"since {info.get('since', '?')})"
    )


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
