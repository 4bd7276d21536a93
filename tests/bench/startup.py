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


def main(argv: list[str] | None = None) -> int:
    """Time each command; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--nordwire", default=nordwire(), help="The command to time.")
    args = parser.parse_args(argv)
    print(f"{args.nordwire}; load average (1 min) {os.getloadavg()[0]:.1f}; {args.runs} runs each\n")
    print("| command | median s | fastest s | CPU s | under 0.5 s |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out = write_output(Path(tmp) / "out")
        for command, shows in COMMANDS:
            argv_ = [a.replace("{out}", str(out)) for a in command]
            times, cpu = [], []
            for _ in range(args.runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                proc = subprocess.run([args.nordwire, *argv_], capture_output=True, text=True)
                times.append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
                if proc.returncode or shows not in proc.stdout:
                    raise SystemExit(f"nordwire {' '.join(argv_)} failed: {proc.stderr[-500:]}")
            median = statistics.median(times)
            label = " ".join(command).replace("{out}", "OUT")
            print(
                f"| `nordwire {label}` | {median:.3f} | {min(times):.3f} "
                f"| {statistics.median(cpu):.3f} | {'yes' if median < GOAL_SECONDS else 'no'} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
