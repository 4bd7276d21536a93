"""Test feeds in realistic shapes built from held-out sentences, for the language figures.

`python -m nordwire.pipeline.tools.langfeeds --data ../shared/data --out DIR` writes RSS files
named `<lang>-<shape>-<tag>-<n>.xml`: Danish and Swedish outlets (headline only, headline plus
lede), with and without a channel `<language>` tag, Norwegian ones (bokmål and nynorsk), and
Norwegian feeds with a few foreign items mixed in. Only held-out UD sentences are used
(`train_langid.split_heldout`), so the figures are not on training text.
Score them with `nordwire eval langid --feeds 'DIR/sv-*.xml' --gold sv`. It also writes the
held-out UD sentences and 300-character chunks as TSV for `nordwire eval langid FILE.tsv`, and
(`feed-titles-variety.tsv`) the titles of the real Norwegian feed snapshots of
../shared/data/feeds labelled bokmål or nynorsk by the forms of their own summary: a second
source for the variety of short text, written by other hands than UD's.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from nordwire.pipeline.tools.train_langid import (
    DEV_FILES,
    chunks,
    read_dev,
    split_heldout,
)

ITEMS_PER_FEED = 40
HOSTS = {"sv": "nyheter.example.se", "da": "nyheder.example.dk", "nb": "nyheter.example.no"}
HOSTS["nn"] = HOSTS["nb"]
CHANNEL_TAGS = {"sv": "sv-se", "da": "da-dk", "nb": "nb-no", "nn": "nn-no"}
_WORDS = re.compile(r"[^\W\d_]{2,}")
_END = re.compile(r"[\s.,:;!?«»\"']+$")


def headline(sentence: str, index: int) -> str:
    """A headline-sized start of a sentence: 3-9 words, capitalised, no end punctuation."""
    words = sentence.split()[: 3 + index % 7]
    text = _END.sub("", " ".join(words))
    return text[:1].upper() + text[1:]


def rss(items: list[tuple[str, str | None]], host: str, tag: str | None) -> bytes:
    """An RSS 2.0 document with these (title, description) items."""
    language = f"<language>{tag}</language>" if tag else ""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>https://{host}/a/{i}</link>"
        f"<guid>https://{host}/a/{i}</guid>"
        + (f"<description>{escape(d)}</description>" if d else "")
        + "</item>"
        for i, (t, d) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Nyheter</title><link>https://{host}/</link>{language}{body}</channel></rss>"
    ).encode()


def shaped(sentences: list[str], shape: str) -> list[tuple[str, str | None]]:
    """Items from consecutive sentences: `headline` (title only) or `lede` (title + next sentence)."""
    if shape == "headline":
        return [(headline(s, i), None) for i, s in enumerate(sentences)]
    return [(headline(sentences[i], i), sentences[i + 1]) for i in range(0, len(sentences) - 1, 2)]


def build(data: Path) -> dict[str, bytes]:
    """All test feeds by file name."""
    # NorNE's dev sentences are UD's dev sentences, four fifths of which the model trains on:
    # the Norwegian feeds too are built from the held-out fifth only.
    pools = {
        lang: split_heldout(read_dev(data, lang))[1] for lang in ("sv", "da", "en", "nb", "nn")
    }
    out: dict[str, bytes] = {}
    for lang in ("sv", "da", "nb", "nn"):
        for shape in ("headline", "lede"):
            items = shaped(pools[lang], shape)
            for tagged in (True, False):
                tag = CHANNEL_TAGS[lang] if tagged else None
                for n, start in enumerate(range(0, len(items), ITEMS_PER_FEED)):
                    chunk = items[start : start + ITEMS_PER_FEED]
                    name = f"{lang}-{shape}-{'tag' if tagged else 'notag'}-{n:03d}.xml"
                    out[name] = rss(chunk, HOSTS[lang], tag)
    # Norwegian feeds with one Swedish and one English story each: found on their own evidence?
    stories = {
        lang: [s for s in pools[lang] if len(_WORDS.findall(s)) >= 3] for lang in ("sv", "en")
    }
    foreign = [(s, "sv") for s in stories["sv"][::7]] + [(s, "en") for s in stories["en"][::7]]
    nb_items = shaped(pools["nb"], "lede")
    for n, (sentence, lang) in enumerate(foreign[:40]):
        # 19 Norwegian items around each story, taken in turn (the pool is reused when it ends).
        items = [nb_items[(n * 19 + j) % len(nb_items)] for j in range(19)]
        items.insert(n % 19, (headline(sentence, n), sentence))
        out[f"mixed-{lang}-{n:03d}.xml"] = rss(items, HOSTS["nb"], CHANNEL_TAGS["nb"])
    return out


def heldout_tsv(data: Path) -> dict[str, str]:
    """Held-out UD sentences and ~300-character chunks of them as `label<TAB>text` files."""
    sentences: list[str] = []
    chunked: list[str] = []
    for lang in DEV_FILES:
        held = split_heldout(read_dev(data, lang))[1]
        sentences.extend(f"{lang}\t{s}" for s in held)
        chunked.extend(f"{lang}\t{c}" for c in chunks(held))
    return {
        "heldout-sentences.tsv": "\n".join(sentences) + "\n",
        "heldout-chunks300.tsv": "\n".join(chunked) + "\n",
    }


def feed_titles_tsv(data: Path) -> str:
    """Titles of the Norwegian feed snapshots (each once) as `label<TAB>title`, labelled by their
    summary: at least two forms only nynorsk writes (ikkje, eg, frå, -ane ...) and none only
    bokmål writes, or the other way round. Items whose summary says neither are left out."""
    import feedparser
    from nordwire.transforms.language.cues import cues

    seen: set[str] = set()
    lines: list[str] = []
    for path in sorted((data / "feeds").glob("*/*.xml")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            title = " ".join(str(entry.get("title", "")).split())
            summary = re.sub(r"<[^>]+>", " ", str(entry.get("summary", "")))
            if not title or title in seen:
                continue
            seen.add(title)
            found = cues(summary)
            if found.nynorsk >= 2 and not found.bokmal:
                lines.append(f"nn\t{title}")
            elif found.bokmal >= 2 and not found.nynorsk:
                lines.append(f"nb\t{title}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the test feeds into --out."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not (args.data / "langid" / "dev").is_dir():
        print(f"langfeeds: {args.data}/langid/dev not found", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    feeds = build(args.data)
    for name, data in feeds.items():
        (args.out / name).write_bytes(data)
    for name, text in heldout_tsv(args.data).items():
        (args.out / name).write_text(text, "utf-8")
    if (args.data / "feeds").is_dir():
        (args.out / "feed-titles-variety.tsv").write_text(feed_titles_tsv(args.data), "utf-8")
    print(f"wrote {len(feeds)} feeds and the held-out TSV files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
