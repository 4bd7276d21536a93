"""Run a command and measure its whole process tree: wall time, CPU time and peak memory.

Beam's multi-processing mode runs its workers as child processes of the runner, so the peak
of one process says little. Every `interval` seconds the tree is walked (from /proc) and its
resident set sizes (RSS) summed: that counts the pages the processes share (Python's, Beam's
and Arrow's libraries) once per process, so it errs high. At each new high of that sum the
proportional set sizes (PSS) are summed too, which split each shared page among its sharers:
the memory the run really holds, what the machine gets back when it ends. The peaks of both
are reported.

CPU time is the user + system time of every process of the tree. A loaded machine changes
it far less than the wall time, so it is the figure to compare between runs taken at
different moments. What the other processes of the machine used meanwhile (from /proc/stat)
is measured too: a run beside other work is marked as such. Without /proc (not Linux) the peak is that of the largest single process
this benchmark has started so far (getrusage), and there is no PSS.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = resource.getpagesize()


@dataclass(frozen=True)
class Measured:
    """What one command cost."""

    seconds: float  # wall clock
    cpu_seconds: float  # user + system, every process of the tree
    peak_rss_mb: float  # the largest sum of the tree's RSS (one process's without /proc)
    peak_pss_mb: float | None  # the largest sum of the tree's PSS (None without /proc)
    processes: int  # the most processes the tree had at once
    others_cpu_seconds: float | None  # CPU the rest of the machine used meanwhile
    returncode: int
    stdout: str
    stderr: str


def busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (None without /proc)."""
    try:
        first = (PROC / "stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    ticks = [int(v) for v in first[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICKS


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (every thread's), from /proc/PID/task/*/children."""
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:  # gone
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def tree(root: int) -> list[int]:
    """`root` and every process below it."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(_children(pid))
    return found


def sample(pid: int) -> tuple[int, float] | None:
    """(RSS bytes, CPU seconds so far) of one process; None once it is gone."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # Fields after the name, counted from the state field: utime 11, stime 12, rss 21 (pages).
    return int(fields[21]) * _PAGE, (int(fields[11]) + int(fields[12])) / _TICKS


def pss(pid: int) -> int:
    """PSS bytes of one process (0 once it is gone). The kernel walks the page tables for it:
    about 16 ms per 200 MB, so it is read only where a peak may be."""
    try:
        rollup = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    return next(
        (int(ln.split()[1]) * 1024 for ln in rollup.splitlines() if ln.startswith("Pss:")), 0
    )


class _Sampler(threading.Thread):
    """Samples the tree's RSS every `interval`; its PSS at each new RSS high, every PSS_EVERY
    seconds at most (and once more at the end of the climb), so that sampling stays cheap."""

    PSS_EVERY = 2.0

    def __init__(self, root: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.processes = 0
        self.cpu: dict[int, float] = {}  # pid -> its CPU seconds when last seen
        self.done = threading.Event()

    def run(self) -> None:
        last_pss, pending = 0.0, False
        while not self.done.is_set():
            rss = 0
            pids = tree(self.root)
            for pid in pids:
                seen = sample(pid)
                if seen is not None:
                    rss += seen[0]
                    self.cpu[pid] = seen[1]
            pending |= rss > self.peak_rss
            self.peak_rss = max(self.peak_rss, rss)
            self.processes = max(self.processes, len(pids))
            now = time.monotonic()
            if pending and now - last_pss >= self.PSS_EVERY:
                self.peak_pss = max(self.peak_pss, sum(pss(pid) for pid in pids))
                last_pss, pending = now, False
            self.done.wait(self.interval)


def measure(command: Sequence[str], cwd: Path, interval: float = 0.25) -> Measured:
    """Run `command` to the end and measure it (see the module docstring)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before = busy_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = _Sampler(proc.pid, interval) if PROC.is_dir() else None
    if sampler is not None:
        sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    busy_after = busy_seconds()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if sampler is not None:
        sampler.done.set()
        sampler.join()
    # Every process of the tree that its parent waited for is in RUSAGE_CHILDREN (Beam waits
    # for its workers); the sampler's last look covers one that was not waited for.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss, pss = after.ru_maxrss / 1024, None
    if sampler is not None:
        cpu = max(cpu, sum(sampler.cpu.values()))
        rss, pss = sampler.peak_rss / 2**20, sampler.peak_pss / 2**20
    return Measured(
        seconds=seconds,
        cpu_seconds=cpu,
        peak_rss_mb=rss,
        peak_pss_mb=pss,
        processes=sampler.processes if sampler is not None else 1,
        others_cpu_seconds=(
            max(0.0, busy_after - busy_before - cpu)
            if busy_before is not None and busy_after is not None
            else None
        ),
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
    )
