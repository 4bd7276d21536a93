"""How long the commands that only read take to start and finish: `make bench-startup`.

`python -m tests.bench.startup [--runs 10] [--nordwire PATH]` runs each command of COMMANDS
`--runs` times as a user does (`nordwire ...`, a fresh interpreter each time) over a small
output written without Beam, and prints the median and the fastest wall time of each, and
the median CPU time (user + system), which a loaded machine changes less. `--nordwire` times
another installation's command (another checkout's `.venv/bin/nordwire`), for a before and
after. The goal is under 0.5 s; a test (tests/e2e/test_startup.py) checks what they import,
not how long they take.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.helpers.tables import write_output

# (command line with {out} for the output folder, text its output must show)
COMMANDS: list[tuple[list[str], str]] = [
    (["--version"], "version"),
    (["--help"], "Usage:"),
    (["run", "--help"], "Usage:"),
    (["schema"], "article_id"),
    (["schema", "entities", "--format", "json"], "entity_id"),
    (["tables", "--output", "{out}"], "articles"),
    (["query", "SELECT count(*) AS n FROM articles", "--output", "{out}"], "6"),
    (["show", "id000", "--output", "{out}"], "Sak 0"),
    (["feeds", "status", "--output", "{out}"], "health"),
]
GOAL_SECONDS = 0.5


def nordwire() -> str:
    """The installed `nordwire` script beside this interpreter."""
    return str(Path(sys.executable).with_name("nordwire"))


def time_commands(runs: int = 10, command: str | None = None) -> list[dict[str, Any]]:
    """Each command of COMMANDS run `runs` times: its median and fastest wall seconds and its
    median CPU seconds (user + system)."""
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_output(Path(tmp) / "out")
        for args, shows in COMMANDS:
            argv = [a.replace("{out}", str(folder)) for a in args]
            times, cpu = [], []
            for _ in range(runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                proc = subprocess.run(
                    [command or nordwire(), *argv], capture_output=True, text=True
                )
                times.append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if proc.returncode or shows not in proc.stdout:
                    raise SystemExit(f"nordwire {' '.join(argv)} failed: {proc.stderr[-500:]}")
            median = statistics.median(times)
            out.append(
                {
                    "command": "nordwire " + " ".join(args).replace("{out}", "OUT"),
                    "median_s": round(median, 3),
                    "fastest_s": round(min(times), 3),
                    "cpu_s": round(statistics.median(cpu), 3),
                    "under_goal": median < GOAL_SECONDS,
                }
            )
    return out


def startup_table(timed: list[dict[str, Any]]) -> list[str]:
    """The Markdown table of time_commands' figures."""
    lines = [
        f"| command | median s | fastest s | CPU s | under {GOAL_SECONDS} s |",
        "|---|---|---|---|---|",
    ]
    for t in timed:
        lines.append(
            f"| `{t['command']}` | {t['median_s']:.3f} | {t['fastest_s']:.3f} "
            f"| {t['cpu_s']:.3f} | {'yes' if t['under_goal'] else 'no'} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Time each command; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--nordwire", default=nordwire(), help="The command to time.")
    args = parser.parse_args(argv)
    print(
        f"{args.nordwire}; load average (1 min) {os.getloadavg()[0]:.1f}; {args.runs} runs each\n"
    )
    print("\n".join(startup_table(time_commands(args.runs, args.nordwire))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
