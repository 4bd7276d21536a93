"""The `nordwire` command group; each command lives in the module of its concern."""

from __future__ import annotations

import logging

import click


def _quiet_logging(verbose: bool) -> None:
    # Beam logs (and warns about optional GCP libraries) on the root logger; keep the CLI's
    # output to its own lines unless asked.
    root = logging.getLogger()
    if verbose:
        logging.basicConfig(level=logging.INFO, force=True)
    elif not root.handlers:
        root.addHandler(logging.NullHandler())
        root.setLevel(logging.ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show Beam's log.")
@click.version_option(package_name="nordwire")
def main(verbose: bool) -> None:
    """nordwire: Norwegian wire feeds to Parquet tables with Apache Beam."""
    _quiet_logging(verbose)
