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


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to: IPv4-mapped, 6to4 or NAT64 (else None).

    A connection to 2002:a9fe:a9fe:: goes (through a 6to4 relay) to 169.254.169.254, and one
    to 64:ff9b::a00:1 (through the network's NAT64 gateway) to 10.0.0.1: the IPv4 address is
    what the policy must judge. Teredo (2001::/32) and the other translation prefixes are
    private or reserved themselves.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_private_address(address: IPAddress) -> bool:
    """Loopback, private, link-local (cloud metadata), shared, reserved or unspecified.

    An IPv6 address that embeds an IPv4 one (::ffff:10.0.0.1, 2002:a9fe:a9fe::,
    64:ff9b::a9fe:a9fe) is judged by the IPv4 address it leads to.
    """
    address = embedded_ipv4(address) or address
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
    )


def is_link_local(address: IPAddress) -> bool:
    """169.254.0.0/16 or fe80::/10, embedded forms included: where cloud metadata services live."""
    address = embedded_ipv4(address) or address
    return any(address in network for network in _LINK_LOCAL)


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
    allow_link_local: bool = True


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
    def request(
        self, deadline: float, allow_private: bool, allow_link_local: bool = False
    ) -> Iterator[None]:
        """Apply a deadline (time.monotonic) and an address policy to this thread's socket calls.

        `allow_private` lets a feed on an intranet address reach (and redirect within) private
        space; link-local addresses (169.254.169.254, the cloud metadata service) stay refused
        unless `allow_link_local` too: a feed that is itself on a link-local address.
        """
        self._local.request = _Request(deadline, allow_private, allow_private and allow_link_local)
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

    def permitted(self, address: IPAddress) -> bool:
        """Whether this thread's request may connect to `address`."""
        request = self.current
        if is_link_local(address) and not request.allow_link_local:
            return False
        return request.allow_private or not self.is_private(address)

    def check(self, host: str, addresses: Iterable[IPAddress]) -> list[IPAddress]:
        """The addresses this request may connect to, in order; ConnectError when none.

        A DNS answer that mixes public and private addresses (DNS rebinding, or a split
        horizon leaking out) is reduced to its public ones: the private ones are never tried.
        """
        addresses = list(addresses)
        allowed = [a for a in addresses if self.permitted(a)]
        if not allowed and addresses:
            raise httpcore.ConnectError(
                f"refused: {host} is a private, loopback or link-local address ({addresses[0]})"
            )
        return allowed


def _peer(stream: httpcore.NetworkStream) -> IPAddress | None:
    try:
        name = stream.get_extra_info("server_addr")
    except OSError:
        return None
    if not name:
        return None
    return ipaddress.ip_address(str(name[0]).split("%")[0])


class _GuardedStream(httpcore.NetworkStream):
    """A connection that re-checks its peer for every request sent on it.

    The pool hands a kept-alive connection to whichever request next goes to the same host
    and port: one opened for an intranet feed must not serve a public feed's redirect there.
    """

    def __init__(
        self, inner: httpcore.NetworkStream, guard: RequestGuard, host: str, peer: IPAddress | None
    ) -> None:
        self._inner = inner
        self._guard = guard
        self._host, self._peer = host, peer

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._guard.remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self._peer is not None:
            self._guard.check(self._host, [self._peer])
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
            self._inner.start_tls(ssl_context, server_hostname, left),
            self._guard,
            self._host,
            self._peer,
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
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in self._guard.check(host, addresses):
            try:
                stream = self._sync.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # try the next address, as getaddrinfo users do
                failure = exc
                continue
            # The address connected to is the one checked; the peer the socket reports is
            # checked again before every request on it (and refused if it cannot be told).
            peer = _peer(stream)
            if peer is None or not self._guard.permitted(peer):
                stream.close()
                raise httpcore.ConnectError(f"refused: {host} connected to {peer or 'nothing'}")
            return _GuardedStream(stream, self._guard, host, peer)
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
        # defaults (TLS context, limits) plus ours. A client given its transport ignores the
        # environment's proxies (HTTP_PROXY ...), and that is kept: see fetch.proxy_notice.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=httpx.Limits().max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )
