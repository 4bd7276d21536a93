"""`nordwire eval topics`: accuracy, coverage and per-topic scores from labelled TSV."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import nordwire


def test_eval_topics_reports_accuracy_coverage_abstention_and_per_topic_scores(
    tmp_path: Path,
) -> None:
    tsv = tmp_path / "topics.tsv"
    tsv.write_text(
        "sport\tHaaland scoret to mål da City slo Liverpool\n"
        "economy-business-finance\tNorges Bank hever renten\tStyringsrenten går opp 0,25 prosentpoeng.\n"
        "medtop:15000000\tLandslaget tapte VM-kvalifiseringen\n"
        "\n"
        "unclassified\t\n",
        "utf-8",
    )
    report = json.loads(nordwire("eval", "topics", str(tsv), "--format", "json").stdout)
    assert report["n"] == 4 and report["accuracy"] == 1.0 and report["coverage"] == 0.75
    assert report["abstain_rate"] == 0.25
    assert report["topics"]["sport"] == {
        "precision": 1.0,
        "recall": 1.0,
        "abstain": 0.0,
        "support": 2,
    }
    table = nordwire("eval", "topics", str(tsv)).stdout
    assert "coverage" in table and "abstain" in table and "economy-business-finance" in table


def test_eval_topics_refuses_an_unknown_topic(tmp_path: Path) -> None:
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("fotball\tHaaland scoret\n", "utf-8")
    proc = nordwire("eval", "topics", str(tsv), check=False)
    assert proc.returncode == 2 and "unknown topic 'fotball'" in proc.stderr
