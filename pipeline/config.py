"""The job's own flags, declared once: the CLI, the Flex Template metadata and Beam all read this list."""

from __future__ import annotations

from dataclasses import dataclass

from apache_beam.options.pipeline_options import PipelineOptions


@dataclass(frozen=True)
class JobParameter:
    """One job flag: its argparse form and what deploy/dataflow/metadata.json must say of it."""

    name: str
    label: str
    help: str
    regex: str
    example: str
    required_in_template: bool = False
    default: str | None = None
    repeatable: bool = False


JOB_PARAMETERS: tuple[JobParameter, ...] = (
    JobParameter(
        "mode",
        "Mode",
        "run: process --input files once; stream: poll --feeds continuously (streaming job); "
        "once: poll --feeds once (for a scheduler).",
        r"^(run|stream|once)$",
        "stream",
        default="run",
    ),
    JobParameter(
        "input",
        "Input files",
        "Feed or wire-text files, folders or globs (comma-separated), for mode=run; default: the bundled samples.",
        r"^[^,\s]+(,[^,\s]+)*$",
        "gs://my-bucket/in/*.xml",
        repeatable=True,
    ),
    JobParameter(
        "feeds",
        "Feed URLs",
        "Feed URLs to poll (comma-separated), for mode=stream and mode=once.",
        r"^https?://[^,\s]+(,https?://[^,\s]+)*$",
        "https://www.nrk.no/toppsaker.rss",
        repeatable=True,
    ),
    JobParameter(
        "output",
        "Output folder",
        "Where the articles and rejects tables are written (Hive partitions by date and topic).",
        r"^(gs|s3)://[a-z0-9]([-_.a-z0-9]*[a-z0-9])?(/.*)?$",
        "gs://my-bucket/nordwire",
        required_in_template=True,
        default="out",
    ),
    JobParameter(
        "timezone",
        "Time zone",
        "Time zone of the partition date and of feed dates that carry no zone.",
        r"^[A-Za-z]+(/[A-Za-z0-9_+-]+)*$",
        "Europe/Oslo",
        default="Europe/Oslo",
    ),
    JobParameter(
        "interval",
        "Poll interval (s)",
        "Seconds between polls of every feed (mode=stream).",
        r"^[0-9]+(\.[0-9]+)?$",
        "300",
        default="300",
    ),
    JobParameter(
        "window",
        "Window (s)",
        "Seconds per fixed window; each window is written once (mode=stream).",
        r"^[0-9]+(\.[0-9]+)?$",
        "300",
        default="300",
    ),
)


def split_list(values: list[str] | None) -> list[str]:
    """A repeatable flag's values, each of which may itself be a comma-separated list."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


class NordwireOptions(PipelineOptions):
    """nordwire's flags; Beam's own options (--runner, --project, ...) pass through untouched."""

    @classmethod
    def _add_argparse_args(cls, parser):  # type: ignore[no-untyped-def]
        for p in JOB_PARAMETERS:
            if p.repeatable:
                parser.add_argument(f"--{p.name}", action="append", default=None, help=p.help)
            elif p.name in ("interval", "window"):
                parser.add_argument(
                    f"--{p.name}", type=float, default=float(p.default or 0), help=p.help
                )
            else:
                parser.add_argument(f"--{p.name}", default=p.default, help=p.help)


def template_metadata() -> dict[str, object]:
    """deploy/dataflow/metadata.json, derived from JOB_PARAMETERS (a test keeps the file in step)."""
    return {
        "name": "nordwire",
        "description": "Norwegian wire feeds to Parquet tables (articles, rejects) partitioned by date and topic.",
        "parameters": [
            {
                "name": p.name,
                "label": p.label,
                "helpText": f"{p.help} Example: {p.example}",
                "isOptional": not p.required_in_template,
                "regexes": [p.regex],
            }
            for p in JOB_PARAMETERS
        ],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(template_metadata(), indent=2, ensure_ascii=False))
