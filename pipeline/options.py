"""The job's own flags; every other flag passes through to Beam."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions


class NordwireOptions(PipelineOptions):
    """--input, --output and friends; Beam's own options (--runner, --project...) pass through."""

    @classmethod
    def _add_argparse_args(cls, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--input",
            action="append",
            default=None,
            help="File, glob or directory to read (repeatable); default: the bundled samples.",
        )
        parser.add_argument("--output", default="out", help="Output folder (local path or gs://).")
        parser.add_argument(
            "--timezone",
            default="Europe/Oslo",
            help="Time zone of the partition date and of feed dates that carry no zone.",
        )
        parser.add_argument(
            "--job_started",
            default=None,
            help="ISO time of the run (internal: lets the summary and state agree).",
        )
