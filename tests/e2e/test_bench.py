"""`make bench` measures what it says: the plain floor does the pipeline's work, the JSON has its shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.bench import plain
from tests.bench.corpus import build
from tests.conftest import ROOT


def test_the_plain_floor_writes_the_same_rows_as_the_pipeline(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    build(corpus, 150)
    floor = plain.run(corpus, tmp_path / "plain")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--input",
            str(corpus),
            "--output",
            str(tmp_path / "direct"),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for table, key in (
        ("articles", "article_id"),
        ("entities", "entity_id"),
        ("quotes", "quote_id"),
    ):
        ours = pq.read_table(tmp_path / "direct" / table).column(key).to_pylist()
        theirs = pq.read_table(tmp_path / "plain" / table).column(key).to_pylist()
        assert sorted(ours) == sorted(theirs) and len(set(ours)) == len(ours), table
    assert floor["articles"] == pq.read_table(tmp_path / "direct" / "articles").num_rows


def test_bench_json_has_the_asked_shape(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.run",
            "--sizes",
            "100",
            "--runners",
            "plain",
            "direct",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    result = json.loads(out.read_text())
    assert [(r["runner"], r["articles"]) for r in result["runs"]] == [
        ("plain", 100),
        ("direct", 100),
    ]
    assert all(r["articles_per_s"] > 0 and r["peak_rss_mb"] > 0 for r in result["runs"])
    assert result["ratio_direct_to_plain"] > 0
    stages = result["stages_ms_per_article"]
    assert {
        "parse",
        "normalise",
        "language",
        "entities",
        "quotes",
        "dates",
        "topic",
        "write",
    } <= set(stages)
