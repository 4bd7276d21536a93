"""`nordwire show`: read what the pipeline made of an article, field by field, as an editor would."""

from __future__ import annotations

import os
import random
import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from nordwire.pipeline.cli.app import main
from nordwire.pipeline.cli.common import fail, is_remote
from nordwire.transforms.feed.controls import visible
from nordwire.transforms.feed.dates import OSLO

WIDTH = 100
SUMMARY_CHARS = 400
BODY_CHARS = 700
CAPTION_CHARS = 300
MAX_QUOTES = 8
MAX_NAMES = 12
SHOWN = frozenset(("articles", "entities", "quotes", "revisions"))  # the tables it reads

Row = Mapping[str, Any]


def _short(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _when(value: Any, tz: ZoneInfo) -> str:
    if not isinstance(value, datetime):
        return "-" if value is None else str(value)
    local = value.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {tz.key} ({value.astimezone(ZoneInfo('UTC')):%H:%M} UTC)"


def _block(label: str, text: str | None) -> list[str]:
    if not text:
        return [f"{label + ':':<10} -"]
    wrapped = textwrap.wrap(text, WIDTH - 11) or [""]
    return [f"{label + ':':<10} {wrapped[0]}", *(f"{'':<10} {line}" for line in wrapped[1:])]


def _entity_lines(entities: Sequence[Row]) -> list[str]:
    groups: dict[str, dict[str, set[str]]] = {}
    for e in entities:
        names = groups.setdefault(str(e.get("label")), {})
        names.setdefault(str(e.get("normalised") or e.get("text")), set()).add(str(e.get("text")))
    lines = []
    for label in sorted(groups):
        shown = []
        for name, forms in sorted(groups[label].items())[:MAX_NAMES]:
            other = sorted(f for f in forms if f != name)
            shown.append(f"{name} ({', '.join(other)})" if other else name)
        more = len(groups[label]) - MAX_NAMES
        lines.append(f"  {label:<8} " + "; ".join(shown) + (f"; +{more} more" if more > 0 else ""))
    return lines or ["  -"]


def _quote_lines(quotes: Sequence[Row]) -> list[str]:
    lines = []
    for q in quotes[:MAX_QUOTES]:
        speaker = q.get("speaker") or "?"
        raw = q.get("speaker_raw")
        who = f"{speaker} (as «{raw}»)" if raw and raw != speaker else speaker
        text = _short(q.get("quote"), 140)
        # Reported speech ("ifølge ...") is the writer's words, not the speaker's: no «».
        said = f"(reported) {text}" if q.get("kind") == "reported" else f"«{text}»"
        lines.append(f"  {said} — {who}")
    if len(quotes) > MAX_QUOTES:
        lines.append(f"  +{len(quotes) - MAX_QUOTES} more")
    return lines or ["  -"]


def _date_lines(dates: Sequence[Row] | None) -> list[str]:
    lines = [
        f"  {d.get('text')!s:<28} -> {d.get('value') or '?'} ({d.get('precision')}, {d.get('field')})"
        for d in dates or []
    ]
    return lines or ["  -"]


def _revision_lines(revisions: Sequence[Row], current: Any, tz: ZoneInfo) -> list[str]:
    lines = []
    for r in revisions:
        changed = ", ".join(r.get("changed") or []) or (
            "first seen" if r.get("revision") == 1 else "-"
        )
        mark = "*" if r.get("revision") == current else " "
        lines.append(
            f" {mark}{r.get('revision')!s:>3}  seen {_when(r.get('seen_at'), tz)}; "
            f"clock {r.get('clock_basis')}; changed: {changed}"
        )
        lines.append(f"       {_short(r.get('title'), WIDTH - 8) or '(no title)'}")
    return lines or ["  -"]


def render_article(
    article: Row,
    entities: Sequence[Row] = (),
    quotes: Sequence[Row] = (),
    tz: ZoneInfo = OSLO,
    revisions: Sequence[Row] = (),
) -> str:
    """An article row, its entity and quote rows and its revisions as a page an editor can read."""
    topics = ", ".join(
        f"{t.get('topic')} {float(t.get('score') or 0):.2f}" for t in article.get("topics") or []
    )
    confidence = article.get("language_confidence")
    language = f"{article.get('language')}"
    if article.get("variety") and article.get("variety") != article.get("language"):
        language += f" ({article.get('variety')})"
    if confidence is not None:
        language += f", confidence {float(confidence):.2f}"
    if article.get("language_basis"):
        language += f", by {article.get('language_basis')}"
    source = str(article.get("source"))
    if article.get("feed_title"):
        source += f"  (feed: {article.get('feed_title')})"
    lines = [
        "=" * WIDTH,
        f"{article.get('title') or '(no title)'}",
        "-" * WIDTH,
        f"{'id:':<10} {article.get('article_id')}  (identity by {article.get('identity_basis')})",
        f"{'revision:':<10} {article.get('revision')}, first seen "
        f"{_when(article.get('first_seen_at'), tz)}",
        f"{'source:':<10} {source}",
        f"{'url:':<10} {article.get('url') or '-'}",
        f"{'published:':<10} {_when(article.get('published_at'), tz)}"
        f"  precision {article.get('date_precision')}, basis {article.get('date_basis', '-')}",
        f"{'partition:':<10} date={article.get('date')}  topic={article.get('topic')}",
        f"{'language:':<10} {language}",
        f"{'topic:':<10} {article.get('topic')} by {article.get('topic_basis') or '-'}"
        + (f"  [{topics}]" if topics else ""),
        f"{'byline:':<10} {article.get('byline') or '-'}",
        f"{'credits:':<10} {', '.join(article.get('credits') or []) or '-'}",
        f"{'words:':<10} {article.get('word_count')}",
        *_block("summary", _short(article.get("summary"), SUMMARY_CHARS)),
        *_block("body", _short(article.get("body"), BODY_CHARS)),
        *_block("caption", _short(article.get("caption"), CAPTION_CHARS)),
        "entities:",
        *_entity_lines(entities),
        "quotes:",
        *_quote_lines(quotes),
        "dates:",
        *_date_lines(article.get("dates")),
        "revisions (* current):",
        *_revision_lines(revisions, article.get("revision"), tz),
    ]
    return "\n".join(lines)


def _rows(con: Any, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    from nordwire.pipeline.read.query import select  # one read-only statement, or QueryRefused

    cursor = select(con, sql, params)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def article_ids(
    con: Any, wanted: str | None, count: int | None, where: str | None, seed: int
) -> list[str]:
    """The ids to show: one id (or a unique prefix of one), or `count` picked at random."""
    condition = f"({where})" if where else "TRUE"
    if wanted is not None:
        found = _rows(
            con,
            f"SELECT DISTINCT article_id FROM articles WHERE starts_with(article_id, ?) AND {condition}"
            " ORDER BY 1 LIMIT 3",
            [wanted],
        )
        ids = [r["article_id"] for r in found]
        exact = [i for i in ids if i == wanted]
        return exact or ids
    # hash(id, seed) orders the same rows the same way for the same seed, on any thread count
    found = _rows(
        con,
        f"SELECT article_id FROM articles WHERE {condition} ORDER BY hash(article_id, ?) LIMIT ?",
        [seed, count or 1],
    )
    return [r["article_id"] for r in found]


def load_article(
    con: Any, article_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """An article's row (with its partition values), its entity and quote rows, its revisions."""
    (article,) = _rows(con, "SELECT * FROM articles WHERE article_id = ? LIMIT 1", [article_id])
    entities = _rows(
        con, "SELECT * FROM entities WHERE article_id = ? ORDER BY field, char_start", [article_id]
    )
    quotes = _rows(
        con, "SELECT * FROM quotes WHERE article_id = ? ORDER BY field, char_start", [article_id]
    )
    revisions = _rows(
        con, "SELECT * FROM revisions WHERE article_id = ? ORDER BY revision", [article_id]
    )
    return article, entities, quotes, revisions


@main.command()
@click.argument("article_id", required=False)
@click.option(
    "--random", "count", type=click.IntRange(1, 1000), help="Show N articles picked at random."
)
@click.option("--where", help="SQL condition on the articles view, e.g. \"source = 'nrk.no'\".")
@click.option("--seed", type=int, help="Seed of the random pick (printed when not given).")
@click.option("--output", default="out", show_default=True, help="Folder the tables are in.")
def show(
    article_id: str | None, count: int | None, where: str | None, seed: int | None, output: str
) -> None:
    """Print what nordwire made of an article: fields, dates and bases, entities, quotes, and
    its revisions (the versions of the story nordwire has seen, the current one marked)."""
    import duckdb
    from nordwire.pipeline.io.location import UnreadableOutput
    from nordwire.pipeline.read.query import QueryRefused, connect, named_tables

    if (article_id is None) == (count is None):
        fail("give an ARTICLE_ID or --random N (not both)")
    if not is_remote(output) and not os.path.isdir(output):
        fail(f"--output {output!r} is not a folder; run `nordwire run` first")
    if seed is None and count is not None:
        seed = random.SystemRandom().randrange(1, 1_000_000)
        click.echo(f"(random pick, --seed {seed})")
    try:
        con = connect(output, tables=SHOWN | named_tables(where or "", SHOWN))
    except UnreadableOutput as exc:
        fail(str(exc))
    try:
        ids = article_ids(con, article_id, count, where, seed or 0)
        if article_id is not None and len(ids) != 1:
            fail(
                f"no article {article_id!r}"
                if not ids
                else f"{article_id!r} is the start of several ids"
            )
        for found in ids:  # a feed's ESC or BEL in a byline is shown, never obeyed
            article, entities, quotes, revisions = load_article(con, found)
            click.echo(visible(render_article(article, entities, quotes, revisions=revisions)))
    except QueryRefused as exc:  # --where was more than a condition
        fail(f"--where must be one condition on the articles view: {exc}")
    except duckdb.Error as exc:
        fail(str(exc).splitlines()[0])
    finally:
        con.close()
