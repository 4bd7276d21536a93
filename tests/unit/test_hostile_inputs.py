"""Input edge cases (issue 27): a name that is not UTF-8 given directly, a dangling link in an
input folder, a link loop inside the output, and a feed URL that cannot be parsed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from nordwire.pipeline.cli import main
from nordwire.pipeline.config import parse
from nordwire.pipeline.io.sources import dangling_links
from nordwire.pipeline.runner import run_job

from tests.conftest import ROOT
from tests.helpers.feedserver import rss
from tests.helpers.tables import rows, write_output

FEED = rss([("sak-2711", "Skolen bygges ut"), ("sak-2712", "Ny bru over fjorden")])


def test_a_name_that_is_not_utf8_can_be_given_directly(tmp_path: Path) -> None:
    odd = os.fsencode(tmp_path) + b"/caf\xe9-\xff.xml"
    with open(odd, "wb") as handle:
        handle.write(FEED)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--input", os.fsdecode(odd), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert rows(out, "SELECT DISTINCT regexp_extract(input, '[^/]+$') FROM articles") == [
        ("caf\\xe9-\\xff.xml",)
    ]
    assert rows(out, "SELECT count(*) FROM articles") == [(2,)]


def test_a_dangling_link_in_an_input_folder_is_a_read_reject(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "feed.xml").write_bytes(FEED)
    (folder / "gone.xml").symlink_to("deleted-last-night.xml")
    (folder / "self.xml").symlink_to("self.xml")  # points at itself
    (folder / "sub" / "also-gone.xml").symlink_to(tmp_path / "nowhere" / "x.xml")
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(folder)], "output": str(out)}))
    found = rows(
        out, "SELECT regexp_extract(input, '[^/]+$'), stage, reason, detail FROM rejects ORDER BY 1"
    )
    expected = [
        ("also-gone.xml", "nowhere/x.xml' that cannot be followed (No such file"),
        ("gone.xml", "'deleted-last-night.xml' that cannot be followed (No such file"),
        ("self.xml", "'self.xml' that cannot be followed (Too many levels of symbolic links)"),
    ]
    assert [(n, s, r) for n, s, r, _ in found] == [(n, "read", "unreadable") for n, _ in expected]
    for (_, _, _, detail), (_, says) in zip(found, expected, strict=True):
        assert str(detail).startswith("a symbolic link to") and says in str(detail), detail
    assert rows(out, "SELECT count(*) FROM articles") == [(2,)]
    # A glob takes in the links its own level matches, as Beam's matcher would the files.
    assert [link.rsplit("/", 1)[-1] for link, _ in dangling_links(f"{folder}/*.xml")] == [
        "gone.xml",
        "self.xml",
    ]
    assert dangling_links(f"{folder}/*.json") == [] and dangling_links("gs://b/in/*") == []


def test_a_link_loop_inside_the_output_does_not_hang_tables(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out", with_state=False)
    (out / "articles" / "loop").symlink_to("..")
    (next((out / "articles").glob("date=*")) / "up").symlink_to(out)
    done = subprocess.run(  # a hang would end here, as a failure
        [
            sys.executable,
            "-m",
            "nordwire.pipeline",
            "tables",
            "--output",
            str(out),
            "--format",
            "csv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("articles,6,6,6,"), done.stdout


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("http://[::1", "'http://[::1' is not a valid URL (Invalid IPv6 URL)"),
        ("http://[::1]:99999/feed", "is not a valid URL (Port out of range 0-65535)"),
        ("http://feed.example.no:port/", "is not a valid URL"),
    ],
)
def test_a_feed_url_that_cannot_be_parsed_is_one_line(spec: str, says: str, tmp_path: Path) -> None:
    listed = tmp_path / "feeds.yaml"
    listed.write_text(f"feeds:\n  - name: broken\n    url: '{spec}'\n", "utf-8")
    for given in (spec, str(listed)):
        result = CliRunner().invoke(
            main, ["poll", "--feeds", given, "--once", "--output", str(tmp_path / "out")]
        )
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("nordwire: error: ") and result.stderr.count("\n") == 1
        assert says in result.stderr and "Traceback" not in result.output


def test_broken_urls_inside_a_feed_lose_nothing(tmp_path: Path) -> None:
    # The channel link as a base, the item link as an outlet and a domain prior: each used
    # to raise ValueError (Invalid IPv6 URL) and take the document or the item with it.
    feed = tmp_path / "feed.xml"
    feed.write_bytes(
        rss([("sak-2713", "Skolen bygges ut"), ("sak-2714", "Ny bru over fjorden")])
        .replace(b"https://lokalavisa.example.no/</link>", b"http://[::1</link>")
        .replace(b"https://lokalavisa.example.no/sak-2713", b"http://[::1/sak-2713")
        .replace(b"https://lokalavisa.example.no/sak-2714", b"/relativ/sak-2714")
    )
    out = tmp_path / "out"
    run_job(parse("run", {"input": [str(feed)], "output": str(out)}))
    assert rows(out, "SELECT guid FROM articles ORDER BY 1") == [("sak-2713",), ("sak-2714",)]
    assert rows(out, "SELECT count(*) FROM rejects") == [(0,)]
