"""Shared fixtures: paths to the shared data (skipped when absent) and a local Beam runner."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nordwire.schemas.items import Item

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_9b10334a7624b0a2.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FETCHED = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.skip("shared seed article not present")
    return SEED


def local_pipeline():  # type: ignore[no-untyped-def]
    """A TestPipeline on DirectRunner's in-process engine (no Prism download attempt)."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.test_pipeline import TestPipeline

    return TestPipeline(runner=FnApiRunner())


def make_item(**fields: Any) -> Item:
    """An Item with harmless defaults for the fields a test does not care about."""
    base: dict[str, Any] = {
        "input": "f.xml",
        "item_index": 0,
        "format": "rss20",
        "source": "s",
        "fetched_at": FETCHED,
    }
    base.update(fields)
    return Item(**base)
