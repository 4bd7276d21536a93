"""`make bench`: end-to-end articles per second and peak memory, plain loop vs DirectRunner.

`python -m tests.bench.run --sizes 1000 10000 [--json out.json]` builds the corpus for each
size (feed files, so reading and parsing are measured), then runs, each in a fresh process:
plain (the pure functions in a loop: the floor), direct (`nordwire run`) and direct-mp
(`--direct_num_workers=2 --direct_running_mode=multi_processing`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.corpus import build
from tests.bench.plain import analysis_split, split_stages
from tests.conftest import ROOT

_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print('MAXRSS=%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def _nordwire_run(src: str, out: str, *beam_options: str) -> list[str]:
    return [sys.executable, "-m", "nordwire.pipeline", "run", "--input", src, "--output", out, *beam_options]


RUNNERS = {
    "plain": lambda src, out: [sys.executable, "-m", "tests.bench.plain", src, out],
    "direct": _nordwire_run,
    "direct-mp": lambda src, out: _nordwire_run(
        src, out, "--direct_num_workers=2", "--direct_running_mode=multi_processing"
    ),
}


def measure(runner: str, corpus: Path, work: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB of the process tree's largest member, stdout) for one run."""
    out = work / f"out-{runner}"
    # A fresh wrapper per run: its RUSAGE_CHILDREN is this run's process tree and nothing else.
    wrapper = [sys.executable, "-c", _WRAPPER, *RUNNERS[runner](str(corpus), str(out))]
    started = time.perf_counter()
    proc = subprocess.run(wrapper, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"{runner} failed: {proc.stderr[-2000:]}")
    rss_kb = int(proc.stderr.strip().splitlines()[-1].split("=", 1)[1])
    return seconds, rss_kb / 1024, proc.stdout


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--runners", nargs="+", default=list(RUNNERS))
    args = parser.parse_args(argv)
    runs: list[dict[str, object]] = []
    stages: dict[str, float] = {}
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| runner | articles | seconds | articles/s | peak RSS (MB) |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            corpus = Path(tmp) / f"corpus-{size}"
            build(corpus, size)
            for runner in args.runners:
                seconds, rss, stdout = measure(runner, corpus, Path(tmp) / f"w{size}")
                if runner == "plain":
                    plain = json.loads(stdout)
                    shares = analysis_split(corpus)  # outside the timed runs
                    stages = split_stages(plain["stages_ms_per_article"], shares)
                    rss = max(rss, float(plain["peak_rss_mb"]))
                runs.append(
                    {
                        "runner": runner,
                        "articles": size,
                        "seconds": round(seconds, 2),
                        "articles_per_s": round(size / seconds, 1),
                        "peak_rss_mb": round(rss, 1),
                    }
                )
                print(
                    f"| {runner} | {size} | {seconds:.1f} | {size / seconds:.1f} | {rss:.0f} |",
                    flush=True,
                )
    plain_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "plain"}
    direct_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "direct"}
    common = sorted(set(plain_s) & set(direct_s))
    ratio = round(float(direct_s[common[-1]]) / float(plain_s[common[-1]]), 3) if common else None
    result = {"runs": runs, "ratio_direct_to_plain": ratio, "stages_ms_per_article": stages}
    print(f"\nratio direct/plain at {common[-1] if common else '-'} articles: {ratio}")
    print(
        "stage cost (ms per article, plain loop): "
        + ", ".join(f"{k} {v}" for k, v in stages.items())
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
