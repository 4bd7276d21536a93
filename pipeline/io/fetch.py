"""HTTP edge: fetch feed bytes with timeouts, size caps, conditional GET and honest errors."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from nordwire.schemas import PIPELINE_VERSION

USER_AGENT = f"nordwire/{PIPELINE_VERSION} (+https://github.com/nordwire; feed ingestion)"
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 60.0


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
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _TooLarge(Exception):
    pass


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
    ) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )
        self._total_timeout = total_timeout
        self._max_bytes = max_bytes

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
            with self._client.stream("GET", url, headers=headers) as response:
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
                    raise _TooLarge(f"Content-Length {declared}")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():  # decompressed: the cap holds after gzip too
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise _TooLarge(f"over {self._max_bytes} bytes")
                    if time.monotonic() - started > self._total_timeout:
                        raise httpx.ReadTimeout(
                            f"no complete body within {self._total_timeout:.0f} s"
                        )
                    chunks.append(chunk)
                return FetchResult(url, fetched_at, 200, b"".join(chunks), result_headers, final)
        except _TooLarge as exc:
            return FetchResult(url, fetched_at, 200, error=f"too large: {exc}")
        except httpx.TooManyRedirects:
            return FetchResult(url, fetched_at, error="too many redirects")
        except httpx.TimeoutException as exc:
            return FetchResult(url, fetched_at, error=f"timeout: {exc or type(exc).__name__}")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return FetchResult(url, fetched_at, error=f"{type(exc).__name__}: {exc}")
