"""Hostile feed servers, third pass (issue 27): stacked encodings, mixed DNS answers, proxies.

Every server listens on loopback and every test is bounded by the fetcher's own deadline.
"""

from __future__ import annotations

import functools
import gzip
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feeds import Feed
from nordwire.pipeline.io.fetch import Fetcher
from nordwire.pipeline.poller.cycles import run_cycle
from nordwire.pipeline.poller.state import StreamState
from nordwire.pipeline.query import connect
from nordwire.transforms.dates import OSLO

from tests.helpers.bombs import stacked
from tests.helpers.feedserver import FeedServer, encoded, feed_server, rss

NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)
FEED = rss([("sak-2701", "Skolen bygges ut"), ("sak-2702", "Ny bru over fjorden")])
CAP = 1 << 20


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as s:
        yield s


@functools.cache
def bomb(coding: str) -> bytes:
    return stacked(64 << 20, coding)  # 64 MiB of zeros behind each coding, 64 times the cap


# 1. Stacked content encodings are undone by nordwire's capped decoders, not by httpx


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize(
    ("coding", "pack"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),  # what many servers send as "deflate"
        ("zstd", zstandard.compress),
        ("gzip, gzip", lambda d: gzip.compress(gzip.compress(d))),
        ("identity, gzip", gzip.compress),
        ("identity", lambda d: d),
    ],
)
def test_encoded_feeds_are_read(server: FeedServer, coding: str, pack) -> None:  # type: ignore[no-untyped-def]
    server.routes["/feed"] = encoded(pack(FEED), coding)
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert result.ok and result.body == FEED, result.error


@pytest.mark.parametrize("coding", ["gzip, gzip", "zstd, zstd", "zstd", "gzip", "gzip, zstd"])
def test_an_encoding_bomb_costs_the_cap_not_the_expansion(server: FeedServer, coding: str) -> None:
    server.routes["/bomb"] = encoded(bomb(coding), coding)
    with Fetcher(max_bytes=CAP, total_timeout=30.0) as fetcher:
        tracemalloc.start()
        try:
            result = fetcher.fetch(server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.body is None and (result.error or "").startswith("too large"), result.error
    assert peak < 8 * CAP, f"{peak / 2**20:.0f} MiB for a {CAP >> 20} MiB cap"


@pytest.mark.parametrize(
    ("coding", "data", "says"),
    [
        ("br", FEED, "unsupported content coding 'br'"),
        ("gzip, gzip, gzip, gzip", FEED, "4 stacked content codings"),
        ("gzip", gzip.compress(FEED)[:200], "gzip data cut short"),
        ("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 60, "corrupt gzip data"),
    ],
)
def test_an_undecodable_body_is_a_fetch_error(
    server: FeedServer, coding: str, data: bytes, says: str
) -> None:
    server.routes["/feed"] = encoded(data, coding)
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert result.body is None and says in (result.error or ""), result.error


def test_good_feeds_beside_bombs_are_written(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/good"] = encoded(gzip.compress(FEED), "gzip")
    feeds = [Feed("good", server.url("/good"))]
    for i, coding in enumerate(("gzip, gzip", "zstd, zstd", "zstd")):
        server.routes[f"/bomb{i}"] = encoded(bomb(coding), coding)
        feeds.append(Feed(f"bomb{i}", server.url(f"/bomb{i}")))
    state = StreamState(tmp_path / "state")
    config = JobConfig(
        "poll", output=str(tmp_path / "out"), timezone=OSLO, feeds=tuple(feeds), interval=30.0
    )
    try:
        with Fetcher(max_bytes=CAP, total_timeout=30.0) as fetcher:
            report = run_cycle(config, state, fetcher, now=lambda: NOW)
    finally:
        state.close()
    assert (report.fetched, report.failed) == (1, 3)
    assert all(p.startswith("too large") for p in report.problems.values()), report.problems
    guids = connect(str(tmp_path / "out")).execute("SELECT guid FROM articles ORDER BY 1")
    assert guids.fetchall() == [("sak-2701",), ("sak-2702",)]
