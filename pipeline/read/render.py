"""Query results rendered for people (table, line, Markdown) or tools (CSV, JSON).

Reading formats round floats and escape control characters, so a feed's ESC sequence never
reaches a terminal raw; tool formats stay exact.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from nordwire.transforms.feed.controls import json_safe, visible

FORMATS = ("table", "line", "markdown", "csv", "json")
DEFAULT_WIDTH = 60


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _number(value: float) -> str:
    # Four decimals are plenty to read a score; float32 noise (0.9993000030517578) goes.
    if math.isnan(value) or math.isinf(value):
        return str(value)
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _readable(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list | dict):
        return json.dumps(_round(_plain(value)), ensure_ascii=False)
    return str(_plain(value))


def _round(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        return float(_number(value))
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _clip(text: str, width: int) -> str:
    # A table row is one line: a newline is shown as ↵ (the line format keeps them).
    text = text.replace("\r\n", "\n").replace("\n", "↵").replace("\t", " ")
    return text if width <= 0 or len(text) <= width else text[: width - 1] + "…"


def _count(rows: Sequence[Any]) -> str:
    return f"({len(rows)} row{'s' if len(rows) != 1 else ''})"


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    max_width: int = DEFAULT_WIDTH,
) -> str:
    """Rows as an aligned table, `column = value` lines, Markdown, CSV or one JSON array.

    table, line and markdown are for reading: floats to four decimals, cells in table and
    markdown cut at `max_width` characters (0: never), with control characters shown as
    `\\x1b` (a feed's ESC sequence never reaches the terminal raw). csv and json are for
    tools: exact (json escapes every control character; csv at a terminal: `for_terminal`).
    """
    if fmt == "json":
        return json_safe(
            json.dumps(
                [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    json.dumps(_plain(v), ensure_ascii=False)
                    if isinstance(v, list | dict)
                    else _plain(v)
                    for v in row
                ]
            )
        return buffer.getvalue().rstrip("\n")
    columns = [visible(c) for c in columns]
    if fmt == "line":
        width = max((len(c) for c in columns), default=0)
        blocks = [
            "\n".join(
                f"{c.rjust(width)} = {visible(_readable(v))}".rstrip()
                for c, v in zip(columns, row, strict=True)
            )
            for row in rows
        ]
        return "\n\n".join([*blocks, _count(rows)])
    cells = [[_clip(visible(_readable(v)), max_width) for v in row] for row in rows]
    if fmt == "markdown":

        def md(values: Sequence[str]) -> str:
            return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

        return "\n".join([md(columns), md(["---"] * len(columns)), *(md(r) for r in cells)])
    if fmt != "table":
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [
        " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells
    ]
    lines.append(_count(rows))
    return "\n".join(lines)


def for_terminal(text: str, fmt: str, stream: Any) -> str:
    """Rendered rows as printed to `stream`: CSV shows control characters when that is a terminal."""
    isatty = getattr(stream, "isatty", None)
    return visible(text) if fmt == "csv" and isatty is not None and isatty() else text
