"""Where jobs start: one pipeline factory, one submit, and the one-line summary of a run."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import (
    FlinkRunnerOptions,
    GoogleCloudOptions,
    PipelineOptions,
    PortableOptions,
    StandardOptions,
)
from apache_beam.runners.runner import PipelineRunner
from nordwire.pipeline.config import JobConfig, is_local
from nordwire.pipeline.preflight import (
    PORTABLE_RUNNERS,
    check_submit,
    dry_run,
    own_job_server,
    runner_name,
    wait_until_on_flink,
)


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
    kind: str = "batch"
    written_articles: Counter[str] = field(default_factory=Counter)  # new rows only, by topic
    written_rejects: Counter[str] = field(default_factory=Counter)  # new rows only, by reason
    revised: int = 0  # stories stored in a newer revision (counted in written_articles too)
    failed_feeds: dict[str, str] = field(default_factory=dict)  # url -> reject reason
    translated_only: bool = False  # a dry run: the graph was translated, nothing ran
    counted: bool = False  # the runner's counters were read (a run waited for to its end)

    def line(self) -> str:
        """The one summary line printed at the end of a run."""
        if self.translated_only:
            return f"nordwire: {self.kind} job translated, not run ({self.runner} dry run)"
        if self.runner and not self.counted:
            return f"nordwire: {self.kind} job {self.state} on {self.runner}, {self.seconds:.1f} s"
        failed = ""
        if self.failed_feeds:
            named = ", ".join(f"{url} ({why})" for url, why in sorted(self.failed_feeds.items()))
            failed = f"; {len(self.failed_feeds)} feeds failed: {named}"
        return (
            f"nordwire: {self.inputs} inputs read, {self.items} items seen, "
            f"{sum(self.articles.values())} articles{breakdown(self.articles)}, "
            f"{self.already_present} already in the output, "
            + (f"{self.revised} revised, " if self.revised else "")
            + f"{sum(self.rejects.values())} rejects{breakdown(self.rejects)}, "
            f"{self.seconds:.1f} s{f' on {self.runner}' if self.runner else ''}{failed}"
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
    standard = options.view_as(StandardOptions)
    if standard.runner not in (None, "DirectRunner", "direct") or standard.streaming:
        return None
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    return FnApiRunner()


def new_pipeline(config: JobConfig, *, streaming: bool = False) -> beam.Pipeline:
    """An empty pipeline on the runner the config names (offline for a Dataflow dry run)."""
    options = config.pipeline_options(streaming=streaming)
    cloud = options.view_as(GoogleCloudOptions)
    if runner_name(options) in PORTABLE_RUNNERS and not cloud.job_name:
        # Flink lists a job by this name (Beam's default is BeamApp-USER-...).
        cloud.job_name = (
            f"nordwire-{config.command}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        )
    # Before Beam's own checks (which say "Pipeline has validations errors: " and go online):
    # one line within seconds, not minutes of silence.
    check_submit(options)
    offline_dry_run(options)
    return beam.Pipeline(runner=local_runner(options), options=options)


def summarise(result: Any, seconds: float) -> Summary:
    """Read the stage counters of a finished run into a Summary."""
    from nordwire.pipeline.io.feed_sources import FAILED_FEEDS
    from nordwire.pipeline.io.sink import written_counts

    summary = Summary(seconds=seconds, state=str(result.state))
    summary.written_articles, summary.written_rejects = written_counts(result)
    try:
        counters = result.metrics().query(MetricsFilter())["counters"]
    except (NotImplementedError, AttributeError, KeyError):  # runners without metrics (dry runs)
        return summary
    summary.counted = True
    for c in counters:
        namespace, name, value = c.key.metric.namespace, c.key.metric.name, c.committed or 0
        if namespace == FAILED_FEEDS and value:
            reason, _, url = name.partition(" ")
            summary.failed_feeds[url] = reason
        elif (namespace, name) in (("read", "inputs"), ("fetch", "ok")):
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
        elif (namespace, name) == ("write", "revisions:revised"):
            summary.revised += value
    return summary


def submit(pipeline: beam.Pipeline, kind: str = "batch") -> Summary:
    """The one place a built job is started: run to the end here, or submit to a cloud runner.

    A local run blocks and reports what it did; a cloud job is submitted and left to run,
    except with LOOPBACK workers, which live in this process: it waits for those.
    """
    started = time.perf_counter()
    options = pipeline.options
    local = is_local(options.view_as(StandardOptions).runner)
    # Before run(): a portable runner clears the runner's name from the options it submits.
    runner, translated_only = runner_name(options), dry_run(options)
    own = own_job_server(options)
    result = pipeline.run()
    loopback = (options.view_as(PortableOptions).environment_type or "").upper() == "LOOPBACK"
    state = None
    if local or loopback or (own and kind != "streaming"):
        result.wait_until_finish()
    elif own:  # a stream outlives this process once Flink runs it; its job server does not
        flink = options.view_as(FlinkRunnerOptions).flink_master
        state = wait_until_on_flink(result, flink, options.view_as(GoogleCloudOptions).job_name)
    if local or (own and kind != "streaming"):
        summary = summarise(result, time.perf_counter() - started)
        summary.runner = "" if local else runner
        summary.kind = kind
        return summary
    # The counts of a remote job live in its runner's UI; asking for them here could block.
    return Summary(
        seconds=time.perf_counter() - started,
        state=state or str(result.state),
        runner=runner,
        kind=kind,
        translated_only=translated_only,
    )


def run_job(config: JobConfig) -> Summary:
    """Build the job `config` names (`run` or `stream`) and submit it."""
    from nordwire.pipeline.graph.batch import build
    from nordwire.pipeline.graph.streaming import build_streaming

    if config.command == "stream":
        pipeline = new_pipeline(config, streaming=True)
        build_streaming(pipeline, config)
        return submit(pipeline, "streaming")
    pipeline = new_pipeline(config)
    build(pipeline, config)
    # No lock and nothing created here: the Delta tables take concurrent writers
    # (pipeline/io/revise.py), and a remote runner's output is where its workers run.
    return submit(pipeline, "poll-once" if config.feeds else "batch")
