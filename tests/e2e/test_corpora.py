"""Whole corpora through the pipeline: every file and item accounted for, each story once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.robustness.accounting import account

FEEDPARSER = SHARED / "data" / "feedparser-tests"
NORWEGIAN = SHARED / "data" / "feeds"


def corpus(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"{path} not present")
    return path


@pytest.mark.slow  # the whole corpus; `make robustness` runs it
def test_feedparser_test_corpus_is_fully_accounted_for(tmp_path: Path) -> None:
    acc = account(corpus(FEEDPARSER), tmp_path)
    assert acc.files > 2000
    assert acc.mismatches == []
    assert acc.items == acc.articles + sum(
        n
        for reason, n in acc.rejects.items()
        if reason in ("duplicate", "empty", "not_norwegian", "too_long", "error")
    )
    assert acc.rejects.get("error", 0) == 0  # no stage raised on any of them


@pytest.mark.slow  # the whole corpus; `make robustness` runs it
def test_norwegian_feed_snapshots_keep_each_story_once(tmp_path: Path) -> None:
    acc = account(corpus(NORWEGIAN), tmp_path)
    assert acc.mismatches == []
    assert acc.articles == acc.distinct_ids
    assert acc.articles_with_url == acc.distinct_urls == acc.articles
    assert acc.rejects["duplicate"] > acc.articles  # 45 overlapping snapshots of the same feeds
    # nearly all of it is Norwegian news: at most 3 % rejected as another language
    assert acc.rejects["not_norwegian"] <= 0.03 * acc.articles
