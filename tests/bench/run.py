"""`make bench`: every figure of issue 26 in one command, to a JSON file and a Markdown report.

`python -m tests.bench.run [--sizes 10000 100000] [--runners plain direct direct-mp]
[--startup-runs 10] [--json bench.json] [--markdown bench.md] [--record docs/performance.md]`
builds the corpus for each size (feed files of NorNE sentences, so reading and parsing are
measured), then runs each runner to the end in a fresh process: plain (the pure functions in a
loop: the floor), direct (`nordwire run` on DirectRunner's engine, one process) and the
two-core modes of that engine. After each size, every Beam runner's output is compared with
the plain loop's, row by row in every table (tests/bench/rows.py). Last, the commands that
only read are timed (tests/bench/startup.py).

The report (Markdown, printed and written with --markdown): the issue's figures beside the
plain loop's of the same run with their targets; the cost of each stage in the plain loop (ms
an article and share of the run) at 10,000; per runner and size the wall and CPU time,
articles per second, the time over the plain loop's, and the peak memory of the whole process
tree (tests/bench/tree.py); the start-up table. `--record` adds it as a dated section to the
history in docs/performance.md. Exit status 1 when a Beam runner's rows differ.

The machine's load average is printed beside the figures: wall times on a loaded machine
say little; ratios within one run and CPU times say more.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from tests.bench.corpus import NORNE, build
from tests.bench.plain import parts, split_stages
from tests.bench.rows import compare
from tests.bench.startup import GOAL_SECONDS, startup_table, time_commands
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
DEFAULT_RUNNERS = ["plain", "direct", "direct-mp"]
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


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def summary(result: dict[str, Any]) -> list[str]:
    """The issue's figures in one table, each beside the plain loop's of the same run, with
    its target and whether it was met (a figure whose size or runner was not run is left out)."""
    runs = result["runs"]
    by = {(r["runner"], r["articles"]): r for r in runs}
    lines = [
        "| figure | measured | plain loop, same run | target | |",
        "|---|---|---|---|---|",
    ]

    def add(figure: str, measured: str, plain: str, target: str, verdict: str) -> None:
        lines.append(f"| {figure} | {measured} | {plain} | {target} | {verdict} |")

    checked = result.get("rows_same", {})
    if checked:
        differ = [k for k, v in checked.items() if not v["same"]]
        add(
            "rows of each Beam runner, every table and column",
            "differ: " + ", ".join(differ) if differ else "identical: " + ", ".join(checked),
            "the reference",
            "identical",
            _verdict(not differ),
        )
    plain = by.get(("plain", TARGET_SIZE))
    plain_rate = f"{plain['articles_per_s']:.0f} articles/s" if plain else "-"
    two = [r for r in runs if r["articles"] == TARGET_SIZE and r["cores"] == 2]
    if two:
        best = max(two, key=lambda r: r["articles_per_s"])
        add(
            f"best two-core runner at {TARGET_SIZE:,} ({best['runner']})",
            f"{best['articles_per_s']:.0f} articles/s",
            plain_rate,
            f"≥ {TARGET_TWO_CORES:.0f}",
            _verdict(best["articles_per_s"] >= TARGET_TWO_CORES),
        )
    one = by.get(("direct", TARGET_SIZE))
    if one:
        add(
            f"direct, one core, at {TARGET_SIZE:,}",
            f"{one['articles_per_s']:.0f} articles/s",
            plain_rate,
            f"≥ {TARGET_ONE_CORE:.0f}",
            _verdict(one["articles_per_s"] >= TARGET_ONE_CORE),
        )
    if one and plain:
        wall = one["seconds"] / plain["seconds"]
        cpu = one["cpu_seconds"] / plain["cpu_seconds"]
        add(
            f"direct over plain at {TARGET_SIZE:,} (wall; CPU)",
            f"{wall:.2f}x; {cpu:.2f}x",
            f"{plain['seconds']:.1f} s; {plain['cpu_seconds']:.1f} CPU s",
            f"≤ {TARGET_RATIO}",
            _verdict(wall <= TARGET_RATIO),
        )
    big_plain = by.get(("plain", MEMORY_SIZE))
    for r in runs:
        if r["articles"] == MEMORY_SIZE and r["runner"] != "plain":
            memory = r["peak_pss_mb"] if r["peak_pss_mb"] is not None else r["peak_rss_mb"]
            add(
                f"{r['runner']} at {MEMORY_SIZE:,}: peak memory (PSS); throughput",
                f"{memory:,.0f} MB; {r['articles_per_s']:.0f} articles/s",
                (
                    f"{_memory(big_plain):,.0f} MB; {big_plain['articles_per_s']:.0f} articles/s"
                    if big_plain
                    else "-"
                ),
                f"≤ {TARGET_MEMORY_MB:,.0f} MB",
                _verdict(memory <= TARGET_MEMORY_MB),
            )
    stages, at = result.get("stages_ms_per_article", {}), result.get("stages_at", 0)
    if stages:
        top = {k: v for k, v in stages.items() if "/" not in k and k != "setup"}
        costly = sorted(top, key=top.__getitem__, reverse=True)[:3]
        add(
            f"stage profile at {at:,} (table below)",
            "costliest: " + ", ".join(f"{k} {top[k]:.2f} ms" for k in costly),
            f"{sum(v for k, v in stages.items() if '/' not in k):.2f} ms an article in all",
            "-",
            "-",
        )
    startup = result.get("startup") or []
    if startup:
        slowest = max(startup, key=lambda t: t["median_s"])
        add(
            f"start-up of the {len(startup)} reading commands (slowest, median of runs)",
            f"{slowest['median_s']:.2f} s ({slowest['command']}); "
            f"{sum(t['under_goal'] for t in startup)} of {len(startup)} under {GOAL_SECONDS} s",
            "-",
            f"< {GOAL_SECONDS} s each",
            _verdict(all(t["under_goal"] for t in startup)),
        )
    return lines


def _memory(r: dict[str, Any]) -> float:
    return float(r["peak_pss_mb"] if r["peak_pss_mb"] is not None else r["peak_rss_mb"])


def report(result: dict[str, Any]) -> str:
    """The whole measurement as Markdown: machine and load, the issue's figures, the stage
    table, the runner table and the start-up table."""
    m = result["machine"]
    others = [r["others_cores"] for r in result["runs"] if r["others_cores"] is not None]
    loaded = max(others, default=0.0) > LOADED_CORES
    lines = [
        f"### {result['date']}: {', '.join(f'{s:,}' for s in result['sizes'])} articles"
        + (" (loaded machine)" if loaded else ""),
        "",
        f"{m['machine']}, {m['cores']} cores, Python {m['python']}; corpus: {result['corpus']}; "
        f"load average (1 min) {m['load_before']:.1f} before, {m['load_after']:.1f} after; "
        f"`make bench` took {result['bench_minutes']:.0f} minutes. "
        "`others' cores`: the CPU the rest of the machine used during the run, in cores.",
        "",
        *summary(result),
        "",
    ]
    if result["stages_ms_per_article"]:
        lines += [
            f"Stage costs in the plain loop at {result['stages_at']:,} articles:",
            "",
            *stage_table(result["stages_ms_per_article"], result["stages_at"]),
            "",
        ]
    lines += ["Runners:", "", *runner_table(result["runs"]), ""]
    if result.get("startup"):
        lines += ["Commands that only read:", "", *startup_table(result["startup"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def record(doc: Path, text: str) -> None:
    """Add `text` to the history in `doc`, newest first, below HISTORY_MARK."""
    page = doc.read_text("utf-8")
    if HISTORY_MARK not in page:
        raise SystemExit(
            f"{doc} has no history mark; add this line where sections go:\n{HISTORY_MARK}"
        )
    doc.write_text(page.replace(HISTORY_MARK, f"{HISTORY_MARK}\n\n{text.rstrip()}", 1), "utf-8")


def run_size(
    size: int, runners: list[str], tmp: Path
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every runner at one size; the plain loop's stage costs, and each Beam runner's rows
    checked against the plain loop's. The outputs are removed afterwards (disk)."""
    corpus, work = tmp / f"corpus-{size}", tmp / f"w{size}"
    build(corpus, size)
    runs: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"stages": {}, "rows_same": {}}
    for runner in runners:
        run = run_one(runner, corpus, work)
        run["articles"] = size
        run["articles_per_s"] = round(size / run["seconds"], 1)
        if runner == "plain":
            plain = run.pop("plain")
            if plain["items"] != size:  # a few may then be rejected, as not Norwegian
                raise RuntimeError(f"plain read {plain['items']} of {size} items")
            run["kept"] = plain["articles"]
            extra["stages"] = split_stages(plain["stages_ms_per_article"], parts(corpus))
        runs.append(run)
        print(runner_table(runs)[-1], file=sys.stderr, flush=True)
    if "plain" in runners:
        for runner in runners:
            if runner != "plain":
                tables = compare(work / "out-plain", work / f"out-{runner}")
                same = all(t["first_difference"] is None for t in tables.values())
                extra["rows_same"][f"{runner} at {size:,}"] = {
                    "same": same,
                    "articles": tables["articles"]["rows"],
                    "tables": tables,
                }
                print(
                    f"rows of {runner} at {size:,}: {'same' if same else 'DIFFER'}", file=sys.stderr
                )
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return runs, extra


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print (and optionally write and record) the figures. Exits 1 when a
    Beam runner's rows differ from the plain loop's."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[TARGET_SIZE, MEMORY_SIZE])
    parser.add_argument("--runners", nargs="+", choices=list(RUNNERS), default=DEFAULT_RUNNERS)
    parser.add_argument("--startup-runs", type=int, default=10, help="0: no start-up timing.")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None, help="Where to write the report.")
    parser.add_argument("--record", type=Path, default=None, help="Markdown page to add to.")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    runs: list[dict[str, Any]] = []
    stages: dict[int, dict[str, float]] = {}
    rows_same: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            size_runs, extra = run_size(size, args.runners, Path(tmp))
            runs += size_runs
            if extra["stages"]:
                stages[size] = extra["stages"]
            rows_same.update(extra["rows_same"])
    startup = time_commands(args.startup_runs) if args.startup_runs > 0 else []
    plain_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "plain"}
    direct_s = {r["articles"]: r["seconds"] for r in runs if r["runner"] == "direct"}
    common = sorted(set(plain_s) & set(direct_s))
    stages_at = TARGET_SIZE if TARGET_SIZE in stages else min(stages, default=0)
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
        "rows_same": rows_same,
        "ratio_direct_to_plain": {
            size: round(direct_s[size] / plain_s[size], 3) for size in common
        },
        "stages_at": stages_at,
        "stages_ms_per_article": {k: round(v, 4) for k, v in stages.get(stages_at, {}).items()},
        "stages_by_size": {
            size: {k: round(v, 4) for k, v in table.items()} for size, table in stages.items()
        },
        "startup": startup,
    }
    result["bench_minutes"] = round((time.perf_counter() - began) / 60, 1)
    text = report(result)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.markdown:
        args.markdown.write_text(text, "utf-8")
    if args.record:
        record(args.record, text)
    return 0 if all(v["same"] for v in rows_same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
