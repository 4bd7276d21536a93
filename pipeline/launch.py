"""Entry point of the Dataflow Flex Template (and any launcher that only passes --flags).

`python -m nordwire.pipeline.launch --mode run|stream|once --output gs://... [--input ...] [--feeds ...]
[Beam options]`: submits the job and returns; list flags may be comma-separated.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

from apache_beam.options.pipeline_options import PipelineOptions
from nordwire.pipeline.config import JOB_PARAMETERS, NordwireOptions, split_list


def _check(options: NordwireOptions) -> None:
    for p in JOB_PARAMETERS:
        value = getattr(options, p.name)
        values = value if isinstance(value, list) else [] if value is None else [str(value)]
        for v in values:
            if not re.fullmatch(p.regex, str(v if not isinstance(v, float) else f"{v:g}")):
                raise ValueError(f"--{p.name}={v!r} does not match {p.regex}")


def launch(argv: list[str]) -> str:
    """Build and submit the job `--mode` names; returns the job state."""
    from nordwire.pipeline.graph.streaming import poll_once_pipeline, streaming_pipeline
    from nordwire.pipeline.runner import run_batch

    options = PipelineOptions(argv).view_as(NordwireOptions)
    _check(options)
    tz = ZoneInfo(options.timezone)
    if options.mode == "run":
        inputs = split_list(options.input)
        rest = [a for a in argv if not a.startswith("--input")]
        return run_batch([*rest, *(x for i in inputs for x in ("--input", i))]).state
    feeds = split_list(options.feeds)
    if not feeds:
        raise ValueError(f"--mode={options.mode} needs --feeds")
    if options.mode == "stream":
        pipeline, _ = streaming_pipeline(
            feeds,
            options.output,
            tz,
            argv,
            interval=options.interval,
            window=timedelta(seconds=options.window),
        )
    else:
        pipeline, _ = poll_once_pipeline(feeds, options.output, tz, argv)
    return str(pipeline.run().state)


def main() -> None:
    """Console entry: log, launch, and exit 0 once the job is submitted."""
    logging.getLogger().setLevel(logging.INFO)
    print(f"nordwire: job {launch(sys.argv[1:])}")


if __name__ == "__main__":
    main()
