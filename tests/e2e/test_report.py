"""`nordwire report`: the page's content, and every chart drawn in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from nordwire.pipeline.cli import main

from tests.helpers.tables import write_output

pytest.importorskip("matplotlib")
NOW = datetime(2024, 3, 13, 8, 0, tzinfo=UTC)
SECTIONS = [
    "articles-by-source",
    "articles-by-topic",
    "language",
    "entities",
    "speakers",
    "rejects",
    "feeds",
]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_output(tmp_path_factory.mktemp("report") / "out")


def build(out: Path, since: date | None = None) -> str:
    from nordwire.pipeline.read.report import build_report

    return build_report(str(out), since, out / "_state" / "state.sqlite", NOW)


def charts_in(page: str) -> list[str]:
    return re.findall(r'<figure class="chart" data-chart="([a-z-]+)"><svg', page)


def test_every_section_has_a_chart_and_the_page_is_self_contained(out: Path) -> None:
    page = build(out)
    assert charts_in(page) == SECTIONS
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert not re.search(r"url\(\s*['\"]?https?:", page)  # nothing fetched from the network
    assert "<b>6</b>articles" in page and "<b>2</b>rejects" in page
    # most quoted speaker with a sample quote; feed health table from the poller state
    assert "<td>Erna Solberg</td><td>2</td><td>2</td>" in page and "Vi må ta grep nå" in page
    assert "HTTP 503" in page and "https://www.nrk.no/toppsaker.rss" in page
    assert "vg (failing ×1, last 503)" in page


def test_the_page_is_deterministic(out: Path) -> None:
    assert build(out) == build(out)


def test_since_keeps_later_partitions_only(out: Path) -> None:
    page = build(out, date(2024, 3, 12))
    assert "<b>2</b>articles" in page and "since 2024-03-12" in page
    assert "2024-03-10" not in page.split("</ul>", 1)[1].split('id="feeds"')[0]


def test_names_from_the_data_are_escaped(tmp_path: Path) -> None:
    from nordwire.pipeline.read.report import render_html

    page = render_html(
        "out",
        {
            "articles": 0,
            "sources": 0,
            "first": None,
            "last": None,
            "entities": 0,
            "quotes": 0,
            "rejects": 0,
        },
        [],
        None,
        NOW,
    )
    assert "no articles" in page
    from nordwire.pipeline.read import charts

    svg = charts.horizontal_bars([("<script>alert(1)</script> $x$", 3)], "n")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "$x$" in svg
    assert charts.label_text("Innenriks\nReisende") == "Innenriks Reisende"
    assert charts.label_text("x" * 50) == "x" * 31 + "…"


def test_an_empty_output_gives_notes_not_errors(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    code = CliRunner().invoke(main, ["report", "--output", str(tmp_path / "out")])
    assert code.exit_code == 0, code.output
    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert charts_in(page) == [] and "No articles to show." in page and 'id="feeds"' not in page


def test_cli_writes_the_page_and_checks_its_arguments(out: Path, tmp_path: Path) -> None:
    target = tmp_path / "r" / "page.html"
    result = CliRunner().invoke(
        main, ["report", "--output", str(out), "--html", str(target), "--since", "2024-03-11"]
    )
    assert result.exit_code == 0 and result.stdout.startswith(f"wrote {target}")
    assert charts_in(target.read_text("utf-8")) == SECTIONS
    bad = CliRunner().invoke(main, ["report", "--output", str(out), "--since", "last week"])
    assert bad.exit_code == 2
    absent = CliRunner().invoke(main, ["report", "--output", str(tmp_path / "absent")])
    assert absent.exit_code == 2 and "run `nordwire run` first" in absent.stderr


# --- in a real browser ------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]

# Injected into a copy of the page for the test only (the report itself has no script): it
# records errors and console.error calls, then on load measures every chart.
PROBE = """<script>
window.__errors = [];
addEventListener("error", e => __errors.push(String(e.message || (e.target && e.target.src))), true);
const __ce = console.error; console.error = (...a) => { __errors.push(a.join(" ")); __ce(...a); };
addEventListener("load", () => {
  const charts = [...document.querySelectorAll("figure.chart")].map(f => {
    const svg = f.querySelector("svg"), r = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll("path, rect, use")].filter(e => {
      const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length;
    const texts = [...svg.querySelectorAll("text")].filter(t => t.textContent.trim()).length;
    return {key: f.dataset.chart, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height, marks, texts};
  });
  document.title = JSON.stringify({errors: __errors, charts, height: document.documentElement.scrollHeight});
});
</script>"""


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, "--enable-logging=stderr", "--v=0", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_every_chart_draws_in_headless_chromium(out: Path, tmp_path: Path) -> None:
    from PIL import Image

    page = build(out)
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("<head>", "<head>" + PROBE, 1), "utf-8")
    dom = chromium("--window-size=1280,900", "--dump-dom", probed.as_uri())
    title = re.search(r"<title>(.*?)</title>", dom.stdout, re.DOTALL)
    assert title, dom.stderr[-2000:]
    found = json.loads(
        title.group(1)
        .replace("&amp;", "&")
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    assert found["errors"] == []
    assert not [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert [c["key"] for c in found["charts"]] == SECTIONS
    for chart in found["charts"]:
        # drawn: a real size on the page, bars and axes as shapes, labels as text
        assert chart["w"] > 300 and chart["h"] > 100, chart
        assert chart["marks"] >= 3 and chart["texts"] >= 3, chart
        assert chart["x"] + chart["w"] <= 1280 + 1, f"{chart['key']} is wider than a laptop screen"
    height = int(found["height"]) + 20
    shot_file = tmp_path / "shot.png"
    shot = chromium(
        f"--window-size=1280,{height}",
        f"--screenshot={shot_file}",
        "--hide-scrollbars",
        probed.as_uri(),
    )
    assert shot_file.is_file(), shot.stderr[-2000:]
    image = Image.open(shot_file).convert("RGB")
    for chart in found["charts"]:
        box = (
            int(chart["x"]),
            int(chart["y"]),
            int(chart["x"] + chart["w"]),
            int(chart["y"] + chart["h"]),
        )
        small = image.crop(box).resize((200, max(20, int(200 * chart["h"] / chart["w"]))))
        raw = small.tobytes()
        pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
        inked = sum(1 for p in pixels if min(p) < 200) / len(pixels)
        coloured = sum(1 for p in pixels if max(p) - min(p) > 60) / len(pixels)
        # not blank: text and axes in dark ink, bars in colour
        assert inked > 0.01 and coloured > 0.01, (chart["key"], inked, coloured)


def test_names_are_counted_as_the_articles_table_groups_them(tmp_path: Path) -> None:
    from nordwire.pipeline.read.query import connect
    from nordwire.pipeline.read.report import _entities
    from nordwire.schemas.items import Mention

    from tests.conftest import make_item
    from tests.helpers.tables import write_items

    def article(n: int, *mentions: tuple[str, str, str]) -> object:
        return make_item(
            article_id=f"a{n}",
            identity_basis="guid",
            language="nb",
            variety="nb",
            guid=f"g{n}",
            published_at=datetime(2024, 3, 10 + n, 9, tzinfo=UTC),  # one file a day
            date_precision="time",
            topic="politics",
            topics=(("politics", 1.0),),
            entities=tuple(
                Mention("body", text, label, 0, len(text), 0, norm)
                for text, label, norm in mentions
            ),
        )

    write_items(
        tmp_path,
        [
            article(
                1, ("Vladimir Putin", "PER", "Vladimir Putin"), ("Russland", "GPE_ORG", "Russland")
            ),
            article(2, ("Putin", "PER", "Putin"), ("Russland", "GPE_ORG", "Russland")),
            article(3, ("Putin", "PER", "Putin"), ("Nato", "ORG", "Nato")),
        ],
    )
    con = connect(str(tmp_path))
    try:
        groups = dict(_entities(con, None))
    finally:
        con.close()
    assert groups["People (PER)"] == [("Vladimir Putin", 3)]  # one row, not "Putin" beside it
    assert groups["Organisations (ORG)"] == [("Nato", 1)]  # a state acting is not an organisation
    assert groups["Places (LOC, GPE_LOC, GPE_ORG)"] == [("Russland", 2)]  # ... it is a place
