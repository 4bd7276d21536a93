"""The Flex Template's face of the job parameters: Beam options, argv parsing and metadata.json.

All three are generated from config.PARAMETERS, so the template, the CLI and Beam agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from apache_beam.options.pipeline_options import PipelineOptions
from nordwire.pipeline.config import PARAMETERS, ConfigError, JobConfig, parse


class NordwireOptions(PipelineOptions):
    """nordwire's parameters as Beam options (the Flex Template launcher reads them this way)."""

    @classmethod
    def _add_argparse_args(cls, parser):  # type: ignore[no-untyped-def]
        for p in PARAMETERS:
            if not p.template:
                continue
            # Beam's spelling (--dedup_days): the template passes every parameter this way.
            flag = f"--{p.dest}"
            if p.kind == "list":
                parser.add_argument(flag, action="append", default=None, help=p.help)
            elif p.kind == "float":
                parser.add_argument(flag, type=float, default=p.default, help=p.help)
            else:
                parser.add_argument(flag, default=p.default, help=p.help)


def from_template_argv(argv: Sequence[str]) -> JobConfig:
    """The Flex Template's flags (every template parameter as --name=value) as a JobConfig."""
    options = PipelineOptions(list(argv)).view_as(NordwireOptions)
    for p in PARAMETERS:
        if not p.template:
            continue
        value = getattr(options, p.dest)
        values = value if isinstance(value, list) else [] if value is None else [value]
        for v in values:
            text = f"{v:g}" if isinstance(v, float) else str(v)
            if not re.fullmatch(p.regex, text):
                raise ConfigError(f"--{p.name}={text!r} does not match {p.regex}")
    beam_args = _without(argv, {f"--{p.dest}" for p in PARAMETERS if p.template})
    command = str(options.command)
    accepted = {
        p.dest: getattr(options, p.dest)
        for p in PARAMETERS
        if p.template and command in p.commands and getattr(options, p.dest) is not None
    }
    return parse(command, accepted, beam_args)


def _without(argv: Sequence[str], flags: set[str]) -> list[str]:
    """argv with the given flags (as --flag=value or --flag value) removed."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        flag = arg.split("=", 1)[0]
        if flag in flags:
            skip = "=" not in arg
            continue
        out.append(arg)
    return out


def template_metadata() -> dict[str, object]:
    """deploy/dataflow/metadata.json, derived from PARAMETERS (a test keeps the file in step)."""
    return {
        "name": "nordwire",
        "description": "Norwegian wire feeds to Parquet tables (articles, entities, quotes, "
        "rejects) partitioned by date and topic.",
        "parameters": [
            {
                "name": p.dest,
                "label": p.label,
                "helpText": f"{p.help} Example: {p.example}",
                "isOptional": not p.required_in_template,
                "regexes": [p.regex],
            }
            for p in PARAMETERS
            if p.template
        ],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(template_metadata(), indent=2, ensure_ascii=False))
