"""A hostile-file corpus, generated at run time, run through nordwire with its books printed.

`python -m tests.robustness.hostile` (part of `make robustness`) builds bombs, disguised and
corrupt compression, names that are not UTF-8, looping links, a FIFO and impossible dates in
a temporary folder, runs `nordwire run` over it in this process, and prints what every file
became, the peak memory of the run, and the accounting table. Exit 1 if any file is
unaccounted for or memory went over the budget.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import resource
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import zstandard
from nordwire.pipeline.io.sources import display_path

from tests.helpers.feedserver import rss
from tests.robustness.accounting import Accounting, account, table

MEMORY_BUDGET = 1 << 30  # bytes of peak resident memory for the whole run
DATES = [
    "Fri, 31 Dec 9999 23:59:59 -0100",
    "Mon, 01 Jan 0001 00:00:00 +0100",
    "01 Jan 0001 +0100",
    "Mon, 11 Mar 2024 09:00:00 +9999",
    "Mon, 11 Mar 2024 09:00:00 -2400",
    "1" * 400,
    "9999-12-31T23:59:59-01:00",
]


def _feed(tag: str, n: int = 3) -> bytes:
    return rss([(f"{tag}-{i}", f"Sak {i} fra {tag}") for i in range(n)], channel=f"Avis {tag}")


def _dated_feed() -> bytes:
    items = "".join(
        f"<item><title>Datosak {i}</title><guid>dato-{i}</guid><pubDate>{raw}</pubDate>"
        "<description>Kommunestyret vedtok i kveld at skolen skal bygges ut, og ordføreren "
        f"sier at arbeidet starter til høsten. Datosak nummer {i}.</description></item>"
        for i, raw in enumerate(DATES)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Dato</title>{items}</channel></rss>'.encode()


def _bomb(expanded: int, make: Callable[[], object]) -> bytes:
    """`expanded` zero bytes compressed in pieces (the generator never holds the expansion)."""
    c = make()
    block = bytes(1 << 20)
    parts = [c.compress(block) for _ in range(expanded >> 20)]  # type: ignore[attr-defined]
    return b"".join([*parts, c.flush()])  # type: ignore[attr-defined]


def build(corpus: Path) -> list[tuple[str, str]]:
    """Write the corpus; returns (file, what it is) for the printout."""
    made: list[tuple[str, str]] = []

    def put(name: bytes | str, data: bytes, what: str) -> None:
        path = os.path.join(os.fsencode(corpus), os.fsencode(name))
        with open(path, "wb") as handle:
            handle.write(data)
        made.append((os.fsdecode(name), what))

    put("plain.xml", _feed("plain"), "an ordinary feed")
    put("gzip-without-suffix", gzip.compress(_feed("nosuffix")), "gzip, no .gz in the name")
    put("real.xml.gz", gzip.compress(_feed("gz")), "gzip with its suffix")
    put("not-gzip.gz", _feed("fake"), "plain XML named .gz")
    put(
        "two-members.gz",
        gzip.compress(_feed("m")[:50]) + gzip.compress(_feed("m")[50:]),
        "gzip of two members",
    )
    put("packed.bz2", bz2.compress(_feed("bz")), "bzip2")
    put("packed.xz", lzma.compress(_feed("xz")), "xz")
    put("packed.zst", zstandard.ZstdCompressor().compress(_feed("zst")), "zstd")
    put("corrupt.xml.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, "gzip header, garbage after")
    put("cut.xml.gz", gzip.compress(_feed("cut"))[:60], "gzip cut short")
    put("empty.xml", b"", "zero bytes")
    put("empty.gz", gzip.compress(b""), "gzip of nothing")
    put(
        "bomb.xml.gz",
        _bomb(1 << 30, lambda: zlib.compressobj(9, wbits=31)),
        "gzip bomb: 1 MB -> 1 GiB",
    )
    put(
        "bomb-no-suffix",
        _bomb(1 << 30, lambda: zstandard.ZstdCompressor().compressobj()),
        "zstd bomb: 1 GiB, no suffix",
    )
    put(b"caf\xe9-\xff.xml", _feed("latin1name"), "file name with invalid UTF-8 bytes")
    put("line\nbreak and spaces.xml", _feed("newline"), "file name with a newline")
    put("dates.xml", _dated_feed(), "impossible pubDates (year 1, 9999, +9999, 400 ones)")
    loops = corpus / "loops" / "deeper"
    loops.mkdir(parents=True)
    for i, target in enumerate(("..", "../..", ".")):
        (loops / f"loop{i}").symlink_to(target)
    (loops / "inside.xml").write_bytes(_feed("loops"))
    made.append(("loops/", "three looping directory links"))
    made.append(("loops/deeper/inside.xml", "a feed below the loops"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(corpus / "fifo.xml")
        made.append(("fifo.xml", "a named pipe (opening it waits for a writer)"))
    return made


def peak_rss() -> int:
    """Peak resident memory of this process, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def books(acc: Accounting, seconds: float, peak: int) -> str:
    """The summary lines printed under the table."""
    return "\n".join(
        [
            f"peak memory of the run: {peak / 2**20:.0f} MiB (budget {MEMORY_BUDGET / 2**20:.0f} MiB)",
            f"wall time: {seconds:.1f} s",
            f"rejects by reason: {dict(acc.rejects.most_common())}",
        ]
    )


def main() -> int:
    """Build, run, print; exit 1 on an unaccounted file or memory over budget."""
    with tempfile.TemporaryDirectory(prefix="nordwire-hostile-") as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "out"
        corpus.mkdir()
        made = build(corpus)
        print("| hostile file | what it is |\n|---|---|")
        for name, what in made:
            print(f"| {display_path(name)!r} | {what} |")
        started = time.perf_counter()
        acc = account(corpus, out)
        seconds = time.perf_counter() - started
    peak = peak_rss()
    for line in acc.mismatches:
        print("UNACCOUNTED", line)
    print()
    print(table([("hostile files", acc)]))
    print(books(acc, seconds, peak))
    return 1 if acc.mismatches or peak > MEMORY_BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
