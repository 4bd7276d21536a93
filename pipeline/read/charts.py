"""Charts for `nordwire report`, drawn with matplotlib as inline SVG (no JavaScript, no network).

Figures are built with the object API (`Figure`, no pyplot): no global state, no GUI backend.
Output is deterministic: no creation date in the SVG and a fixed salt for its element ids, so
the same data gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Colour-blind-safe qualitative palette (Okabe & Ito), then grey for "other".
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER = "#BBBBBB"
WIDTH, HEIGHT = 9.0, 3.6  # inches: about 860 px wide at 96 dpi, fits a laptop screen

_RC = {
    "svg.hashsalt": "nordwire",  # stable ids inside the SVG
    "svg.fonttype": "none",  # text stays text: smaller, searchable, drawn by the browser
    "text.parse_math": False,  # a `$` in a name is a dollar sign, not TeX
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}


LABEL = 32  # characters of a bar label; longer names end in …


def label_text(text: str) -> str:
    """A bar label on one line: whitespace (newlines in a name) folded, long names cut."""
    text = " ".join(text.split())
    return text if len(text) <= LABEL else text[: LABEL - 1] + "…"


@contextmanager
def _style() -> Iterator[None]:
    # matplotlib types rc keys as a Literal union; the dict above is checked at run time by it.
    with matplotlib.rc_context(cast(Any, _RC)):
        yield


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    # Inline SVG in HTML needs neither the XML prolog nor the DOCTYPE.
    return re.sub(r"^.*?(?=<svg)", "", text, count=1, flags=re.DOTALL)


def _colours(n: int, other_last: bool) -> list[str]:
    colours = [PALETTE[i % len(PALETTE)] for i in range(n)]
    if other_last and n:
        colours[-1] = OTHER
    return colours


def stacked_days(
    days: Sequence[date], series: Sequence[tuple[str, Sequence[int]]], ylabel: str
) -> str:
    """Stacked bars per day, one colour per series (the last is "other" when it is so named)."""
    with _style():
        fig = Figure(figsize=(WIDTH, HEIGHT))
        ax: Axes = fig.add_subplot()
        labels = [d.isoformat() for d in days]
        positions = list(range(len(days)))
        bottom = [0] * len(days)
        colours = _colours(len(series), bool(series) and series[-1][0] == "other")
        for (name, counts), colour in zip(series, colours, strict=True):
            ax.bar(positions, counts, bottom=bottom, label=name, color=colour, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        step = max(1, len(days) // 12)  # at most ~12 date labels, however long the period
        ax.set_xticks(positions[::step], labels[::step], rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.25 articles
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        return _svg(fig)


def horizontal_bars(
    rows: Sequence[tuple[str, int]], xlabel: str, colours: Sequence[str] | None = None
) -> str:
    """One bar per label, largest on top, the count written at the end of each bar."""
    with _style():
        height = max(1.6, 0.28 * len(rows) + 0.8)
        fig = Figure(figsize=(WIDTH * 0.75, height))
        ax: Axes = fig.add_subplot()
        labels = [label_text(label) for label, _ in rows][::-1]
        values = [value for _, value in rows][::-1]
        fill = list(colours)[::-1] if colours else [PALETTE[0]] * len(rows)
        bars = ax.barh(labels, values, color=fill)
        ax.bar_label(bars, padding=3, fontsize=8)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.margins(x=0.12)
        return _svg(fig)


def grouped_bars(groups: Sequence[tuple[str, Sequence[tuple[str, int]]]], xlabel: str) -> str:
    """Small multiples: one horizontal bar panel per group (e.g. per entity label)."""
    with _style():
        tallest = max((len(rows) for _, rows in groups), default=1)
        fig = Figure(figsize=(WIDTH * 1.1, max(2.0, 0.26 * tallest + 1.0)))
        axes = fig.subplots(1, max(1, len(groups)), squeeze=False)[0]
        for ax, (title, rows), colour in zip(axes, groups, PALETTE, strict=False):
            labels = [label_text(label) for label, _ in rows][::-1]
            values = [value for _, value in rows][::-1]
            bars = ax.barh(labels, values, color=colour)
            ax.bar_label(bars, padding=2, fontsize=7)
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            # Narrow panels: few ticks, or their numbers run into each other.
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            ax.margins(x=0.2)
            ax.tick_params(axis="y", labelsize=8)
        fig.tight_layout()
        return _svg(fig)


def stacked_horizontal(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], xlabel: str
) -> str:
    """Horizontal stacked bars: one bar per category, one colour per series."""
    with _style():
        fig = Figure(figsize=(WIDTH * 0.85, max(1.6, 0.3 * len(categories) + 0.9)))
        ax: Axes = fig.add_subplot()
        labels = list(categories)[::-1]
        left = [0] * len(categories)
        for (name, counts), colour in zip(series, _colours(len(series), False), strict=True):
            values = list(counts)[::-1]
            ax.barh(labels, values, left=left, label=name, color=colour)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8, title="stage"
        )
        return _svg(fig)
