"""Entry point of the Dataflow Flex Template (and any launcher that only passes --flags).

`python -m nordwire.pipeline.launch --command run|stream --output gs://... [--input ...]
[--feeds ...] [Beam options]`: the same parameters, parsing and submit as the CLI's
`nordwire run` and `nordwire stream`; list values may be comma-separated.
"""

from __future__ import annotations

import logging
import sys

from nordwire.pipeline.runner import run_job
from nordwire.pipeline.template import from_template_argv


def main(argv: list[str] | None = None) -> None:
    """Console entry: parse the template's flags, submit the job, print its state."""
    logging.getLogger().setLevel(logging.INFO)
    summary = run_job(from_template_argv(sys.argv[1:] if argv is None else argv))
    print(summary.line())


if __name__ == "__main__":
    main()
