"""Hostile feed servers (issue 19): one bad feed never stops, stalls or leaks into a cycle.

Every server listens on 127.0.0.1 and every test is bounded by the fetcher's own deadline.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.io.fetch import (
    MAX_RETRY_AFTER_SECONDS,
    Fetcher,
    retry_after_seconds,
    truncated,
)
from nordwire.pipeline.io.netguard import is_private_address
from nordwire.pipeline.poller.cycles import next_attempt, run_cycle
from nordwire.pipeline.poller.state import PollerState
from nordwire.pipeline.read.query import connect
from nordwire.transforms.feed.dates import OSLO

from tests.helpers.feedserver import FeedServer, feed_server, rss, send

NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)
NINES = "9" * 400


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as s:
        yield s


def cycle(tmp_path: Path, feeds: list[Feed], fetcher: Fetcher) -> tuple[object, PollerState]:
    state = PollerState(tmp_path / "state")
    config = JobConfig(
        "poll", output=str(tmp_path / "out"), timezone=OSLO, feeds=tuple(feeds), interval=30.0
    )
    report = run_cycle(config, state, fetcher, now=lambda: NOW)
    return report, state


# 1. Retry-After


@pytest.mark.parametrize(
    "value", [NINES, "99999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "²", "١٢"]
)
def test_absurd_retry_after_is_capped_or_ignored(value: str) -> None:
    seconds = retry_after_seconds(value, NOW)
    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER_SECONDS
    next_attempt(1, 30.0, seconds, NOW)  # no OverflowError when the poller adds it


def test_a_429_with_400_nines_does_not_stop_the_good_feed(
    server: FeedServer, tmp_path: Path
) -> None:
    server.routes["/good"] = lambda h: send(h, 200, rss([("sak-1901", "God sak")]))
    server.routes["/mean"] = lambda h: send(h, 429, b"", {"Retry-After": NINES})
    feeds = [Feed("good", server.url("/good")), Feed("mean", server.url("/mean"))]
    with Fetcher(read_timeout=2.0, total_timeout=5.0) as fetcher:
        report, state = cycle(tmp_path, feeds, fetcher)
    try:
        assert report.fetched == 1 and report.failed == 1  # type: ignore[attr-defined]
        assert not state.due(server.url("/mean"), NOW + timedelta(hours=1))
        assert state.due(server.url("/mean"), NOW + timedelta(days=8))
    finally:
        state.close()
    rows = connect(str(tmp_path / "out")).execute("SELECT guid FROM articles").fetchall()
    assert rows == [("sak-1901",)]


# 2. One deadline for the whole request


def dribble(seconds: float) -> object:
    """A status line and headers one byte at a time for `seconds`, never finished, then a hang-up."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Padding: " + b"a" * 200
        for i in range(len(head)):
            h.wfile.write(head[i : i + 1])
            h.wfile.flush()
            time.sleep(seconds / len(head))

    return handle


def test_headers_sent_one_byte_at_a_time_hit_the_request_deadline(server: FeedServer) -> None:
    # Each byte comes well within the 1 s read timeout; only a deadline for the whole
    # request ends this before the server hangs up (which would be a different error).
    server.routes["/slow"] = dribble(20.0)  # type: ignore[assignment]
    with Fetcher(read_timeout=1.0, total_timeout=2.0) as fetcher:
        result = fetcher.fetch(server.url("/slow"))
    assert not result.ok and result.body is None
    assert result.error is not None and result.error.startswith("timeout"), result.error


# 8. Redirects to private addresses


def test_private_addresses() -> None:
    for text in ("10.1.2.3", "169.254.169.254", "127.0.0.1", "::1", "::ffff:10.0.0.1", "fd00::1"):
        assert is_private_address(ipaddress.ip_address(text)), text
    for text in ("8.8.8.8", "151.101.1.1", "2a00:1450::1"):
        assert not is_private_address(ipaddress.ip_address(text)), text


def admin_page(h: BaseHTTPRequestHandler) -> None:
    send(
        h, 200, b"<html><body>root:x:0:0 admin console</body></html>", {"Content-Type": "text/html"}
    )


def test_a_redirect_from_a_public_feed_to_a_private_address_is_refused(server: FeedServer) -> None:
    # Here 127.0.0.1 plays the public internet and its IPv4-mapped IPv6 form the private
    # network: the same machine, two addresses the policy tells apart.
    port = server.base.rsplit(":", 1)[1]
    server.routes["/feed"] = lambda h: send(
        h, 302, headers={"Location": f"http://[::ffff:127.0.0.1]:{port}/admin"}
    )
    server.routes["/admin"] = admin_page
    with Fetcher(is_private=lambda ip: ip.version == 6, total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
    assert result.body is None and result.error is not None
    assert "refused" in result.error and "private" in result.error
    assert [path for path, _ in server.requests] == ["/feed"]


def test_a_feed_on_a_private_address_may_redirect_within_it(server: FeedServer) -> None:
    server.routes["/old"] = lambda h: send(h, 301, headers={"Location": server.url("/feed")})
    server.routes["/feed"] = lambda h: send(h, 200, rss([("sak-1903", "Flyttet")]))
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/old"))
    assert result.ok and result.final_url == server.url("/feed")


def test_a_redirected_page_that_is_not_a_feed_is_never_kept(
    server: FeedServer, tmp_path: Path
) -> None:
    server.routes["/feed"] = lambda h: send(h, 302, headers={"Location": server.url("/admin")})
    server.routes["/admin"] = admin_page
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
        assert result.body is None and "not a feed" in (result.error or "")
        report, state = cycle(tmp_path, [Feed("f", server.url("/feed"))], fetcher)
    state.close()
    out = tmp_path / "out"
    assert report.failed == 1  # type: ignore[attr-defined]
    assert not (out / "_raw").exists()
    stored = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"admin console" not in stored


# 10. A body cut short


def test_a_body_shorter_than_the_document_is_not_processed(
    server: FeedServer, tmp_path: Path
) -> None:
    whole = rss([("sak-1904", "Hel sak"), ("sak-1905", "Kuttet sak")])
    cut = whole.index(b"<description>", whole.index(b"sak-1905"))

    def short(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(cut))  # shorter than what follows
        h.end_headers()
        h.wfile.write(whole)

    server.routes["/feed"] = short
    with Fetcher(total_timeout=5.0) as fetcher:
        result = fetcher.fetch(server.url("/feed"))
        assert result.body is None and "truncated" in (result.error or "")
        report, state = cycle(tmp_path, [Feed("f", server.url("/feed"))], fetcher)
    try:
        assert report.failed == 1  # type: ignore[attr-defined]
        assert state.unseen(["x"]) == {"x"} and not state.pending()
        assert state.due(server.url("/feed"), NOW + timedelta(minutes=5))  # tried again soon
    finally:
        state.close()


def test_truncation_is_judged_by_the_root_element() -> None:
    assert truncated(b'<?xml version="1.0"?>\n<rss><channel><item><title>x')
    assert truncated(b"\xef\xbb\xbf<feed xmlns='a'><entry>")
    assert not truncated(b"<rss><channel/></rss>\n<!-- cached 0.2 s -->\n")
    assert not truncated(b"<RSS><channel/></RSS>")
    assert not truncated(b"NTB wire text, not XML")
    assert not truncated(b"<html><body>unclosed")  # not a feed: the parse stage says so
