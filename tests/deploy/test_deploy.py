"""deploy/ checked offline: template metadata, versions, FileSystems only, picklable DoFns, stable labels."""

from __future__ import annotations

import inspect
import json
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.internal import pickler
from nordwire.pipeline.config import PARAMETERS
from nordwire.pipeline.template import NordwireOptions, template_metadata

from tests.conftest import ROOT
from tests.helpers.cli import nordwire

DEPLOY = ROOT / "deploy"


def test_metadata_json_is_exactly_the_pipelines_own_options() -> None:
    on_disk = json.loads((DEPLOY / "dataflow" / "metadata.json").read_text("utf-8"))
    assert on_disk == template_metadata(), (
        "regenerate: python -m nordwire.pipeline.template > deploy/dataflow/metadata.json"
    )
    import argparse

    parser = argparse.ArgumentParser()
    NordwireOptions._add_argparse_args(parser)
    parser_flags = {a.dest for a in parser._actions if a.dest != "help"}
    assert {p["name"] for p in on_disk["parameters"]} == parser_flags
    required = {p["name"] for p in on_disk["parameters"] if not p["isOptional"]}
    assert required == {"output"}
    for param in on_disk["parameters"]:
        assert param["label"] and param["helpText"]


@pytest.mark.parametrize("param", [p for p in PARAMETERS if p.template], ids=lambda p: p.name)
def test_every_regex_compiles_accepts_the_example_and_rejects_nonsense(param) -> None:  # type: ignore[no-untyped-def]
    pattern = re.compile(param.regex)
    assert pattern.fullmatch(param.example)
    default = param.template_default()
    if default is not None:
        assert pattern.fullmatch(default) or param.name == "output"
    for wrong in ("", "two words", "a,,b", "../etc; rm -rf /"):
        assert not pattern.fullmatch(wrong), (param.name, wrong)


def test_beam_version_agrees_everywhere() -> None:
    constraints = (ROOT / "constraints.txt").read_text()
    locked = re.search(r"^apache-beam==(\S+)$", constraints, re.M)
    assert locked and locked.group(1) == beam.__version__
    docker = (DEPLOY / "dataflow" / "Dockerfile").read_text()
    assert re.search(r"^ARG BEAM_VERSION=(\S+)$", docker, re.M).group(1) == beam.__version__  # type: ignore[union-attr]
    assert "FROM apache/beam_python3.11_sdk:${BEAM_VERSION}" in docker
    compose = (DEPLOY / "flink" / "docker-compose.yaml").read_text()
    assert re.findall(r"beam_flink[\d.]+_job_server:(\S+)", compose) == [beam.__version__]
    # The session cluster of `make flink`: Flink at the minor Beam's Java runner of the job
    # server is built for (a minor Beam publishes job servers for), the same in the compose
    # file, and the runner's pom, checksums and constants in step.
    cluster = (DEPLOY / "flink" / "cluster.py").read_text()
    flink = re.search(r'^FLINK_VERSION = "(\d+\.\d+)\.\d+"', cluster, re.M).group(1)  # type: ignore[union-attr]
    jobserver = (DEPLOY / "flink" / "jobserver.py").read_text()
    assert re.search(r'^RUNNER_FLINK = "(\S+)"', jobserver, re.M).group(1) == flink  # type: ignore[union-attr]
    runner = re.search(r'^RUNNER_BEAM_VERSION = "(\S+)"', jobserver, re.M).group(1)  # type: ignore[union-attr]
    pom = (DEPLOY / "flink" / "jobserver" / "pom.xml").read_text()
    assert f"<beam.version>{runner}</beam.version>" in pom
    assert f"<artifactId>beam-runners-flink-{flink}</artifactId>" in pom
    sums = (DEPLOY / "flink" / "jobserver" / "sha256sums.txt").read_text()
    assert f"  beam-runners-flink-{flink}-{runner}.jar\n" in sums
    from apache_beam.options.pipeline_options import FlinkRunnerOptions

    assert flink in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    assert f"beam_flink{flink}_job_server" in compose and f"flink:{flink}-" in compose
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if d.startswith("apache-beam"))
    major_minor = ".".join(beam.__version__.split(".")[:2])
    assert f">={major_minor}" in spec and "<2.78" in spec


# Modules whose code runs inside the pipeline: every path must go through Beam's FileSystems.
IN_PIPELINE = [
    *sorted((ROOT / "transforms").rglob("*.py")),
    *sorted((ROOT / "pipeline" / "graph").glob("*.py")),
    # lock.py is the driver's lock of a local output folder (a no-op for remote ones).
    *sorted(p for p in (ROOT / "pipeline" / "io").glob("*.py") if p.name != "lock.py"),
]
LOCAL_IO = re.compile(
    r"(?<![\w.])open\(|os\.path\.|os\.makedirs|os\.remove|shutil\.|\bglob\.|\bPath\(|\.read_text\(|\.write_(?:text|bytes)\("
)


@pytest.mark.parametrize("path", IN_PIPELINE, ids=lambda p: p.name)
def test_pipeline_code_touches_no_local_file_directly(path: Path) -> None:
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        # Package data through importlib.resources is not a data path: it works from a wheel or zip.
        if LOCAL_IO.search(line)
        and not line.strip().startswith("#")
        and "resources.files(" not in line
    ]
    assert hits == []


def _dofns() -> list[type[beam.DoFn]]:
    import importlib
    import pkgutil

    from nordwire.pipeline import graph, io

    # Every module of the graph and the I/O edges: code that runs on workers.
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (graph, io)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    found = []
    for module in modules:
        found += [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, beam.DoFn) and c.__module__ == module.__name__
        ]
    return found


def test_every_dofn_pickles_and_loads_heavy_objects_only_in_setup() -> None:
    from nordwire.pipeline.graph.stages import _language_fn, _StageFn

    dofns = _dofns()
    assert {d.__name__ for d in dofns} >= {
        "_StageFn",
        "_KeepOneFn",
        "_MatchFn",
        "_ReadFn",
        "_WriteDayFn",
        "_WriteBufferedFn",
        "_KeepWinnerFn",
        "_FetchFn",
        "_NewestRevisionFn",
    }
    for cls in dofns:
        args = {
            "_StageFn": ("language", _language_fn, ()),
            "_TablesFn": ("gs://bucket/out",),
            "_WriteDayFn": ("gs://bucket/out",),
            "_WriteBufferedFn": ("gs://bucket/out",),
            "_NewestRevisionFn": (timedelta(days=30),),
            "_FetchFn": ({"https://example.no/rss": "Example"}, "stream"),
        }.get(cls.__name__, ())
        fn = cls(*args)
        clone = pickler.loads(pickler.dumps(fn))
        assert type(clone) is cls
    stage = _StageFn("language", _language_fn, ())
    assert stage._fn is None  # nothing heavy built at construction...
    clone = pickler.loads(pickler.dumps(stage))
    clone.setup()  # ...only here, once per worker
    assert clone._fn is not None


def _labels(pipeline: beam.Pipeline) -> list[str]:
    proto = pipeline.to_runner_api()
    return sorted(
        t.unique_name
        for t in proto.components.transforms.values()
        if t.unique_name and not t.unique_name.startswith("ref_")
    )


def test_step_labels_are_unique_and_stable() -> None:
    from nordwire.pipeline.config import JobConfig
    from nordwire.pipeline.feedlist import Feed
    from nordwire.pipeline.graph.batch import build
    from nordwire.pipeline.graph.streaming import build_streaming

    feeds = (Feed("x", "https://x.no/rss"),)
    batch = beam.Pipeline()
    build(batch, JobConfig("run", inputs=("x.xml",), output="out"))
    once = beam.Pipeline()
    build(once, JobConfig("run", feeds=feeds, output="out"))
    streaming = beam.Pipeline()
    build_streaming(
        streaming,
        JobConfig("stream", feeds=feeds, output="out", interval=60, window=timedelta(minutes=5)),
    )
    graphs = [_labels(batch), _labels(once), _labels(streaming)]
    for labels in graphs:
        assert len(labels) == len(set(labels))
    top = sorted({label.split("/")[0] for labels in graphs for label in labels})
    snapshot = (Path(__file__).parent / "top_level_steps.txt").read_text().split()
    assert top == snapshot, (
        "step labels changed: Dataflow update needs a transform mapping; update the snapshot on purpose"
    )


# The two offline commands the cloud issue gives, with the fake project and bucket names.
_DATAFLOW = "--runner DataflowRunner --project p --region europe-north1 --temp_location gs://b/tmp"


@pytest.mark.parametrize(
    "args",
    [
        f"run {_DATAFLOW} --output gs://b/out --input gs://b/in/*.xml --dry_run=True".split(),
        f"run {_DATAFLOW} --output gs://b/out "
        "--feeds https://www.nrk.no/toppsaker.rss --dry_run=True".split(),
        f"stream {_DATAFLOW} --output gs://b/out "
        "--feeds https://www.nrk.no/toppsaker.rss --dry_run=True".split(),
    ],
    ids=["run", "run-feeds", "stream"],
)
def test_the_documented_dry_runs_exit_0_offline(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("apache_beam.runners.dataflow.internal.apiclient")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    proc = nordwire(*args)
    assert proc.stdout.strip().endswith("job translated, not run (DataflowRunner dry run)")


def test_the_worker_image_leaves_the_offline_tools_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "pipeline/tools/*" in ignored and "!pipeline/tools/__init__.py" in ignored
    docker = (DEPLOY / "dataflow" / "Dockerfile").read_text()
    assert "COPY pipeline ./pipeline" in docker
    # Nothing that runs on workers imports the tools.
    for path in [*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "transforms").rglob("*.py")]:
        if "tools" in path.parts or path.parts[-2] == "cli":
            continue
        assert "pipeline.tools" not in path.read_text("utf-8"), path


def test_scheduled_launches_get_unique_names_and_take_the_feeds_file() -> None:
    import yaml

    flow = yaml.safe_load((DEPLOY / "dataflow" / "schedule.workflow.yaml").read_text())
    launch = flow["main"]["steps"][0]["launch"]
    assert launch["call"] == "googleapis.dataflow.v1b3.projects.locations.flexTemplates.launch"
    parameter = launch["args"]["body"]["launchParameter"]
    assert "sys.now()" in parameter["jobName"]  # a name per launch, never a fixed one
    assert parameter["parameters"]["command"] == "run"
    makefile = (DEPLOY / "dataflow" / "Makefile").read_text()
    assert "workflows/nordwire-once/executions" in makefile
    feeds = next(p for p in template_metadata()["parameters"] if p["name"] == "feeds")  # type: ignore[union-attr]
    for given, ok in (
        ("gs://my-bucket/feeds.yaml", True),
        ("https://www.nrk.no/toppsaker.rss,gs://b/more.yml", True),
        ("gs://my-bucket/feeds.txt", False),
        ("/etc/passwd", False),
    ):
        assert bool(re.fullmatch(feeds["regexes"][0], given)) is ok, given
