"""`nordwire eval`: the models measured on labelled data (the tools are not in the worker image)."""

from __future__ import annotations

from pathlib import Path

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, read_or_fail


@main.group(name="eval")
def eval_group() -> None:
    """Measure the models on labelled data."""


_report_format = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@eval_group.command(name="langid")
@click.argument("tsv", type=click.Path(dir_okay=False, path_type=Path))
@_report_format
def eval_langid(tsv: Path, fmt: str) -> None:
    """Language detection accuracy on TSV lines `label<TAB>text` (nb, nn, da, sv, en, de, ...)."""
    from nordwire.pipeline.tools.evaluate import BadInput, evaluate_langid, read_tsv, render

    click.echo(
        render(evaluate_langid(read_or_fail(tsv, read_tsv, (BadInput, UnicodeDecodeError))), fmt)
    )


@eval_group.command(name="ner")
@click.option(
    "--conllu",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CoNLL-U with NorNE tags in MISC (name=B-PER), e.g. ../shared/data/norne/nob/dev.conllu.",
)
@_report_format
def eval_ner(conllu: Path, fmt: str) -> None:
    """Strict entity-level precision, recall and F1 (exact span and label), per label and micro."""
    from nordwire.pipeline.tools.conll import ConllError, read_conll
    from nordwire.pipeline.tools.evaluate import evaluate_ner, render

    click.echo(
        render(
            evaluate_ner(read_or_fail(conllu, read_conll, (ConllError, UnicodeDecodeError))), fmt
        )
    )


@eval_group.command(name="topics")
@click.argument("tsv", type=click.Path(dir_okay=False, path_type=Path))
@_report_format
def eval_topics(tsv: Path, fmt: str) -> None:
    """Topic accuracy from text alone on TSV lines `slug<TAB>headline[<TAB>lede]`.

    Reports accuracy, coverage (share not `unclassified`) and per-topic precision and recall.
    """
    from nordwire.pipeline.tools.evaluate import BadInput, evaluate_topics, read_tsv, render

    pairs = read_or_fail(tsv, read_tsv, (BadInput, UnicodeDecodeError))
    try:
        report = evaluate_topics(pairs)
    except BadInput as exc:
        fail(str(exc))
    click.echo(render(report, fmt))
