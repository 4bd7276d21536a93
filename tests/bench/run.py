"""`make bench`: what each stage costs, and end-to-end throughput and memory of each runner.

`python -m tests.bench.run --sizes 10000 [--runners ...] [--json out.json] [--record
docs/performance.md]` builds the corpus for each size (feed files of NorNE sentences, so
reading and parsing are measured), then runs each runner to the end in a fresh process:
plain (the pure functions in a loop: the floor), direct (`nordwire run` on DirectRunner's
engine, one process) and the two-core modes of that engine (RUNNERS). It prints, as
Markdown: the cost of each stage in the plain loop (ms an article and share of the run), and
per runner the wall and CPU time, articles per second, the time over the plain loop's of the
same run, and the peak memory of the whole process tree (tests/bench/tree.py). `--record`
adds the same as a dated section to the history in docs/performance.md.

The machine's load average is printed beside the figures: wall times on a loaded machine
say little; ratios within one run and CPU times say more.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from tests.bench.corpus import NORNE, build
from tests.bench.plain import parts, split_stages
from tests.bench.tree import measure
from tests.conftest import ROOT

Command = Callable[[str, str], list[str]]


def _nordwire_run(*beam_options: str) -> Command:
    return lambda src, out: [
        sys.executable,
        "-m",
        "nordwire.pipeline",
        "run",
        "--input",
        src,
        "--output",
        out,
        "--quiet",
        *beam_options,
    ]


def _workers(n: int, mode: str) -> Command:
    return _nordwire_run(f"--direct_num_workers={n}", f"--direct_running_mode={mode}")


# name -> (cores it may use, command). The default set is plain, direct and direct-mp.
RUNNERS: dict[str, tuple[int, Command]] = {
    "plain": (1, lambda src, out: [sys.executable, "-m", "tests.bench.plain", src, out]),
    "direct": (1, _nordwire_run()),
    "direct-mp": (2, _workers(2, "multi_processing")),
    "direct-mp3": (2, _workers(3, "multi_processing")),
    "direct-mt": (2, _workers(2, "multi_threading")),
}
DEFAULT_RUNNERS = ("plain", "direct", "direct-mp")
# The targets (#26): speed at 10,000 articles on two cores, memory at 100,000.
TARGET_SIZE = 10_000
MEMORY_SIZE = 100_000
TARGET_TWO_CORES = 600.0
TARGET_ONE_CORE = 300.0
TARGET_RATIO = 1.1
TARGET_MEMORY_MB = 1024.0
LOADED_CORES = 0.2  # other processes using more than this (on average) make the machine loaded
HISTORY_MARK = "<!-- bench history: newest first; `make bench RECORD=1` adds a section here -->"


def run_one(runner: str, corpus: Path, work: Path) -> dict[str, Any]:
    """One runner over one corpus, measured; the plain loop's own figures ride along."""
    cores, command = RUNNERS[runner]
    m = measure(command(str(corpus), str(work / f"out-{runner}")), ROOT)
    if m.returncode:
        raise RuntimeError(f"{runner} failed ({m.returncode}): {m.stderr[-2000:]}")
    run: dict[str, Any] = {
        "runner": runner,
        "cores": cores,
        "seconds": round(m.seconds, 2),
        "cpu_seconds": round(m.cpu_seconds, 2),
        "peak_pss_mb": round(m.peak_pss_mb, 1) if m.peak_pss_mb is not None else None,
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "processes": m.processes,
        "others_cores": (
            round(m.others_cpu_seconds / m.seconds, 2) if m.others_cpu_seconds is not None else None
        ),
    }
    if runner == "plain":
        run["plain"] = json.loads(m.stdout.strip().splitlines()[-1])
    return run


def _ms(v: float) -> str:
    return f"{v:.3f}" if v < 0.1 else f"{v:.2f}"


def stage_table(stages: dict[str, float], articles: int) -> list[str]:
    """The per-stage Markdown table: ms an article and share of the whole plain run."""
    total = sum(v for k, v in stages.items() if "/" not in k)
    lines = ["| stage | ms / article | share |", "|---|---|---|"]
    for name, value in stages.items():
        if "/" in name:
            continue
        lines.append(f"| {name} | {_ms(value)} | {value / total:.1%} |")
        for part, part_value in stages.items():
            if part.startswith(f"{name}/"):
                share = part_value / value if value else 0.0
                lines.append(
                    f"| … {part.split('/', 1)[1]} | {_ms(part_value)} | {share:.0%} of {name} |"
                )
    lines.append(f"| **total** | **{_ms(total)}** | {articles:,} articles |")
    return lines


def runner_table(runs: list[dict[str, Any]]) -> list[str]:
    """The per-runner Markdown table; `× plain` is wall time over the plain loop's, same size."""
    plain = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "plain"}
    lines = [
        "| runner | cores | articles | wall s | articles/s | × plain | CPU s | CPU ms / article "
        "| peak PSS MB | peak RSS MB | processes | others' cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        ratio = f"{r['seconds'] / plain[r['articles']]:.2f}" if r["articles"] in plain else "-"
        pss = f"{r['peak_pss_mb']:,.0f}" if r["peak_pss_mb"] is not None else "-"
        others = f"{r['others_cores']:.2f}" if r["others_cores"] is not None else "-"
        lines.append(
            f"| {r['runner']} | {r['cores']} | {r['articles']:,} | {r['seconds']:.1f} "
            f"| {r['articles_per_s']:.0f} | {ratio} | {r['cpu_seconds']:.1f} "
            f"| {1000 * r['cpu_seconds'] / r['articles']:.2f} | {pss} | {r['peak_rss_mb']:,.0f} "
            f"| {r['processes']} | {others} |"
        )
    return lines


def verdicts(runs: list[dict[str, Any]]) -> list[str]:
    """The issue's targets against this run's figures, at the sizes they are set for."""
    out: list[str] = []
    by = {(r["runner"], r["articles"]): r for r in runs}

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    two = [r for r in runs if r["articles"] == TARGET_SIZE and r["cores"] == 2]
    if two:
        best = max(two, key=lambda r: r["articles_per_s"])
        out.append(
            f"- best two-core runner at {TARGET_SIZE:,}: {best['runner']}, "
            f"{best['articles_per_s']:.0f} articles/s (≥ {TARGET_TWO_CORES:.0f}: "
            f"{verdict(best['articles_per_s'] >= TARGET_TWO_CORES)})"
        )
    one, plain = by.get(("direct", TARGET_SIZE)), by.get(("plain", TARGET_SIZE))
    if one:
        out.append(
            f"- direct on one core at {TARGET_SIZE:,}: {one['articles_per_s']:.0f} articles/s "
            f"(≥ {TARGET_ONE_CORE:.0f}: {verdict(one['articles_per_s'] >= TARGET_ONE_CORE)})"
        )
    if one and plain:
        wall = one["seconds"] / plain["seconds"]
        cpu = one["cpu_seconds"] / plain["cpu_seconds"]
        out.append(
            f"- direct over plain at {TARGET_SIZE:,}: {wall:.2f}x wall, {cpu:.2f}x CPU "
            f"(≤ {TARGET_RATIO}: {verdict(wall <= TARGET_RATIO)})"
        )
    for r in runs:
        if r["articles"] == MEMORY_SIZE and r["runner"] != "plain":
            memory = r["peak_pss_mb"] if r["peak_pss_mb"] is not None else r["peak_rss_mb"]
            out.append(
                f"- {r['runner']} peak memory at {MEMORY_SIZE:,}: {memory:,.0f} MB PSS, "
                f"{r['peak_rss_mb']:,.0f} MB RSS (≤ {TARGET_MEMORY_MB:,.0f}: "
                f"{verdict(memory <= TARGET_MEMORY_MB)})"
            )
    return out


def report(result: dict[str, Any]) -> str:
    """The whole measurement as Markdown: machine, load, stage table, runner table, verdicts."""
    m = result["machine"]
    others = [r["others_cores"] for r in result["runs"] if r["others_cores"] is not None]
    loaded = max(others, default=0.0) > LOADED_CORES
    lines = [
        f"### {result['date']}: {', '.join(f'{s:,}' for s in result['sizes'])} articles"
        + (" (loaded machine)" if loaded else ""),
        "",
        f"{m['machine']}, {m['cores']} cores, Python {m['python']}; corpus: {result['corpus']}; "
        f"load average (1 min) {m['load_before']:.1f} before, {m['load_after']:.1f} after. "
        "`others' cores`: the CPU the rest of the machine used during the run, in cores.",
        "",
    ]
    if result["stages_ms_per_article"]:
        lines += [
            f"Stage costs in the plain loop at {result['stages_at']:,} articles:",
            "",
            *stage_table(result["stages_ms_per_article"], result["stages_at"]),
            "",
        ]
    lines += [*runner_table(result["runs"]), "", *verdicts(result["runs"])]
    return "\n".join(lines) + "\n"


def record(doc: Path, text: str) -> None:
    """Add `text` to the history in `doc`, newest first, below HISTORY_MARK."""
    page = doc.read_text("utf-8")
    if HISTORY_MARK not in page:
        raise SystemExit(f"{doc} has no history mark; add this line where sections go:\n{HISTORY_MARK}")
    doc.write_text(page.replace(HISTORY_MARK, f"{HISTORY_MARK}\n\n{text.rstrip()}", 1), "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print (and optionally write and record) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--runners", nargs="+", choices=list(RUNNERS), default=DEFAULT_RUNNERS)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--record", type=Path, default=None, help="Markdown page to add to.")
    args = parser.parse_args(argv)
    runs: list[dict[str, Any]] = []
    stages: dict[str, float] = {}
    stages_at = 0
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            corpus = Path(tmp) / f"corpus-{size}"
            build(corpus, size)
            for runner in args.runners:
                run = run_one(runner, corpus, Path(tmp) / f"w{size}")
                run["articles"] = size
                run["articles_per_s"] = round(size / run["seconds"], 1)
                if runner == "plain":
                    plain = run.pop("plain")
                    if plain["items"] != size:  # a few may then be rejected, as not Norwegian
                        raise RuntimeError(f"plain read {plain['items']} of {size} items")
                    run["kept"] = plain["articles"]
                    stages = split_stages(plain["stages_ms_per_article"], parts(corpus))
                    stages_at = size
                runs.append(run)
                print(runner_table(runs)[-1], file=sys.stderr, flush=True)
    plain_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "plain"}
    direct_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "direct"}
    common = sorted(set(plain_s) & set(direct_s))
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "sizes": args.sizes,
        "corpus": "NorNE sentences" if any(NORNE.glob("*/*.conll*")) else "bundled samples",
        "machine": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        },
        "runs": runs,
        "ratio_direct_to_plain": (
            round(direct_s[common[-1]] / plain_s[common[-1]], 3) if common else None
        ),
        "stages_at": stages_at,
        "stages_ms_per_article": {k: round(v, 4) for k, v in stages.items()},
    }
    text = report(result)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.record:
        record(args.record, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
