"""Run the batch graph and report what it did in one summary line."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineRunner
from nordwire.pipeline.graph.batch import build

LOCAL_RUNNERS = (None, "DirectRunner", "direct")


def breakdown(counts: Counter[str]) -> str:
    """` (a 3, b 1)`: counts, largest first, for the one-line summaries; empty for none."""
    inner = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f" ({inner})" if inner else ""


@dataclass
class Summary:
    """What one run read, kept, skipped and rejected."""

    inputs: int = 0
    items: int = 0
    articles: Counter[str] = field(default_factory=Counter)  # by topic, this run
    already_present: int = 0
    rejects: Counter[str] = field(default_factory=Counter)  # by reason, this run
    seconds: float = 0.0
    state: str = ""
    runner: str = ""  # set when the job ran elsewhere (Dataflow, Flink): counts are not known here

    def line(self) -> str:
        """The one summary line printed at the end of a run."""
        if self.runner:
            return f"nordwire: batch job {self.state} on {self.runner}, {self.seconds:.1f} s"

        return (
            f"nordwire: {self.inputs} inputs read, {self.items} items seen, "
            f"{sum(self.articles.values())} articles{breakdown(self.articles)}, "
            f"{self.already_present} already in the output, "
            f"{sum(self.rejects.values())} rejects{breakdown(self.rejects)}, {self.seconds:.1f} s"
        )


def offline_dry_run(options: PipelineOptions) -> None:
    """A Dataflow `--dry_run` only translates the graph: keep Beam from checking buckets online.

    Beam validates temp and staging buckets before it builds anything and, when they look
    wrong, tries to create a default bucket over the network; it skips that for a local
    endpoint, which a dry run never contacts anyway.
    """
    from apache_beam.options.pipeline_options import GoogleCloudOptions, TestOptions

    if (
        options.view_as(StandardOptions).runner == "DataflowRunner"
        and options.view_as(TestOptions).dry_run
    ):
        cloud = options.view_as(GoogleCloudOptions)
        if not cloud.dataflow_endpoint or "googleapis.com" in cloud.dataflow_endpoint:
            cloud.dataflow_endpoint = "http://localhost:9"


def local_runner(options: PipelineOptions) -> PipelineRunner | None:
    """DirectRunner's in-process engine, without its Prism attempt (it downloads a binary)."""
    if options.view_as(StandardOptions).runner not in LOCAL_RUNNERS:
        return None
    if options.view_as(StandardOptions).streaming:
        return None
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    return FnApiRunner()


def summarise(result: Any, seconds: float) -> Summary:
    """Read the stage counters of a finished run into a Summary."""
    summary = Summary(seconds=seconds, state=str(result.state))
    try:
        counters = result.metrics().query(MetricsFilter())["counters"]
    except (NotImplementedError, AttributeError, KeyError):  # runners without metrics (dry runs)
        return summary
    for c in counters:
        namespace, name, value = c.key.metric.namespace, c.key.metric.name, c.committed or 0
        if (namespace, name) == ("read", "inputs"):
            summary.inputs += value
        elif (namespace, name) == ("parse", "ok"):
            summary.items += value
        elif namespace == "articles":
            summary.articles[name] += value
        elif namespace == "rejects":
            summary.rejects[name] += value
        elif (
            namespace == "write"
            and name.endswith(":already_present")
            and name.startswith("articles")
        ):
            summary.already_present += value
    return summary


def run_batch(argv: list[str]) -> Summary:
    """Build and run the batch graph with Beam options `argv`; block until it ends."""
    options = PipelineOptions(argv)
    started = time.perf_counter()
    offline_dry_run(options)
    runner = local_runner(options)
    pipeline = beam.Pipeline(runner=runner, options=options)
    build(pipeline, options)
    result = pipeline.run()
    if runner is not None:  # local: block and report; a cloud job is submitted and left to run
        result.wait_until_finish()
    summary = summarise(result, time.perf_counter() - started)
    if runner is None:
        summary.runner = type(pipeline.runner).__name__
    return summary
