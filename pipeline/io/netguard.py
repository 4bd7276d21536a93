"""Socket-level guards for feed fetching: one deadline per request and no hops to private addresses.

httpx's timeouts bound each socket operation, not a request: a server that sends its status
line and headers one byte a second never trips a 15 s read timeout. And httpx connects
wherever a redirect points. Both are decided here, below httpx, where every connect, read
and write of the calling thread passes: the request's remaining time caps each socket
timeout, and every address a connection is made to is checked against the request's policy
(so a host that resolves to a public address first and a private one later is caught too).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]


def is_private_address(address: IPAddress) -> bool:
    """Loopback, private, link-local (cloud metadata), shared, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@dataclass
class _Request:
    deadline: float | None = None
    allow_private: bool = True


class RequestGuard:
    """Per-thread rules of the request in flight; the transport below consults them."""

    def __init__(self, is_private: AddressPolicy = is_private_address) -> None:
        self.is_private = is_private
        self._local = threading.local()

    @property
    def current(self) -> _Request:
        """The calling thread's request rules (no limits outside `request`)."""
        request = getattr(self._local, "request", None)
        return request if request is not None else _Request()

    @contextmanager
    def request(self, deadline: float, allow_private: bool) -> Iterator[None]:
        """Apply a deadline (time.monotonic) and an address policy to this thread's socket calls."""
        self._local.request = _Request(deadline, allow_private)
        try:
            yield
        finally:
            self._local.request = None

    def remaining(self, timeout: float | None, kind: type[Exception]) -> float | None:
        """`timeout` shortened to what is left of the deadline; `kind` raised when none is."""
        deadline = self.current.deadline
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise kind("request deadline passed")
        return left if timeout is None else min(timeout, left)

    def check(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Refuse a connection to a private address unless this request allows one."""
        if self.current.allow_private:
            return
        for address in addresses:
            if self.is_private(address):
                raise httpcore.ConnectError(
                    f"refused: {host} is a private, loopback or link-local address ({address})"
                )


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, guard: RequestGuard) -> None:
        self._inner = inner
        self._guard = guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._guard.remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._guard.remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._guard.remaining(timeout, httpcore.ConnectTimeout)
        return _GuardedStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._guard
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks the addresses, then connects to a checked address (no second lookup)."""

    def __init__(self, guard: RequestGuard) -> None:
        self._guard = guard
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._guard.remaining(timeout, httpcore.ConnectTimeout)
        try:
            addresses = resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        self._guard.check(host, addresses)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                stream = self._sync.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # try the next address, as getaddrinfo users do
                failure = exc
                continue
            return _GuardedStream(stream, self._guard)
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool whose sockets obey `guard`."""

    def __init__(self, guard: RequestGuard) -> None:
        context = httpx.create_ssl_context()  # one CA bundle load, shared by both pools
        super().__init__(verify=context)
        # httpx offers no hook for the network backend; the pool is rebuilt with the same
        # defaults (TLS context, limits) plus ours. Environment proxies mount their own
        # transports and are not guarded (the proxy decides where it connects).
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=httpx.Limits().max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )
