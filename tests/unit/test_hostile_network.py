"""Hostile feed servers, third pass (issue 27): stacked encodings, mixed DNS answers, proxies.

Every server listens on loopback and every test is bounded by the fetcher's own deadline.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpcore
import pytest
import zstandard
from click.testing import CliRunner
from nordwire.pipeline.cli import main
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.io.fetch import Fetcher, proxy_notice
from nordwire.pipeline.io.netguard import RequestGuard, is_private_address
from nordwire.pipeline.poller.cycles import run_cycle
from nordwire.pipeline.poller.state import PollerState
from nordwire.pipeline.read.query import connect
from nordwire.transforms.feed.dates import OSLO

from tests.helpers.bombs import stacked
from tests.helpers.feedserver import FeedServer, encoded, feed_server, rss, send

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
    state = PollerState(tmp_path / "state")
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


# 4. Which addresses a feed may reach. In these tests 127.0.0.1 plays the public internet and
# its IPv4-mapped IPv6 form ::ffff:127.0.0.1 the private network: one machine, two addresses
# the policy tells apart.

V6_IS_PRIVATE = {"is_private": lambda ip: ip.version == 6}


def admin_page(h: BaseHTTPRequestHandler) -> None:
    send(h, 200, b"<html><body>instance credentials</body></html>", {"Content-Type": "text/html"})


@pytest.mark.parametrize(
    ("text", "private"),
    [
        ("2002:a9fe:a9fe::1", True),  # 6to4 around 169.254.169.254
        ("2002:0a00:0001::", True),  # 6to4 around 10.0.0.1
        ("2002:c0a8:0101::1", True),  # 6to4 around 192.168.1.1
        ("2002:0808:0808::1", False),  # 6to4 around 8.8.8.8
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 to 169.254.169.254
        ("64:ff9b::7f00:1", True),  # NAT64 to 127.0.0.1
        ("64:ff9b::808:808", False),  # NAT64 to 8.8.8.8: an IPv6-only network's way out
        ("::ffff:169.254.169.254", True),
        ("::ffff:0:a9fe:a9fe", True),  # IPv4-translated (RFC 2765): reserved
        ("::a9fe:a9fe", True),  # IPv4-compatible (deprecated): reserved
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
        ("fe80::1", True),
        ("2a00:1450:400f:80d::200e", False),
    ],
)
def test_addresses_embedding_ipv4_are_judged_by_it(text: str, private: bool) -> None:
    assert is_private_address(ipaddress.ip_address(text)) is private


def test_link_local_is_refused_even_for_an_intranet_feed() -> None:
    guard = RequestGuard()
    metadata = ipaddress.ip_address("169.254.169.254")
    with guard.request(time.monotonic() + 5, allow_private=True):
        assert guard.permitted(ipaddress.ip_address("10.1.2.3"))
        assert not guard.permitted(metadata)
        assert not guard.permitted(ipaddress.ip_address("2002:a9fe:a9fe::1"))
    with guard.request(time.monotonic() + 5, allow_private=True, allow_link_local=True):
        assert guard.permitted(metadata)  # a feed that is itself on a link-local address
    with guard.request(time.monotonic() + 5, allow_private=False):
        assert not guard.permitted(ipaddress.ip_address("10.1.2.3"))


@pytest.fixture
def mixed_dns(monkeypatch: pytest.MonkeyPatch) -> str:
    """`mixed.test` resolves to a "public" and a "private" address, as a rebinding DNS answers."""
    real = socket.getaddrinfo

    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> object:
        if host != "mixed.test":
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:127.0.0.1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return "mixed.test"


def test_a_mixed_dns_answer_does_not_exempt_a_feed(server: FeedServer, mixed_dns: str) -> None:
    port = server.base.rsplit(":", 1)[1]
    server.routes["/feed"] = lambda h: send(
        h, 302, headers={"Location": f"http://[::ffff:127.0.0.1]:{port}/latest/meta-data/"}
    )
    server.routes["/latest/meta-data/"] = admin_page
    with Fetcher(total_timeout=5.0, **V6_IS_PRIVATE) as fetcher:
        result = fetcher.fetch(f"http://{mixed_dns}:{port}/feed")
    assert result.body is None and "refused" in (result.error or ""), result.error
    assert [path for path, _ in server.requests] == ["/feed"]  # the feed, from its public address


def test_a_mixed_dns_answer_is_reached_on_its_public_address_only(
    server: FeedServer, mixed_dns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/feed"] = lambda h: send(h, 200, FEED, {"Content-Type": "application/rss+xml"})
    port = server.base.rsplit(":", 1)[1]
    tried: list[str] = []
    connect = httpcore.SyncBackend.connect_tcp

    def spy(self: httpcore.SyncBackend, host: str, *args: object, **kwargs: object) -> object:
        tried.append(host)
        return connect(self, host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", spy)
    # 127.0.0.1 comes first in the answer; made the private one here, it is never tried.
    with Fetcher(total_timeout=5.0, is_private=lambda ip: ip.version == 4) as fetcher:
        result = fetcher.fetch(f"http://{mixed_dns}:{port}/feed")
    assert result.ok, result.error
    assert [ipaddress.ip_address(t) for t in tried] == [ipaddress.ip_address("::ffff:127.0.0.1")]


def test_a_kept_alive_intranet_connection_does_not_serve_a_public_redirect() -> None:
    with feed_server(keep_alive=True) as server:
        port = server.base.rsplit(":", 1)[1]
        intranet = f"http://[::ffff:127.0.0.1]:{port}"
        server.routes["/intranet"] = lambda h: send(h, 200, FEED)
        server.routes["/feed"] = lambda h: send(h, 302, headers={"Location": intranet + "/admin"})
        server.routes["/admin"] = admin_page
        with Fetcher(total_timeout=5.0, **V6_IS_PRIVATE) as fetcher:
            assert fetcher.fetch(intranet + "/intranet").ok  # its connection stays in the pool
            result = fetcher.fetch(server.url("/feed"))
    assert result.body is None and "refused" in (result.error or ""), result.error
    assert [path for path, _ in server.requests] == ["/intranet", "/feed"]


# 12. Proxies in the environment are not used, and `poll` says so at start


def test_a_proxy_in_the_environment_is_not_used(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server.routes["/feed"] = lambda h: send(h, 200, FEED, {"Content-Type": "application/rss+xml"})
    with feed_server() as proxy:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.base)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with Fetcher(total_timeout=5.0) as fetcher:
            assert fetcher.fetch(server.url("/feed")).ok
        result = CliRunner().invoke(
            main, ["poll", "--feeds", server.url("/feed"), "--once", "--output", str(tmp_path)]
        )
    assert proxy.requests == []  # fetched directly, never through the proxy
    assert result.exit_code == 0, result.output
    assert "HTTPS_PROXY, HTTP_PROXY, http_proxy, ALL_PROXY are set" in result.stderr
    assert "fetched directly" in result.stderr
    assert "1 feeds fetched" in result.stdout


def test_no_notice_without_a_proxy() -> None:
    assert proxy_notice({"PATH": "/usr/bin", "HTTP_PROXY": ""}) is None


def test_a_servers_words_in_a_fetch_error_are_shown_not_obeyed(server: FeedServer) -> None:
    # An 8-bit CSI (0x9b) is legal in a header value; the error text goes to `feeds status`.
    server.routes["/feed"] = lambda h: send(h, 302, headers={"Location": server.url("/page")})
    server.routes["/page"] = lambda h: send(h, 200, b"<html/>", {"Content-Type": "text/html\x9b2J"})
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert result.error == "redirected to a page that is not a feed (text/html\\x9b2J)"
