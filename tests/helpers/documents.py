"""Small in-memory feed documents shared by the parse, property and stage tests."""

from __future__ import annotations

from nordwire.schemas.items import RawDocument

from tests.conftest import FETCHED

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test</title><link>https://www.test.no/</link>
<item><title>En</title><link>https://www.test.no/a</link><guid>/a/</guid><description>Tekst en</description></item>
<item><title>To</title><link>https://www.test.no/b</link><guid>/a/</guid><description>Tekst to</description></item>
<item><title>Tre</title><link>https://www.test.no/c</link><guid>tre-123456</guid><pubDate>Sun, 10 Mar 2024 21:40:00 CET</pubDate></item>
</channel></rss>"""


def doc(data: bytes, name: str = "in.xml") -> RawDocument:
    return RawDocument(input=name, data=data, fetched_at=FETCHED)
