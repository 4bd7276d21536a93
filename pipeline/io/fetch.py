"""HTTP edge: fetch feed bytes with timeouts, size caps, conditional GET and honest errors."""

from __future__ import annotations

import email.utils
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from nordwire.pipeline.io.decompress import TooLarge, Unreadable, decode_content
from nordwire.pipeline.io.netguard import (
    AddressPolicy,
    GuardedTransport,
    RequestGuard,
    is_link_local,
    is_private_address,
    resolve,
)
from nordwire.schemas import PIPELINE_VERSION
from nordwire.transforms.feed import jsonfeed
from nordwire.transforms.feed.controls import visible

USER_AGENT = f"nordwire/{PIPELINE_VERSION} (+https://github.com/nordwire; feed ingestion)"
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 60.0
# A Retry-After beyond a week is a server bug or an attack; the poller caps it further.
MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600.0
_SECONDS = re.compile(r"[0-9]{1,30}")
# A feed document's root element; a body whose root never closes was cut short.
_ROOT = re.compile(rb"<(?![?!])([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = (b"rss", b"feed", b"rdf:rdf", b"rdf")
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said last time, to send back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetch: a body (status 200), not modified (304), or an error with its reason."""

    url: str
    fetched_at: datetime
    status: int | None = None
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    final_url: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After

    @property
    def ok(self) -> bool:
        """A body to process."""
        return self.status == 200 and self.body is not None and self.error is None

    @property
    def not_modified(self) -> bool:
        """The server says nothing changed since the validators we sent."""
        return self.status == 304

    @property
    def validators(self) -> Validators:
        """Validators to send next time (from the response headers, not the feed's own dates)."""
        headers = {k.lower(): v for k, v in self.headers}
        return Validators(etag=headers.get("etag"), last_modified=headers.get("last-modified"))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # 400 nines is a valid-looking number that no clock can add: cap before converting.
        return (
            float(value)
            if _SECONDS.fullmatch(value) and len(value) < 8
            else MAX_RETRY_AFTER_SECONDS
        )
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        seconds = (when - now).total_seconds()
    except OverflowError:
        return MAX_RETRY_AFTER_SECONDS
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def feed_root(body: bytes) -> bytes | None:
    """The root element name of an XML feed body (lower case), or None for anything else."""
    m = _ROOT.search(body[:4096])
    if m is None or body[: m.start()].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"", b"<"):
        return None
    return m.group(1).lower()


def is_feed(body: bytes) -> bool:
    """An RSS, RDF or Atom document, or a JSON Feed: what a feed's redirect may lead to."""
    return feed_root(body) in _FEED_ROOTS or jsonfeed.looks_like(body)


def truncated(body: bytes) -> bool:
    """An XML feed whose root element is never closed, or a JSON Feed whose object is never
    closed: the body was cut short in transit."""
    if jsonfeed.looks_like(body):
        return body.rstrip()[-1:] != b"}"
    root = feed_root(body)
    if root is None or root not in _FEED_ROOTS:
        return False
    return re.search(rb"</\s*" + re.escape(root) + rb"\s*>", body[-65536:], re.IGNORECASE) is None


def proxy_notice(environ: Mapping[str, str] | None = None) -> str | None:
    """The line to print at start when a proxy is set in the environment: it is not used.

    Through a proxy, the proxy resolves the feed's host and connects: the address rules
    (no private or link-local hop, every connection's peer checked) could only be applied to
    a name, which the proxy may resolve otherwise. So feeds are always fetched directly.
    """
    env = os.environ if environ is None else environ
    found = [name for upper in _PROXY_VARIABLES for name in (upper, upper.lower()) if env.get(name)]
    if not found:
        return None
    return (
        f"nordwire: note: {', '.join(found)} {'is' if len(found) == 1 else 'are'} set, but feeds are fetched directly, never "
        "through a proxy (the address checks hold only on connections nordwire makes itself; "
        "see docs/hardening.md)"
    )


class _RawBody:
    """The response's bytes as they came off the wire (no Content-Encoding undone), as a reader.

    httpx would undo the codings itself, each network chunk whole and outside any cap (a
    6.8 kB `gzip, gzip` body reached 8.4 GB): decompress.decode_content does it capped.
    """

    def __init__(self, response: httpx.Response, started: float, total_timeout: float) -> None:
        self._chunks = response.iter_raw()
        self._buffer = b""
        self._started, self._total = started, total_timeout

    def read(self, size: int = -1, /) -> bytes:
        while not self._buffer:
            if time.monotonic() - self._started > self._total:
                raise httpx.ReadTimeout(f"no complete body within {self._total:.0f} s")
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._buffer = chunk
        size = len(self._buffer) if size < 0 else size
        piece, self._buffer = self._buffer[:size], self._buffer[size:]
        return piece


class Fetcher:
    """A pooled HTTP client; thread-safe, so feeds can be fetched concurrently."""

    def __init__(
        self,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        is_private: AddressPolicy = is_private_address,
    ) -> None:
        self._guard = RequestGuard(is_private)
        # Redirects are followed here, one hop at a time, so each hop is checked.
        self._client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            transport=GuardedTransport(self._guard),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )
        self._total_timeout = total_timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET `url`; never raises for network trouble: the result carries the error."""
        headers: dict[str, str] = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        started = time.monotonic()
        fetched_at = datetime.now(UTC).replace(microsecond=0)
        try:
            # The whole request (connect, status line, headers, body, redirects) gets one
            # deadline; a feed on a private address may redirect within private space.
            deadline = started + self._total_timeout
            private, link_local = self._exemption(url)
            with self._guard.request(deadline, private, link_local):
                return self._follow(url, headers, fetched_at, started)
        except TooLarge as exc:
            return FetchResult(url, fetched_at, 200, error=f"too large: {exc}")
        except httpx.TooManyRedirects:
            return FetchResult(url, fetched_at, error="too many redirects")
        except httpx.TimeoutException as exc:
            return FetchResult(url, fetched_at, error=f"timeout: {exc or type(exc).__name__}")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return FetchResult(url, fetched_at, error=f"{type(exc).__name__}: {exc}")

    def _exemption(self, url: str) -> tuple[bool, bool]:
        """(private, link-local): whether the configured feed is itself on such addresses.

        Only a host whose every address is private is an intranet feed: one public address
        in the answer (DNS rebinding, a leaking split horizon) makes it a public feed.
        """
        parts = urlsplit(url)
        try:
            addresses = resolve(parts.hostname or "", parts.port or 443)
        except (OSError, ValueError):
            return False, False  # the connect fails anyway and says why
        private = bool(addresses) and all(self._guard.is_private(a) for a in addresses)
        return private, private and all(is_link_local(a) for a in addresses)

    def _follow(
        self, url: str, headers: dict[str, str], fetched_at: datetime, started: float
    ) -> FetchResult:
        request = self._client.build_request("GET", url, headers=headers)
        for hop in range(self._max_redirects + 1):
            response = self._client.send(request, stream=True)
            try:
                if response.next_request is None:
                    return self._read(url, response, fetched_at, started, redirected=hop > 0)
                request = response.next_request
            finally:
                response.close()
        raise httpx.TooManyRedirects("too many redirects", request=request)

    def _read(
        self,
        url: str,
        response: httpx.Response,
        fetched_at: datetime,
        started: float,
        *,
        redirected: bool,
    ) -> FetchResult:
        result_headers = tuple((k, v) for k, v in response.headers.items())
        status = response.status_code
        final = str(response.url)
        if status == 304:
            return FetchResult(url, fetched_at, 304, None, result_headers, final)
        if status != 200:
            retry = None
            if status in (429, 503):
                retry = retry_after_seconds(response.headers.get("retry-after"), fetched_at)
            return FetchResult(
                url,
                fetched_at,
                status,
                None,
                result_headers,
                final,
                error=f"HTTP {status}",
                retry_after=retry,
            )
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes * 4:
            raise TooLarge(f"Content-Length {declared}")
        codings = response.headers.get_list("content-encoding", split_commas=True)
        try:  # TooLarge goes up to fetch()
            body = decode_content(
                _RawBody(response, started, self._total_timeout), codings, self._max_bytes
            )
        except Unreadable as exc:  # corrupt or cut gzip, a coding we never asked for (br)
            return FetchResult(
                url, fetched_at, 200, None, result_headers, final, error=f"undecodable body: {exc}"
            )
        if redirected and not is_feed(body):
            # A redirect to something that is not a feed (a login or admin page): its body
            # is never handed on, so it cannot end up in rejects or the raw store.
            # The server's words reach `feeds status` and the poll line: shown, never obeyed.
            kind = visible(response.headers.get("content-type", "no content type").split(";")[0])
            error: str | None = f"redirected to a page that is not a feed ({kind})"
        elif truncated(body):
            # Content-Length shorter than the document, or a cut connection: processing it
            # would keep a half item and mark it seen for good; the next poll gets it whole.
            error = f"truncated body: the feed document ends after {len(body)} bytes"
        else:
            error = None
        if error is not None:  # the body is dropped: it reaches neither rejects nor the raw store
            return FetchResult(url, fetched_at, 200, None, result_headers, final, error=error)
        return FetchResult(url, fetched_at, 200, body, result_headers, final)
