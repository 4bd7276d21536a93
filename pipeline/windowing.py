"""Windowing, decided in one place: the stream's windows and triggers, and how a transform tells a stream.

The dedup and the sink choose their strategy from the windows of their input, so no caller
has to pass a flag that must agree with how the graph was built.
"""

from __future__ import annotations

from datetime import timedelta

import apache_beam as beam
from apache_beam.pvalue import PCollection
from apache_beam.transforms.trigger import (
    AccumulationMode,
    AfterCount,
    AfterProcessingTime,
    AfterWatermark,
)
from apache_beam.transforms.window import FixedWindows, GlobalWindows
from apache_beam.utils.timestamp import Duration


def windowed(pcoll: PCollection) -> bool:
    """Whether a PCollection is in windows other than the one global window (a stream)."""
    return not isinstance(pcoll.windowing.windowfn, GlobalWindows)


def fetch_windows(window: timedelta, early: timedelta, lateness: timedelta) -> beam.WindowInto:
    """The windows every streaming output is written in (items and rejects alike).

    Elements carry their fetch time as event time, which the poll source's watermark follows,
    so on a healthy runner nothing is late. Each window fires when the watermark passes its
    end; while it is open, an early pane at most every `early` of processing time writes what
    arrived (a story is queryable soon after its poll, not only at the window's end). Panes
    discard what they fired, so each element is written in exactly one pane. An element
    behind the watermark within `lateness` gets a late pane of its own; none is clamped.
    """
    return beam.WindowInto(
        FixedWindows(int(window.total_seconds())),
        trigger=AfterWatermark(
            early=AfterProcessingTime(int(early.total_seconds())), late=AfterCount(1)
        ),
        accumulation_mode=AccumulationMode.DISCARDING,
        allowed_lateness=Duration(seconds=int(lateness.total_seconds())),
    )
