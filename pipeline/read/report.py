"""`nordwire report`: one self-contained HTML page of what was ingested, with charts.

The numbers come from the same sandboxed DuckDB views as `nordwire query`; feed health from
the poller's SQLite state, opened read-only (a running poller is not disturbed). The page has
no script and loads nothing: charts are inline SVG (pipeline/read/charts.py), styles inline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from nordwire.pipeline.poller.state import failing, read_feed_rows
from nordwire.pipeline.read import charts
from nordwire.pipeline.read.feedlog import feed_rows
from nordwire.pipeline.read.query import connect, select
from nordwire.transforms.extract.mentions import surname_links

TOP_SERIES = 7  # sources / topics drawn by name; the rest are "other"
TOP_NAMES = 10
SAMPLE = 300  # characters of a sample quote shown
_VARIETY = {"nb": "bokmål", "nn": "nynorsk"}
# NorNE labels drawn together: one panel per kind of name, as the articles table groups them
# (`places` holds a country acting as a state, GPE_ORG, too: schemas/articles.py).
ENTITY_GROUPS = (
    ("People (PER)", ("PER",)),
    ("Organisations (ORG)", ("ORG",)),
    ("Places (LOC, GPE_LOC, GPE_ORG)", ("LOC", "GPE_LOC", "GPE_ORG")),
)


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the page: a heading, a chart (SVG) or a note saying why there is none, a table."""

    key: str
    title: str
    svg: str | None
    note: str = ""
    table: tuple[list[str], list[tuple[Any, ...]]] | None = None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, since: date | None) -> list[tuple[Any, ...]]:
    # Every query takes the --since bound twice: `? IS NULL OR date >= ?`.
    return select(con, sql, [since, since]).fetchall()


_SINCE = "(? IS NULL OR date >= ?)"


def _per_day(
    con: duckdb.DuckDBPyConnection, column: str, since: date | None
) -> tuple[list[date], list[tuple[str, list[int]]]]:
    rows = _rows(
        con,
        f"SELECT date, {column}, count(*) FROM articles WHERE {_SINCE} GROUP BY ALL",
        since,
    )
    totals: dict[str, int] = {}
    for _, key, n in rows:
        totals[str(key)] = totals.get(str(key), 0) + n
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    # One more name costs no more room than an "other" bar would.
    named = ranked if len(ranked) <= TOP_SERIES + 1 else ranked[:TOP_SERIES]
    days = sorted({d for d, _, _ in rows})
    index = {d: i for i, d in enumerate(days)}
    series = {k: [0] * len(days) for k in named}
    other = [0] * len(days)
    for day, key, n in rows:
        target = series.get(str(key), other)
        target[index[day]] += n
    out = [(k, series[k]) for k in named]
    if len(ranked) > len(named):
        out.append(("other", other))
    return days, out


def _language(con: duckdb.DuckDBPyConnection, since: date | None) -> list[tuple[str, int]]:
    rows = _rows(
        con,
        f"SELECT language, variety, count(*) AS n FROM articles WHERE {_SINCE} "
        "GROUP BY ALL ORDER BY n DESC, language, variety",
        since,
    )
    return [
        (
            f"{lang} / {_VARIETY.get(variety, 'variety unknown') if variety else 'variety unknown'}",
            n,
        )
        for lang, variety, n in rows
    ]


def _entities(
    con: duckdb.DuckDBPyConnection, since: date | None
) -> list[tuple[str, list[tuple[str, int]]]]:
    groups = []
    for title, labels in ENTITY_GROUPS:
        where = f"label IN ({', '.join('?' * len(labels))}) AND {_SINCE}"
        links: dict[str, str] = {}
        if "PER" in labels:
            # `Putin` in articles that never give the full name counts as `Vladimir Putin`.
            used = select(
                con,
                f"SELECT normalised, count(DISTINCT article_id) FROM entities WHERE {where} "
                "GROUP BY ALL",
                [*labels, since, since],
            ).fetchall()
            links = surname_links({str(name): int(n) for name, n in used})
        pairs = [v for pair in links.items() for v in pair]
        mapping = (
            "SELECT * FROM (VALUES "
            + ", ".join(["(?, ?)"] * len(links))
            + ") AS m(short, long_name)"
            if links
            else "SELECT NULL::VARCHAR AS short, NULL::VARCHAR AS long_name WHERE false"
        )
        rows = select(
            con,
            f"WITH m AS ({mapping}) "
            "SELECT coalesce(m.long_name, e.normalised) AS name, count(DISTINCT e.article_id) AS n "
            f"FROM entities e LEFT JOIN m ON e.normalised = m.short WHERE {where} "
            f"GROUP BY ALL ORDER BY n DESC, name LIMIT {TOP_NAMES}",
            [*pairs, *labels, since, since],
        ).fetchall()
        groups.append((title, [(str(name), int(n)) for name, n in rows]))
    return groups


def _speakers(con: duckdb.DuckDBPyConnection, since: date | None) -> list[tuple[Any, ...]]:
    # A sample quote: the one nearest a tweet's length (ties by id), so it says something
    # without a whole paragraph; the page cuts it at SAMPLE characters anyway.
    return _rows(
        con,
        "SELECT speaker, count(*) AS quotes, count(DISTINCT article_id) AS articles, "
        "arg_min(quote, (abs(length(quote) - 140), quote_id)) AS sample FROM quotes "
        f"WHERE speaker IS NOT NULL AND {_SINCE} GROUP BY speaker "
        f"ORDER BY quotes DESC, speaker LIMIT {TOP_NAMES}",
        since,
    )


def _rejects(
    con: duckdb.DuckDBPyConnection, since: date | None
) -> tuple[list[str], list[tuple[str, list[int]]]]:
    rows = _rows(
        con, f"SELECT reason, stage, count(*) FROM rejects WHERE {_SINCE} GROUP BY ALL", since
    )
    totals: dict[str, int] = {}
    for reason, _, n in rows:
        totals[reason] = totals.get(reason, 0) + n
    reasons = sorted(totals, key=lambda r: (-totals[r], r))
    stages = sorted({stage for _, stage, _ in rows})
    counts = {(r, s): n for r, s, n in rows}
    return reasons, [(s, [counts.get((r, s), 0) for r in reasons]) for s in stages]


def _feed_label(feed: dict[str, Any]) -> str:
    # A failing feed often has no new items, so no bar to colour: its label says it.
    name = str(feed["name"] or feed["url"])
    if failing(feed):
        return f"{name} (failing ×{feed['failures']}, last {feed['last_status'] or 'error'})"
    return name


def _none(what: str) -> str:
    return f"No {what} to show."


def sections(
    output: str, since: date | None, state_file: Path
) -> tuple[dict[str, Any], list[Section]]:
    """The summary figures and every section of the report."""
    con = connect(output)
    try:
        summary_row = _rows(
            con,
            f"SELECT count(*), count(DISTINCT source), min(date), max(date) FROM articles WHERE {_SINCE}",
            since,
        )[0]
        counts = {
            t: _rows(con, f"SELECT count(*) FROM {t} WHERE {_SINCE}", since)[0][0]
            for t in ("entities", "quotes", "rejects")
        }
        by_source = _per_day(con, "source", since)
        by_topic = _per_day(con, "topic", since)
        language = _language(con, since)
        entity_groups = _entities(con, since)
        speakers = _speakers(con, since)
        reasons, stages = _rejects(con, since)
        # The local poller's state, else the fetch log of the streaming or scheduled job.
        feeds = read_feed_rows(state_file.parent) or feed_rows(con)
    finally:
        con.close()
    summary = {
        "articles": summary_row[0],
        "sources": summary_row[1],
        "first": summary_row[2],
        "last": summary_row[3],
        **counts,
    }
    out = [
        Section(
            "articles-by-source",
            "Articles per day, by source",
            charts.stacked_days(*by_source, "articles") if by_source[0] else None,
            "" if by_source[0] else _none("articles"),
        ),
        Section(
            "articles-by-topic",
            "Articles per day, by topic",
            charts.stacked_days(*by_topic, "articles") if by_topic[0] else None,
            "" if by_topic[0] else _none("articles"),
        ),
        Section(
            "language",
            "Language and variety",
            charts.horizontal_bars(language, "articles") if language else None,
            "" if language else _none("articles"),
        ),
    ]
    if any(rows for _, rows in entity_groups):
        out.append(
            Section(
                "entities",
                "Most mentioned names (articles that mention them)",
                charts.grouped_bars([g for g in entity_groups if g[1]], "articles"),
            )
        )
    else:
        out.append(Section("entities", "Most mentioned names", None, _none("entities")))
    out.append(
        Section(
            "speakers",
            "Most quoted speakers",
            charts.horizontal_bars([(str(s[0]), int(s[1])) for s in speakers], "quotes")
            if speakers
            else None,
            "" if speakers else _none("quotes with a speaker"),
            (["speaker", "quotes", "articles", "sample quote"], speakers) if speakers else None,
        )
    )
    out.append(
        Section(
            "rejects",
            "Rejects by reason and stage",
            charts.stacked_horizontal(reasons, stages, "rejects") if reasons else None,
            "" if reasons else "Nothing was rejected.",
        )
    )
    if feeds:
        colours = [charts.PALETTE[5] if failing(f) else charts.PALETTE[2] for f in feeds]
        out.append(
            Section(
                "feeds",
                "Feed health (new items per feed; red: failing now)",
                charts.horizontal_bars(
                    [(_feed_label(f), int(f["new_items"])) for f in feeds],
                    "new items",
                    colours,
                ),
                table=(list(feeds[0]), [tuple(f.values()) for f in feeds]),
            )
        )
    return summary, out


_CSS = """
body { font-family: system-ui, 'DejaVu Sans', sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1rem 1.5rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.meta { color: #555; margin-top: 0; }
.summary { display: flex; flex-wrap: wrap; gap: 0.8rem; padding: 0; list-style: none; }
.summary li { background: #f3f5f8; border-radius: 6px; padding: 0.5rem 0.9rem; }
.summary b { display: block; font-size: 1.3rem; }
figure { margin: 0.5rem 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin-top: 0.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
td.quote { max-width: 40rem; font-style: italic; }
.note { color: #666; font-style: italic; }
"""


def _cell(value: Any, column: str) -> str:
    text = "" if value is None else str(value)
    if column == "sample quote" and len(text) > SAMPLE:
        text = text[: SAMPLE - 1] + "…"
    css = ' class="quote"' if column == "sample quote" else ""
    return f"<td{css}>{html.escape(text)}</td>"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(_cell(v, c) for c, v in zip(columns, row, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(
    output: str,
    summary: dict[str, Any],
    parts: Sequence[Section],
    since: date | None,
    now: datetime,
) -> str:
    """The page: title, summary figures, then each section's chart (or note) and table."""
    period = f"{summary['first']} to {summary['last']}" if summary["first"] else "no articles"
    figures = [
        ("articles", summary["articles"]),
        ("sources", summary["sources"]),
        ("entity mentions", summary["entities"]),
        ("quotes", summary["quotes"]),
        ("rejects", summary["rejects"]),
    ]
    body = [
        "<h1>nordwire report</h1>",
        f'<p class="meta">{html.escape(output)} · {html.escape(period)}'
        + (f" · since {since.isoformat()}" if since else "")
        + f" · generated {now.strftime('%Y-%m-%d %H:%M UTC')}</p>",
        '<ul class="summary">'
        + "".join(
            f"<li><b>{n:,}</b>{html.escape(label if n != 1 else label.removesuffix('s'))}</li>"
            for label, n in figures
        )
        + "</ul>",
    ]
    for part in parts:
        body.append(f'<section id="{part.key}"><h2>{html.escape(part.title)}</h2>')
        if part.svg:
            body.append(f'<figure class="chart" data-chart="{part.key}">{part.svg}</figure>')
        if part.note:
            body.append(f'<p class="note">{html.escape(part.note)}</p>')
        if part.table:
            body.append(_table(*part.table))
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>nordwire report</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def build_report(output: str, since: date | None, state_file: Path, now: datetime) -> str:
    """The whole HTML report of the tables under `output`."""
    summary, parts = sections(output, since, state_file)
    return render_html(output, summary, parts, since, now)
