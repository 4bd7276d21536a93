"""Read an input file whatever its compression, with memory bounded by a byte cap.

The format is sniffed from the first bytes (a gzip file need not be called .gz, and a
file called .gz need not be gzip). Decompression is incremental with a limit on every
step's output, so a 10 MB file that expands to 10 GiB costs the cap plus one chunk, never
the expansion: Beam's compressed reader inflates a whole 16 MB read at once.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import IO, BinaryIO, Protocol, cast

CHUNK = 64 * 1024

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class TooLarge(Exception):
    """The input (or what it expands to) is over the cap."""


class Unreadable(Exception):
    """A compressed input that is corrupt or cut short."""


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

    def __init__(self) -> None:
        self._d = zlib.decompressobj(47)  # 32 + 15: a gzip or a zlib header, told apart by zlib
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


_MAKERS: dict[str, Callable[[], _Decompressor]] = {
    "gzip": _Zlib,
    "zlib": _Zlib,
    "bzip2": bz2.BZ2Decompressor,
    "xz": lzma.LZMADecompressor,
}


def read_capped(handle: BinaryIO, cap: int) -> bytes:
    """The content of `handle`, decompressed if it is compressed; TooLarge past `cap` bytes."""
    head = handle.read(CHUNK)
    kind = sniff(head)
    if kind is None:
        data = head + handle.read(cap + 1 - len(head)) if len(head) <= cap else head
        if len(data) > cap:
            raise TooLarge(f"over {cap} bytes")
        return data
    if kind == "zstd":
        return _read_zstd(head, handle, cap)
    return _inflate(head, handle, cap, _MAKERS[kind], kind)


def _inflate(
    head: bytes, handle: BinaryIO, cap: int, make: Callable[[], _Decompressor], kind: str
) -> bytes:
    out = bytearray()
    d = make()
    chunk = head
    try:
        while chunk:
            data = chunk
            while True:
                # Never more output per step than the cap allows: the bomb stays compressed.
                out += d.decompress(data, cap + 1 - len(out))
                if len(out) > cap:
                    raise TooLarge(f"over {cap} bytes once decompressed ({kind})")
                data = b""
                if d.eof:
                    rest = d.unused_data
                    if not rest.strip(b"\0"):  # end, or the zero padding some tools add
                        break
                    d, data = make(), rest  # concatenated members (gzip -c a b > ab.gz)
                    continue
                if d.needs_input:
                    break
            chunk = handle.read(CHUNK)
    except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
        raise Unreadable(f"corrupt {kind} data: {exc}") from exc
    if not d.eof:
        raise Unreadable(f"{kind} data cut short after {len(out)} bytes")
    return bytes(out)


class _Rejoined:
    """The bytes already sniffed, then the rest of the file (what zstandard reads from)."""

    def __init__(self, head: bytes, handle: BinaryIO) -> None:
        self._head = head
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._handle.read(size)


def _read_zstd(head: bytes, handle: BinaryIO, cap: int) -> bytes:
    import zstandard

    out = bytearray()
    source = cast(IO[bytes], _Rejoined(head, handle))
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)
        while piece := reader.read(min(CHUNK, cap + 1 - len(out))):
            out += piece
            if len(out) > cap:
                raise TooLarge(f"over {cap} bytes once decompressed (zstd)")
    except zstandard.ZstdError as exc:
        raise Unreadable(f"corrupt zstd data: {exc}") from exc
    return bytes(out)
