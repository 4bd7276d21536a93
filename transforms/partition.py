"""Where a row is written: Hive partition values from a closed set, never raw input."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from nordwire.schemas.items import Item
from nordwire.schemas.topics import SLUG_RE, UNCLASSIFIED, vocabulary
from nordwire.transforms.feed.dates import OSLO, local_date

PARTITION_RE = re.compile(r"^date=\d{4}-\d{2}-\d{2}/topic=[a-z0-9-]+$")


def partition_date(published_at: datetime | None, fetched_at: datetime, tz: ZoneInfo = OSLO) -> str:
    """Publication day in `tz`; an item with no known date goes under the day it was fetched."""
    return local_date(published_at or fetched_at, tz)


def safe_topic(topic: str | None) -> str:
    """The topic if it is in the vocabulary, else `unclassified`."""
    if topic and SLUG_RE.match(topic) and topic in vocabulary().slugs:
        return topic
    return UNCLASSIFIED


def partition_path(date: str, topic: str | None) -> str:
    """`date=YYYY-MM-DD/topic=<slug>`, validated so nothing from the input can change the path."""
    path = f"date={date}/topic={safe_topic(topic)}"
    if not PARTITION_RE.match(path):
        raise ValueError(f"refusing to write to partition {path!r}")
    return path


def item_partition(item: Item, tz: ZoneInfo = OSLO) -> tuple[str, str]:
    """(date, topic) partition values of a finished item."""
    return partition_date(item.published_at, item.fetched_at, tz), safe_topic(item.topic)
