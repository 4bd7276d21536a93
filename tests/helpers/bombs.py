"""Decompression bombs for the hostile tests: zeros compressed in pieces, never held expanded."""

from __future__ import annotations

import gzip
import zlib

import zstandard


def gzip_bomb(expanded: int) -> bytes:
    """gzip of `expanded` zero bytes (1 GiB is about 1 MB)."""
    c = zlib.compressobj(9, wbits=31)
    block = bytes(1 << 20)
    return b"".join([*(c.compress(block) for _ in range(expanded >> 20)), c.flush()])


def zstd_bomb(expanded: int) -> bytes:
    """zstd of `expanded` zero bytes (1 GiB is about 32 kB)."""
    c = zstandard.ZstdCompressor().compressobj()
    block = bytes(1 << 20)
    return b"".join([*(c.compress(block) for _ in range(expanded >> 20)), c.flush()])


def layered(body: bytes, codings: list[str]) -> bytes:
    """`body` packed once more for each coding, in the order a server applies them."""
    for coding in codings:
        body = gzip.compress(body, 9) if coding == "gzip" else zstandard.compress(body, 19)
    return body


def stacked(expanded: int, coding: str) -> bytes:
    """A body for `Content-Encoding: <coding>` (`gzip, gzip`, `zstd, zstd`, `zstd`, ...).

    The innermost coding is the bomb; each further one packs the layer below once more, so
    a `gzip, gzip` gigabyte travels in a few kB.
    """
    layers = [c.strip() for c in coding.split(",")]
    inner = gzip_bomb(expanded) if layers[0] == "gzip" else zstd_bomb(expanded)
    return layered(inner, layers[1:])
