"""The `nordwire` command line: a thin layer over the graph builders, the poller and the query helper."""

import logging

# Beam warns on the root logger while it is imported (without the gcp extra: "apitools not
# found"), and logging.warning() on a root without handlers installs one that prints it. The
# command line prints its own lines; Beam's log shows with -v.
logging.getLogger().addHandler(logging.NullHandler())

from nordwire.pipeline.cli import evaluate, feed_health, jobs, maintain, query, report, show  # noqa: E402
from nordwire.pipeline.cli.app import main  # noqa: E402

__all__ = ["evaluate", "feed_health", "jobs", "main", "maintain", "query", "report", "show"]
