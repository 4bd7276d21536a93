"""Decompress whatever an input or an HTTP body carries, with memory bounded by a byte cap.

A file's format is sniffed from its first bytes (a gzip file need not be called .gz, and a
file called .gz need not be gzip); an HTTP body's from its Content-Encoding, layer by layer.
Every decoder is a reader whose `read(n)` never makes more than n bytes, so a 10 MB file
that expands to 10 GiB, or a 7 kB `gzip, gzip` body that expands to 8 GiB, costs the cap
plus one chunk, never the expansion: Beam's compressed reader inflates a whole 16 MB read
at once, and httpx decodes each network chunk whole.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import IO, Protocol, cast

CHUNK = 64 * 1024

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# HTTP content codings nordwire decodes itself, and the decoder each one takes (None: none).
CONTENT_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "zstd": "zstd"}
IDENTITY = ("identity", "")
# RFC 9110 lets codings stack; real servers apply one. More than this many is an attack.
MAX_CODINGS = 3
# RFC 9659: a zstd content coding's window is at most 8 MB (files keep zstd's own limit).
HTTP_ZSTD_WINDOW = 8 << 20


class TooLarge(Exception):
    """The input (or what it expands to) is over the cap."""


class Unreadable(Exception):
    """A compressed input that is corrupt or cut short, or a coding nordwire does not know."""


class Readable(Protocol):
    """What decoders read from and are: `read(n)` returns at most n bytes, b"" at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Zlib:
    """zlib's decompressobj with the needs_input interface of bz2 and lzma."""

    def __init__(self, wbits: int = 47) -> None:  # 47 = 32 + 15: gzip or zlib, told by zlib
        self._d = zlib.decompressobj(wbits)
        self._tail = b""

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        out = self._d.decompress(self._tail + data, max_length)
        self._tail = self._d.unconsumed_tail
        return out


def sniff(head: bytes) -> str | None:
    """The compression of a file from its first bytes: gzip, zlib, bzip2, xz, zstd, or None."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(BZIP2_MAGIC) and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(XZ_MAGIC):
        return "xz"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    # A zlib stream (Beam's .deflate): CMF 0x78 and a header checksum divisible by 31.
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def _deflate(head: bytes) -> _Decompressor:
    # HTTP's "deflate" is a zlib stream, but many servers send bare deflate data.
    return _Zlib(15 if sniff(head) == "zlib" else -15)


# Each maker gets the first bytes of a member (only "deflate" looks at them).
_MAKERS: dict[str, Callable[[bytes], _Decompressor]] = {
    "gzip": lambda _: _Zlib(),
    "zlib": lambda _: _Zlib(),
    "deflate": _deflate,
    "bzip2": lambda _: bz2.BZ2Decompressor(),
    "xz": lambda _: lzma.LZMADecompressor(),
}
_ERRORS = (zlib.error, OSError, EOFError, lzma.LZMAError)


class _Decoding:
    """A zlib, bzip2 or xz reader over `source`: never more output per step than asked for.

    Concatenated members (`gzip -c a b > ab.gz`) are read on, and the zero padding some tools
    add after the last one is ignored.
    """

    def __init__(self, source: Readable, kind: str) -> None:
        self._source, self._kind = source, kind
        self._make = _MAKERS[kind]
        self._d: _Decompressor | None = None  # None between members
        self._pending = b""  # input not yet handed to the decompressor
        self._source_done = False
        self._made = 0

    def _more(self) -> None:
        piece = self._source.read(CHUNK)
        self._source_done = not piece
        self._pending += piece

    def read(self, size: int = -1, /) -> bytes:
        limit = CHUNK if size < 0 else size
        try:
            return self._read(limit)
        except _ERRORS as exc:
            raise Unreadable(f"corrupt {self._kind} data: {exc}") from exc

    def _read(self, limit: int) -> bytes:
        while True:
            if self._d is None:
                self._pending = self._pending.lstrip(b"\0")
                if len(self._pending) < 2 and not self._source_done:
                    self._more()
                    continue
                if not self._pending:
                    return b""
                self._d = self._make(self._pending)
            if self._d.needs_input and not self._pending:
                if self._source_done:
                    raise Unreadable(f"{self._kind} data cut short after {self._made} bytes")
                self._more()
                continue
            out = self._d.decompress(self._pending, limit)
            self._pending = b""
            if self._d.eof:
                self._pending, self._d = self._d.unused_data, None
            if out:
                self._made += len(out)
                return out


class _Zstd:
    """zstandard's stream reader across frames, with its errors as Unreadable."""

    def __init__(self, source: Readable, max_window: int | None = None) -> None:
        import zstandard

        self._error = zstandard.ZstdError
        # 0 is zstd's own default limit (128 MiB)
        self._reader = zstandard.ZstdDecompressor(max_window_size=max_window or 0).stream_reader(
            cast(IO[bytes], source), read_across_frames=True
        )

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._reader.read(CHUNK if size < 0 else size)
        except self._error as exc:
            raise Unreadable(f"corrupt zstd data: {exc}") from exc


class _Rejoined:
    """The bytes already sniffed, then the rest of the file."""

    def __init__(self, head: bytes, handle: Readable) -> None:
        self._head = head
        self._handle = handle

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size < 0:
                size = len(self._head)
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._handle.read(size)


class _Capped:
    """A reader that raises TooLarge once more than `cap` bytes came out of it."""

    def __init__(self, inner: Readable, cap: int, what: str) -> None:
        self._inner, self._cap, self._what = inner, cap, what
        self._count = 0

    def read(self, size: int = -1, /) -> bytes:
        piece = self._inner.read(min(CHUNK if size < 0 else size, self._cap + 1 - self._count))
        self._count += len(piece)
        if self._count > self._cap:
            raise TooLarge(f"over {self._cap} bytes{self._what}")
        return piece


def decoder(kind: str, source: Readable, max_window: int | None = None) -> Readable:
    """A reader of `source` decoded as `kind` (gzip, zlib, deflate, bzip2, xz, zstd)."""
    if kind == "zstd":
        return _Zstd(source, max_window)
    return _Decoding(source, kind)


def read_all(reader: Readable) -> bytes:
    """Everything `reader` gives (cap it with a _Capped reader)."""
    out = bytearray()
    while piece := reader.read(CHUNK):
        out += piece
    return bytes(out)


def read_capped(handle: Readable, cap: int) -> bytes:
    """The content of `handle`, decompressed if it is compressed; TooLarge past `cap` bytes."""
    head = handle.read(CHUNK)
    kind = sniff(head)
    if kind is None:
        data = head + handle.read(cap + 1 - len(head)) if len(head) <= cap else head
        if len(data) > cap:
            raise TooLarge(f"over {cap} bytes")
        return data
    source = _Rejoined(head, handle)
    return read_all(_Capped(decoder(kind, source), cap, f" once decompressed ({kind})"))


def decode_content(raw: Readable, codings: list[str], cap: int) -> bytes:
    """An HTTP body decoded by its Content-Encoding list (applied in order, undone in reverse).

    Every layer is capped, not only the last: a layer that makes more than `cap` bytes (of
    anything, even empty deflate blocks for the next one to eat) is TooLarge. Unreadable
    for a coding nordwire does not decode (br, compress) or a stack deeper than MAX_CODINGS.
    """
    layers = [c.strip().lower() for c in codings if c.strip().lower() not in IDENTITY]
    unknown = [c for c in layers if c not in CONTENT_CODINGS]
    if unknown:
        raise Unreadable(f"unsupported content coding {unknown[0]!r}")
    if len(layers) > MAX_CODINGS:
        raise Unreadable(f"{len(layers)} stacked content codings ({', '.join(layers)})")
    reader: Readable = _Capped(raw, cap, "")
    for coding in reversed(layers):
        kind = CONTENT_CODINGS[coding]
        reader = _Capped(
            decoder(kind, reader, HTTP_ZSTD_WINDOW), cap, f" once decoded ({', '.join(layers)})"
        )
    return read_all(reader)
