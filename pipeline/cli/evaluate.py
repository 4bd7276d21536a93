"""`nordwire eval`: the models measured on labelled data (the tools are not in the worker image)."""

from __future__ import annotations

import glob
import importlib.util
from pathlib import Path

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, read_or_fail


@main.group(name="eval")
def eval_group() -> None:
    """Measure the models on labelled data."""
    # The worker image leaves the offline tools out (.dockerignore): say so instead of a traceback.
    if importlib.util.find_spec("nordwire.pipeline.tools.evaluate") is None:
        fail("the evaluation tools are not installed here; run `nordwire eval` from a clone")


_report_format = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@eval_group.command(name="langid")
@click.argument("tsv", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--feeds",
    "feeds",
    metavar="FILE_OR_GLOB",
    help="Score feed files instead: each item is judged in its feed's context, as `run` does.",
)
@click.option(
    "--gold",
    metavar="LANG",
    help="The language every item of --feeds is in: nb, nn, no (either variety), sv, da, en ...",
)
@_report_format
def eval_langid(tsv: Path | None, feeds: str | None, gold: str | None, fmt: str) -> None:
    """Language detection accuracy on TSV lines `label<TAB>text` (nb, nn, da, sv, en, de, ...),
    or on feed files with --feeds and --gold."""
    from nordwire.pipeline.tools.evaluate import BadInput, evaluate_langid, read_tsv, render

    if feeds is not None:
        from nordwire.pipeline.tools.evaluate import evaluate_feeds

        if tsv is not None or not gold:
            raise click.UsageError("--feeds takes --gold LANG and no TSV argument")
        paths = feed_paths(feeds)
        if not paths:
            raise click.UsageError(f"--feeds {feeds!r} matches no file")
        click.echo(render(evaluate_feeds(paths, gold), fmt))
        return
    if tsv is None:
        raise click.UsageError("give a TSV file, or --feeds FILE_OR_GLOB --gold LANG")
    click.echo(
        render(evaluate_langid(read_or_fail(tsv, read_tsv, (BadInput, UnicodeDecodeError))), fmt)
    )


def feed_paths(pattern: str) -> list[Path]:
    """The files a path or glob names, sorted (a directory means the files in it)."""
    path = Path(pattern)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    return sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())


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

    Reports accuracy, coverage (share not `unclassified`), the abstain rate (share
    `unclassified`) and per-topic precision, recall and abstain rate (the topic's items left
    `unclassified`).
    """
    from nordwire.pipeline.tools.evaluate import BadInput, evaluate_topics, read_tsv, render

    pairs = read_or_fail(tsv, read_tsv, (BadInput, UnicodeDecodeError))
    try:
        report = evaluate_topics(pairs)
    except BadInput as exc:
        fail(str(exc))
    click.echo(render(report, fmt))
