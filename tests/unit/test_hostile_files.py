"""Hostile input files (issue 19): bombs, disguised and corrupt compression, odd names, link loops."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
import zstandard
from nordwire.pipeline.config import parse
from nordwire.pipeline.io.decompress import TooLarge, Unreadable, read_capped, sniff
from nordwire.pipeline.io.sources import display_path
from nordwire.pipeline.runner import run_job

from tests.conftest import ROOT
from tests.helpers.bombs import gzip_bomb as bomb
from tests.helpers.feedserver import rss
from tests.helpers.tables import rows

FEED = rss([("sak-1910", "Skolen bygges ut"), ("sak-1911", "Ny bru over fjorden")])


@pytest.mark.parametrize(
    "pack",
    [
        gzip.compress,
        lambda d: gzip.compress(d[:100]) + gzip.compress(d[100:]),  # two members
        bz2.compress,
        lzma.compress,
        zlib.compress,
        zstandard.ZstdCompressor().compress,
        lambda d: d,
    ],
)
def test_any_compression_is_read_whatever_the_name(pack) -> None:  # type: ignore[no-untyped-def]
    assert read_capped(io.BytesIO(pack(FEED)), 1 << 20) == FEED


def test_a_gzip_bomb_costs_the_cap_not_the_expansion() -> None:
    data = bomb(256 << 20)  # 256 MiB of zeros in ~250 kB
    cap = 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            read_capped(io.BytesIO(data), cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * cap


@pytest.mark.parametrize(
    "data",
    [gzip.compress(FEED)[:40], b"\x1f\x8b\x08\x00" + b"\xff" * 60, bz2.compress(FEED)[:30]],
)
def test_corrupt_or_cut_compression_is_unreadable(data: bytes) -> None:
    with pytest.raises(Unreadable):
        read_capped(io.BytesIO(data), 1 << 20)


def test_sniffing_does_not_mistake_text_for_compression() -> None:
    for text in (b"<?xml", b"xylofon", b"BZhello", FEED):
        assert sniff(text) is None


def test_a_run_over_hostile_files_keeps_going(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "feed-without-suffix").write_bytes(gzip.compress(FEED))
    (corpus / "corrupt.xml.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 60)
    (corpus / "plain-named.gz").write_bytes(rss([("sak-1912", "Ikke komprimert")]))
    (corpus / "bomb.xml").write_bytes(bomb(64 << 20))
    odd = os.fsencode(corpus) + b"/caf\xe9-\xff.xml"  # a file name that is not UTF-8
    with open(odd, "wb") as handle:
        handle.write(rss([("sak-1913", "Rart filnavn")]))
    out = tmp_path / "out"
    run_job(
        parse("run", {"input": [str(corpus)], "output": str(out)})
    )  # the bomb expands past 50 MB
    guids = {g for (g,) in rows(out, "SELECT guid FROM articles")}
    assert guids == {"sak-1910", "sak-1911", "sak-1912", "sak-1913"}
    read = dict(rows(out, "SELECT regexp_extract(input, '[^/]+$'), reason FROM rejects"))
    assert read == {"corrupt.xml.gz": "unreadable", "bomb.xml": "too_large"}
    (name,) = rows(out, "SELECT input FROM articles WHERE guid = 'sak-1913'")[0]
    assert str(name).endswith("caf\\xe9-\\xff.xml")
    assert display_path(os.fsdecode(odd)) == name


def test_a_glob_over_looping_links_does_not_hang(tmp_path: Path) -> None:
    top = tmp_path / "in"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "feed.xml").write_bytes(FEED)
    for i, target in enumerate(("..", "../..", ".", "../../..")):
        (top / "a" / "b" / f"loop{i}").symlink_to(target)
        (top / "a" / f"loop{i}").symlink_to(target)

    def check(pattern: Path) -> subprocess.CompletedProcess[str]:
        code = (
            "from nordwire.pipeline.cli.common import check_inputs; "
            f"check_inputs(({str(pattern)!r},)); print('checked')"
        )
        return subprocess.run(  # a hang would end here, as a failure
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    found = check(top / "**")
    assert found.returncode == 0 and found.stdout.strip() == "checked", found.stderr
    nothing = check(top / "**" / "*.none")
    assert nothing.returncode == 2 and "matches no file" in nothing.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_among_the_inputs_is_unreadable_not_a_hang(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "feed.xml").write_bytes(FEED)
    os.mkfifo(corpus / "pipe.xml")  # opening it would wait for a writer forever
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nordwire.pipeline",
            "run",
            "--input",
            str(corpus),
            "--output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert rows(out, "SELECT reason, error LIKE '%not a regular file%' FROM rejects") == [
        ("unreadable", True)
    ]
    assert rows(out, "SELECT count(*) FROM articles") == [(2,)]
