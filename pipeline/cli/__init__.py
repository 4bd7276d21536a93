"""The `nordwire` command line: a thin layer over the graph builders, the poller and the query helper."""

from nordwire.pipeline.cli import evaluate, inspect, jobs, report, show
from nordwire.pipeline.cli.app import main

__all__ = ["evaluate", "inspect", "jobs", "main", "report", "show"]
