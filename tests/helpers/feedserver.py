"""A local HTTP server on 127.0.0.1 whose feeds the tests change between polls."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


def rss(items: list[tuple[str, str]], channel: str = "Lokalavisa") -> bytes:
    """An RSS 2.0 feed of (guid, title) items with Norwegian summaries."""
    body = "".join(
        f"<item><title>{title}</title><link>https://lokalavisa.example.no/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>Mon, 11 Mar 2024 09:{i:02d}:00 +0100</pubDate>"
        f"<description>Kommunestyret vedtok i kveld at skolen skal bygges ut, og ordføreren sier at "
        f"arbeidet starter til høsten. Sak nummer {guid}.</description></item>"
        for i, (guid, title) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{channel}</title>'
        f"<link>https://lokalavisa.example.no/</link>{body}</channel></rss>"
    ).encode()


class FeedServer:
    """Routes are set by the test: path -> handler; every request is recorded."""

    def __init__(self, keep_alive: bool = False) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                with suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        if keep_alive:  # HTTP/1.1: a connection serves request after request
            _Handler.protocol_version = "HTTP/1.1"

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Write a complete response."""
    handler.send_response(status)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def conditional(body: Callable[[], bytes], etag: Callable[[], str]) -> Handler:
    """A feed that answers 304 to a matching If-None-Match."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag():
            send(h, 304, headers={"ETag": etag()})
        else:
            send(h, 200, body(), {"ETag": etag(), "Content-Type": "application/rss+xml"})

    return handle


def gzipped(body: bytes) -> Handler:
    return encoded(gzip.compress(body), "gzip")


def encoded(data: bytes, coding: str) -> Handler:
    """`data` sent as it is, declared with `Content-Encoding: coding`."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        send(h, 200, data, {"Content-Encoding": coding, "Content-Type": "application/rss+xml"})

    return handle


def slow(seconds: float) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        h.wfile.flush()
        time.sleep(seconds)

    return handle


def redirect_loop(h: BaseHTTPRequestHandler) -> None:
    send(h, 302, headers={"Location": h.path})


def huge(megabytes: int) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.end_headers()
        chunk = b" " * (1024 * 1024)
        for _ in range(megabytes):
            h.wfile.write(chunk)

    return handle


def poll_command(feed_url: str, output: object, *extra: str) -> list[str]:
    """`nordwire poll` against one feed, as a user would start it."""
    import sys

    return [
        sys.executable,
        "-m",
        "nordwire.pipeline",
        "poll",
        "--feeds",
        feed_url,
        "--output",
        str(output),
        *extra,
    ]


@contextmanager
def feed_server(keep_alive: bool = False) -> Iterator[FeedServer]:
    server = FeedServer(keep_alive)
    server.start()
    try:
        yield server
    finally:
        server.stop()
