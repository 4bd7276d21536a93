"""Model archives: `.npz` files of arrays and UTF-8 text, never pickles; shipped in transforms/models.

The language and topic models load through here, so that both read the same way: the file a
caller names, else the one in the package, opened with pickles refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np


@contextmanager
def read_archive(name: str, path: Path | None = None) -> Iterator[Any]:
    """The arrays of a model archive: `path`, else transforms/models/`name` in the package."""
    source = path or resources.files("nordwire.transforms").joinpath("models", name)
    with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        yield data


def text(data: Any, key: str) -> str:
    """A text member (stored as UTF-8 bytes in a uint8 array)."""
    return bytes(data[key]).decode("utf-8")


def text_array(value: str) -> np.ndarray:
    """Text as an archive member: UTF-8 bytes in a uint8 array (no pickle needed to read it)."""
    return np.frombuffer(value.encode("utf-8"), dtype=np.uint8)
