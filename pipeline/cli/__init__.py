"""The `nordwire` command line: a thin layer over the graph builders, the poller and the query helper."""

from nordwire.pipeline.cli import evaluate, feeds, inspect, jobs, maintain, report, show
from nordwire.pipeline.cli.app import main

__all__ = ["evaluate", "feeds", "inspect", "jobs", "main", "maintain", "report", "show"]
