"""Both graphs translate for DataflowRunner offline (--dry_run=True, fake project and bucket)."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
import pytest
from nordwire.pipeline.config import parse
from nordwire.pipeline.graph.batch import build
from nordwire.pipeline.graph.streaming import build_streaming
from nordwire.pipeline.runner import new_pipeline

pytest.importorskip("apache_beam.runners.dataflow.internal.apiclient")

FAKE = [
    "--runner",
    "DataflowRunner",
    "--project",
    "fake-project",
    "--region",
    "europe-north1",
    "--temp_location",
    "gs://fake-bucket/tmp",
    "--dry_run=True",
]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # nothing may leave the machine


def translated(pipeline: beam.Pipeline) -> Any:
    result = pipeline.run()
    assert str(result.state) == "DONE"
    return result.job.proto_pipeline


def names(proto: Any) -> set[str]:
    return {t.unique_name for t in proto.components.transforms.values()}


def sdk_images(proto: Any) -> set[str]:
    from apache_beam.portability.api import beam_runner_api_pb2

    images = set()
    for env in proto.components.environments.values():
        if env.urn == "beam:env:docker:v1":
            images.add(beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image)
    return images


def test_batch_graph_translates_without_touching_inputs() -> None:
    config = parse(
        "run", {"input": ["gs://fake-bucket/in/*.xml"], "output": "gs://fake-bucket/out"}, FAKE
    )
    pipeline = new_pipeline(config)
    build(pipeline, config)
    proto = translated(pipeline)
    found = names(proto)
    for step in (
        "ReadInputs/Match",
        "ParseDocuments",
        "DropDuplicates/GroupById",
        "DetectLanguage",
        "WriteTables/WriteArticles",
        "WriteTables/WriteRejects",
    ):
        assert any(n == step or n.startswith(step + "/") for n in found), step
    assert any(image.endswith(f"_sdk:{beam.__version__}") for image in sdk_images(proto))


def test_streaming_graph_has_the_source_the_dedup_and_the_windowed_write() -> None:
    config = parse(
        "stream",
        {
            "feeds": ["https://www.nrk.no/toppsaker.rss"],
            "output": "gs://fake-bucket/out",
            "interval": 60,
            "window": 300,
        },
        FAKE,
    )
    pipeline = new_pipeline(config, streaming=True)
    build_streaming(pipeline, config)
    proto = translated(pipeline)
    found = names(proto)
    assert any(n.startswith("PollFeeds/Tick") for n in found)
    assert any(n.startswith("KeepNewestRevision/NewestRevision") for n in found)
    assert any(n.startswith("WriteTables/GroupByDay") for n in found)
    fixed = [
        w
        for w in proto.components.windowing_strategies.values()
        if "fixed_windows" in w.window_fn.urn
    ]
    assert fixed, "no fixed windows in the streaming graph"


def test_streaming_needs_a_cloud_runner() -> None:
    with pytest.raises(ValueError, match="streaming runner"):
        parse("stream", {"feeds": ["https://x.no/rss"], "output": "out"})
