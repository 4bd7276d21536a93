"""`make bench` measures what it says: the plain floor does the pipeline's work and writes the
same rows, the process tree's memory is summed, the report has its tables and keeps history."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.bench import plain, rows, run
from tests.bench.corpus import build
from tests.bench.tree import measure
from tests.conftest import ROOT


def test_the_plain_floor_writes_the_same_rows_as_the_pipeline(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    build(corpus, 150)
    floor = plain.run(corpus, tmp_path / "plain")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nordwire.pipeline",
            "run",
            "--input",
            str(corpus),
            "--output",
            str(tmp_path / "direct"),
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    ours, theirs = rows.table_rows(tmp_path / "direct"), rows.table_rows(tmp_path / "plain")
    for table in ("articles", "entities", "quotes"):  # every column, partitions included
        assert ours[table] == theirs[table], table
        assert ours[table], table
    assert floor["articles"] == len(ours["articles"]) == 150
    # Every step of the loop is timed: the stages add up to the whole run.
    stages = floor["stages_ms_per_article"]
    assert set(stages) == set(plain.STAGES)
    total_ms = 1000 * float(floor["seconds"]) / 150
    assert abs(sum(stages.values()) - total_ms) < 0.01 * total_ms


def test_rows_tells_a_changed_row_from_a_different_split_into_files(tmp_path: Path) -> None:
    from tests.helpers.tables import ITEMS, write_items, write_output

    a = write_output(tmp_path / "a", with_state=False)
    # The same rows in other files and commits (as another runner's bundles split them).
    b = tmp_path / "b"
    write_items(b, ITEMS[:3])
    write_output(b, with_state=False)
    assert len(list((b / "revisions").rglob("*.parquet"))) > len(
        list((a / "revisions").rglob("*.parquet"))
    )
    assert rows.main([str(a), str(b)]) == 0
    # One value changed: a difference, naming the table and the column.
    path = sorted((b / "articles").rglob("*.parquet"))[1]
    table = pq.read_table(path)
    title = pa.array(["Endret"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("title"), "title", title), path)
    lines = rows.differences(a, b)
    assert [line.split(":")[0] for line in lines if line.startswith("!")] == ["! articles"]
    assert "title" in next(line for line in lines if line.startswith("!"))


def test_the_peak_memory_is_the_whole_process_tree(tmp_path: Path) -> None:
    # A parent holding 100 MB starts two children holding 150 MB each, all alive together:
    # the peak is their sum, not the largest process.
    hold = "x = bytearray({mb} * 2**20); x[::4096] = bytes(len(x[::4096]))"  # pages touched
    child = f"import time; {hold.format(mb=150)}; time.sleep(2)"
    parent = (
        f"import subprocess, sys; {hold.format(mb=100)}; "
        f"ps = [subprocess.Popen([sys.executable, '-c', {child!r}]) for _ in range(2)]; "
        "[p.wait() for p in ps]"
    )
    m = measure([sys.executable, "-c", parent], tmp_path)
    assert m.returncode == 0
    assert m.processes == 3
    assert m.peak_rss_mb >= 400
    assert m.peak_pss_mb is not None and 380 <= m.peak_pss_mb <= m.peak_rss_mb


@pytest.mark.slow  # a whole small `make bench` (three runners): `make robustness` runs it
def test_bench_json_report_and_history(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    page = tmp_path / "performance.md"
    page.write_text(f"# Speed\n\n{run.HISTORY_MARK}\n\n### 2020-01-01: an old measurement\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.run",
            "--sizes",
            "100",
            "--runners",
            "plain",
            "direct",
            "--startup-runs",
            "0",
            "--json",
            str(out),
            "--markdown",
            str(tmp_path / "bench.md"),
            "--record",
            str(page),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.read_text())
    assert [(r["runner"], r["articles"]) for r in result["runs"]] == [
        ("plain", 100),
        ("direct", 100),
    ]
    for r in result["runs"]:
        assert r["articles_per_s"] > 0 and r["cpu_seconds"] > 0 and r["peak_rss_mb"] > 0
    assert result["ratio_direct_to_plain"]["100"] > 0
    # The Beam runner's rows were checked against the plain loop's, table by table.
    checked = result["rows_same"]["direct at 100"]
    assert checked["same"] and checked["tables"]["articles"]["rows"] == checked["articles"] > 0
    stages = result["stages_ms_per_article"]
    assert set(plain.STAGES) <= set(stages)
    assert {"mentions/quotes", "mentions/dates"} <= set(stages)
    # The printed report: a stage table (shares of the run) and a runner table.
    assert "| stage | ms / article | share |" in proc.stdout
    assert "| direct | 1 | 100 |" in proc.stdout
    assert (
        "| rows of each Beam runner, every table and column | identical: direct at 100 |"
        in proc.stdout
    )
    assert (tmp_path / "bench.md").read_text() in proc.stdout
    # Recorded as the newest section, the old one kept below it.
    text = page.read_text()
    assert (
        text.index(run.HISTORY_MARK) < text.index("100 articles") < text.index("an old measurement")
    )


def test_the_summary_sets_each_figure_beside_the_plain_loop_and_its_target() -> None:
    def runner(name: str, cores: int, size: int, per_s: float, pss: float) -> dict[str, object]:
        seconds = size / per_s
        return {
            "runner": name,
            "cores": cores,
            "articles": size,
            "seconds": seconds,
            "cpu_seconds": seconds * cores,
            "articles_per_s": per_s,
            "peak_pss_mb": pss,
            "peak_rss_mb": pss * 1.3,
        }

    result = {
        "runs": [
            runner("plain", 1, 10_000, 320, 600),
            runner("direct", 1, 10_000, 310, 650),
            runner("direct-mp", 2, 10_000, 590, 900),
            runner("plain", 1, 100_000, 330, 800),
            runner("direct-mp", 2, 100_000, 620, 1100),
        ],
        "rows_same": {"direct at 10,000": {"same": True}, "direct-mp at 10,000": {"same": False}},
        "startup": [
            {"command": "nordwire --version", "median_s": 0.2, "under_goal": True},
            {"command": "nordwire tables", "median_s": 0.6, "under_goal": False},
        ],
    }
    lines = {line.split(" | ")[0].lstrip("| "): line for line in run.summary(result)[2:]}
    assert lines["rows of each Beam runner, every table and column"].endswith(
        "| differ: direct-mp at 10,000 | the reference | identical | **missed** |"
    )
    best = lines["best two-core runner at 10,000 (direct-mp)"]
    assert "590 articles/s | 320 articles/s | ≥ 600 | **missed**" in best
    assert "310 articles/s | 320 articles/s | ≥ 300 | met" in lines["direct, one core, at 10,000"]
    assert "| 1.03x; 1.03x |" in lines["direct over plain at 10,000 (wall; CPU)"]
    memory = lines["direct-mp at 100,000: peak memory (PSS); throughput"]
    assert "1,100 MB; 620 articles/s | 800 MB; 330 articles/s | ≤ 1,024 MB | **missed**" in memory
    startup = next(v for k, v in lines.items() if k.startswith("start-up"))
    assert "0.60 s (nordwire tables); 1 of 2 under 0.5 s" in startup and "**missed**" in startup
