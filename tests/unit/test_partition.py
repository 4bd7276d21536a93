"""Partitions: values from a closed set, never from raw input; the date rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nordwire.transforms.partition import PARTITION_RE, partition_date, partition_path, safe_topic


@pytest.mark.parametrize(
    "hostile", ["../../etc", "a/b", "date=1970-01-01", "x" * 5000, "Sport", ""]
)
def test_hostile_topics_become_unclassified(hostile: str) -> None:
    path = partition_path("2024-03-01", hostile)
    assert path == "date=2024-03-01/topic=unclassified" and PARTITION_RE.match(path)


def test_known_topic_is_kept() -> None:
    assert safe_topic("sport") == "sport"


def test_bad_date_is_refused() -> None:
    with pytest.raises(ValueError):
        partition_path("../2024", "sport")


def test_date_rule_published_else_fetched() -> None:
    fetched = datetime(2024, 3, 15, 23, 30, tzinfo=UTC)
    assert partition_date(datetime(2024, 3, 10, 23, 30, tzinfo=UTC), fetched) == "2024-03-11"
    assert partition_date(None, fetched) == "2024-03-16"
