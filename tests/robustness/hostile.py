"""A hostile corpus, generated at run time, run through nordwire with its books printed.

`python -m tests.robustness.hostile` (part of `make robustness`) builds bombs, disguised and
corrupt compression, names that are not UTF-8, looping and dangling links, a FIFO, impossible
dates and years past 2**31, terminal escapes, and good and malformed JSON Feeds in a
temporary folder, runs `nordwire run` over it in this process, and prints what every file
became and the accounting table. Then it serves stacked-encoding bombs (`gzip, gzip`,
`zstd, zstd`, `zstd`, each 1 GiB expanded) beside a good feed on 127.0.0.1 and runs one
`nordwire poll` cycle over them, and prints what each feed became. Last, the peak memory of
it all. Exit 1 if any file or feed is unaccounted for or memory went over the budget.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import zstandard
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.io.fetch import Fetcher
from nordwire.pipeline.io.sources import display_path
from nordwire.pipeline.poller.cycles import run_cycle
from nordwire.pipeline.poller.state import PollerState
from nordwire.pipeline.read.query import connect
from nordwire.transforms.feed.dates import OSLO

from tests.helpers.bombs import gzip_bomb, layered, zstd_bomb
from tests.helpers.feedserver import encoded, feed_server, rss
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
    # issue 27: years past 2**31 raised OverflowError and lost the document; impossible values
    "Mon, 11 Mar 2147483648 09:00:00 +0100",
    "2147483648-03-11T09:00:00+01:00",
    "Mon, 11 Mar 2024 09:00:00 +99:99",
    "2024-02-30",
    "2024-02-30T10:00:00+01:00",
]
HUGE_YEAR = "Mon, 11 Mar 99999999999999999999 09:00:00 GMT"
BOMB = 1 << 30  # bytes every bomb expands to


def _feed(tag: str, n: int = 3) -> bytes:
    return rss([(f"{tag}-{i}", f"Sak {i} fra {tag}") for i in range(n)], channel=f"Avis {tag}")


def _dated_feed(channel: str = "", tag: str = "dato") -> bytes:
    items = "".join(
        f"<item><title>Datosak {i}</title><guid>{tag}-{i}</guid><pubDate>{raw}</pubDate>"
        "<description>Kommunestyret vedtok i kveld at skolen skal bygges ut, og ordføreren "
        f"sier at arbeidet starter til høsten. Datosak nummer {i}.</description></item>"
        for i, raw in enumerate(DATES)
    )
    dates = (
        f"<pubDate>{channel}</pubDate><lastBuildDate>{channel}</lastBuildDate>" if channel else ""
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Dato</title>{dates}{items}</channel></rss>'.encode()


def _escapes_feed() -> bytes:
    return (
        _feed("escapes")
        .replace(b"<guid>escapes-0", b"<guid>escapes-\x1b[2J0")
        .replace(b"<title>Sak 1", b"<title>Sak\x07 1")
        .replace(
            b"</item>",
            b"<author>kari@avis.example.no (Kari \x1b]0;owned\x07Nordmann)</author>"
            b"<category>Innenriks\x9b</category></item>",
        )
    )


def _json_feeds() -> list[tuple[str, bytes, str]]:
    good = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Avis json",
        "home_page_url": "https://json.example.no/",
        "language": "nb",
        "items": [
            {
                "id": f"json-sak-{i}",
                "url": f"https://json.example.no/sak-{i}",
                "title": f"Sak {i} fra json",
                "content_text": "Kommunestyret vedtok i kveld at skolen skal bygges ut, og "
                f"ordføreren sier at arbeidet starter til høsten. Sak nummer {i}.",
                "date_published": "2024-03-11T09:00:00+01:00",
            }
            for i in range(3)
        ],
    }
    head = b'{"version": "https://jsonfeed.org/version/1", "items": '
    return [
        ("feed.json", json.dumps(good).encode(), "JSON Feed 1.1, three items"),
        ("cut.json", json.dumps(good).encode()[:300], "JSON Feed cut short"),
        ("not-a-feed.json", b'{"version": "1.1", "items": []}', "JSON, but no jsonfeed version"),
        ("nested.json", head + b"[" * 200_000, "JSON Feed nested 200,000 deep"),
        ("values.json", head + b"[" + b"[]," * 3_000_000 + b"[]]}", "JSON Feed of 3 million []"),
    ]


def build(corpus: Path, gz_bomb: bytes, zst_bomb: bytes) -> list[tuple[str, str]]:
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
    put("bomb.xml.gz", gz_bomb, "gzip bomb: 1 MB -> 1 GiB")
    put("bomb-no-suffix", zst_bomb, "zstd bomb: 1 GiB, no suffix")
    put(b"caf\xe9-\xff.xml", _feed("latin1name"), "file name with invalid UTF-8 bytes")
    put("line\nbreak and spaces.xml", _feed("newline"), "file name with a newline")
    put(
        "dates.xml",
        _dated_feed(),
        "impossible pubDates (year 1, 9999, 2**31, +9999, +99:99, 30 February, 400 ones)",
    )
    put("huge-years.xml", _dated_feed(HUGE_YEAR, "kanal"), "a channel pubDate in the year 10**20")
    put("escapes.xml", _escapes_feed(), "ESC and BEL in guid, title, author and category")
    for name, data, what in _json_feeds():
        put(name, data, what)
    os.symlink("deleted-last-night.xml", corpus / "dangling.xml")
    made.append(("dangling.xml", "a link to a file that does not exist"))
    os.symlink("self.xml", corpus / "self.xml")
    made.append(("self.xml", "a link to itself"))
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


CODINGS = ("gzip, gzip", "zstd, zstd", "zstd", "gzip")


def poll_bombs(output: Path, gz_bomb: bytes, zst_bomb: bytes) -> tuple[list[str], list[str]]:
    """One poll cycle over a good feed and stacked-encoding bombs; (table lines, problems)."""
    good = _feed("http", 4)
    bodies = {"good": ("gzip", gzip.compress(good))}
    for coding in CODINGS:
        layers = [c.strip() for c in coding.split(",")]
        inner = gz_bomb if layers[0] == "gzip" else zst_bomb
        bodies[coding.replace(", ", "-")] = (coding, layered(inner, layers[1:]))
    with feed_server() as server:
        for name, (coding, body) in bodies.items():
            server.routes[f"/{name}"] = encoded(body, coding)
        feeds = tuple(Feed(name, server.url(f"/{name}")) for name in bodies)
        config = JobConfig("poll", output=str(output), timezone=OSLO, feeds=feeds, interval=300.0)
        state = PollerState(output / "_state")
        try:
            with Fetcher() as fetcher:
                report = run_cycle(config, state, fetcher, now=lambda: datetime.now(UTC))
        finally:
            state.close()
    con = connect(str(output))
    written = dict(con.execute("SELECT source, count(*) FROM articles GROUP BY 1").fetchall())
    lines = [
        "| feed | Content-Encoding | body bytes | expands to | became |",
        "|---|---|---|---|---|",
    ]
    problems = []
    for name, (coding, body) in bodies.items():
        why = report.problems.get(name)
        expands = f"{len(good)} B" if name == "good" else f"{BOMB >> 30} GiB"
        became = f"fetch error: {why}" if why else f"{sum(written.values())} articles"
        lines.append(f"| {name} | {coding} | {len(body)} | {expands} | {became} |")
        if (name == "good") != (why is None) or (why and not why.startswith("too large")):
            problems.append(f"{name}: {became}")
    if sum(written.values()) != 4:
        problems.append(f"the good feed's 4 items made {sum(written.values())} articles")
    return lines, problems


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
    """Build, run, print; exit 1 on an unaccounted file or feed, or memory over budget."""
    gz_bomb, zst_bomb = gzip_bomb(BOMB), zstd_bomb(BOMB)
    with tempfile.TemporaryDirectory(prefix="nordwire-hostile-") as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "out"
        corpus.mkdir()
        made = build(corpus, gz_bomb, zst_bomb)
        print("| hostile file | what it is |\n|---|---|")
        for name, what in made:
            print(f"| {display_path(name)!r} | {what} |")
        started = time.perf_counter()
        acc = account(corpus, out)
        seconds = time.perf_counter() - started
        polled, problems = poll_bombs(Path(tmp) / "polled", gz_bomb, zst_bomb)
    peak = peak_rss()
    for line in acc.mismatches:
        print("UNACCOUNTED", line)
    print()
    print(table([("hostile files", acc)]))
    print()
    print("\n".join(polled))
    for line in problems:
        print("UNACCOUNTED", line)
    print(books(acc, seconds, peak))
    return 1 if acc.mismatches or problems or peak > MEMORY_BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
