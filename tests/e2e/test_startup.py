"""Commands that only read start without Beam, the NER model or the training tools.

Each command runs in a fresh interpreter, as a user starts it, and reports the modules it
loaded: no timing is asserted (the machine may be loaded), only what was imported, which is
what makes `nordwire --version` take 2 s instead of 0.2 s. `make bench-startup` times them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.startup import COMMANDS
from tests.conftest import ROOT
from tests.helpers.tables import write_output

# Modules a read-only command must not load: Beam (about 1.5 s alone), the graph, the NER
# model, the training and evaluation tools and the HTTP client.
HEAVY = (
    "apache_beam",
    "nordwire.pipeline.graph",
    "nordwire.pipeline.runner",
    "nordwire.transforms.extract.ner",
    "nordwire.transforms.language.detect",
    "nordwire.pipeline.tools",
    "sklearn",
    "httpx",  # the HTTP client: only commands that fetch need it
)

_PROBE = """
import json, sys
from nordwire.pipeline.cli import main
code = 0
try:
    main.main(sys.argv[2:], prog_name="nordwire")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
loaded = sorted({m for m in sys.modules for h in json.loads(sys.argv[1]) if m == h or m.startswith(h + ".")})
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def run_probe(*args: str, heavy: tuple[str, ...] = HEAVY) -> tuple[int, str, list[str]]:
    """(exit code, stdout, `heavy` modules loaded) of `nordwire ARGS` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(heavy), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return int(report["code"]), proc.stdout, list(report["loaded"])


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_output(tmp_path_factory.mktemp("startup") / "out")


@pytest.mark.parametrize(("args", "shows"), COMMANDS, ids=[" ".join(c) for c, _ in COMMANDS])
def test_reading_commands_do_not_import_beam(out: Path, args: list[str], shows: str) -> None:
    code, stdout, loaded = run_probe(*(a.replace("{out}", str(out)) for a in args))
    assert code == 0, stdout
    assert shows in stdout
    assert loaded == []


@pytest.mark.parametrize(
    "args",
    [
        ["tables"],
        ["query", "SELECT count(*) FROM quotes"],
        ["show", "id000"],
    ],
    ids=["tables", "query", "show"],
)
def test_reading_tables_needs_neither_pyarrow_nor_the_writer(out: Path, args: list[str]) -> None:
    # DuckDB reads the files and deltalake the log: pyarrow (a third of a second to import)
    # and the writer's module load only for a table that does not exist yet.
    code, stdout, loaded = run_probe(
        *args, "--output", str(out), heavy=("pyarrow", "nordwire.pipeline.io.delta")
    )
    assert code == 0, stdout
    assert loaded == []


def test_a_job_command_still_loads_beam_when_it_runs(tmp_path: Path) -> None:
    # The probe itself must be able to see Beam: a run imports it (lazily, when it starts).
    code, _, loaded = run_probe("run", "--output", str(tmp_path / "o"), "--quiet")
    assert code == 0
    assert "apache_beam" in loaded and "nordwire.transforms.extract.ner" in loaded


def test_the_readers_own_check_of_a_local_output_agrees_with_the_writers(
    out: Path, tmp_path: Path
) -> None:
    # query globs a local output itself (no Beam); run, poll and compact match it through
    # Beam's filesystems. Both refuse an old plain Parquet output and accept Delta tables.
    from nordwire.pipeline.io.delta import check_not_plain
    from nordwire.pipeline.io.location import PlainParquetOutput
    from nordwire.pipeline.read import query

    from tests.e2e.test_migrate import old_output

    plain = old_output(tmp_path / "old")
    for check in (check_not_plain, query._check_not_plain):
        check(str(out))
        with pytest.raises(PlainParquetOutput, match="nordwire migrate"):
            check(str(plain))
    # The reader's glob takes the folder's name literally (Beam's match does not).
    with pytest.raises(PlainParquetOutput):
        query._check_not_plain(str(old_output(tmp_path / "[old]")))
