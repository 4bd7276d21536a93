"""`nordwire eval langid --feeds GLOB --gold LANG`: feed files scored item by item in context."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import nordwire

SWEDISH = [
    (
        "Regeringen vill sänka skatten",
        "Förslaget presenteras i budgeten nästa vecka och gäller alla pensionärer.",
    ),
    (
        "Polisen söker vittnen",
        "Skottlossningen inträffade strax efter midnatt och ingen har gripits.",
    ),
    ("Ny låt", None),
    ("Hon vann guld igen", "Det är tredje året i rad som hon står överst på pallen."),
]


def _feed(items: list[tuple[str, str | None]], tag: str | None) -> str:
    language = f"<language>{tag}</language>" if tag else ""
    body = "".join(
        f"<item><title>{t}</title><link>https://www.example.se/{i}</link>"
        + (f"<description>{d}</description>" if d else "")
        + "</item>"
        for i, (t, d) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://www.example.se/</link>{language}{body}</channel></rss>"
    )


def test_feeds_are_scored_in_context(tmp_path: Path) -> None:
    (tmp_path / "tagged.xml").write_text(_feed(SWEDISH, "sv-SE"), "utf-8")
    (tmp_path / "untagged.xml").write_text(_feed(SWEDISH, None), "utf-8")
    out = nordwire(
        "eval", "langid", "--feeds", str(tmp_path / "*.xml"), "--gold", "sv", "--format", "json"
    )
    report = json.loads(out.stdout)
    assert report["feeds"] == 2 and report["items"] == 8
    assert report["in_context"]["kept_per_100"] == 0.0
    assert report["in_context"]["languages"] == {"sv": 8}
    text = nordwire("eval", "langid", "--feeds", str(tmp_path), "--gold", "sv").stdout
    assert "in_context" in text and "item_alone" in text


def test_feeds_need_a_gold_language_and_a_match(tmp_path: Path) -> None:
    proc = nordwire("eval", "langid", "--feeds", str(tmp_path / "*.xml"), check=False)
    assert proc.returncode == 2 and "--gold" in proc.stderr
    proc = nordwire(
        "eval", "langid", "--feeds", str(tmp_path / "none-*.xml"), "--gold", "nb", check=False
    )
    assert proc.returncode == 2 and "matches no file" in proc.stderr
