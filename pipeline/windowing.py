"""Windowing, decided in one place: the stream's fixed windows, and how a transform tells a stream.

The dedup and the sink choose their strategy from the windows of their input, so no caller
has to pass a flag that must agree with how the graph was built.
"""

from __future__ import annotations

from datetime import timedelta

import apache_beam as beam
from apache_beam.pvalue import PCollection
from apache_beam.transforms.window import FixedWindows, GlobalWindows
from apache_beam.utils.timestamp import Duration


def windowed(pcoll: PCollection) -> bool:
    """Whether a PCollection is in windows other than the one global window (a stream)."""
    return not isinstance(pcoll.windowing.windowfn, GlobalWindows)


def fixed_windows(window: timedelta, lateness: timedelta) -> beam.WindowInto:
    """The windows every streaming output is written in (items and rejects alike)."""
    return beam.WindowInto(
        FixedWindows(int(window.total_seconds())),
        allowed_lateness=Duration(seconds=int(lateness.total_seconds())),
    )
