"""The stage contract, shared by the Beam stages and the poller: run one pure stage function on
one element; what it rejects and what makes it raise both become rejects rows, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject, excerpt_of

StageFn = Callable[[Any], "Item | Reject | list[Item | Reject]"]


def error_reject(stage: str, element: object, exc: BaseException) -> Reject:
    """The rejects row for an element whose stage raised."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(element, Item):
        return Reject.of_item(
            element,
            stage,
            "error",
            error=error,
            excerpt=excerpt_of(element.title or element.title_raw or element.content_raw),
        )
    if isinstance(element, RawDocument):
        return Reject(
            stage=stage,
            reason="error",
            input=element.input,
            fetched_at=element.fetched_at,
            error=error,
            excerpt=excerpt_of(element.data),
        )
    raise TypeError(f"cannot reject a {type(element).__name__}") from exc


def apply_stage(stage: str, fn: StageFn, element: Any) -> tuple[list[Item | Reject], bool]:
    """`fn(element)` as a list of outputs, and whether it raised (then one `error` reject)."""
    try:
        result = fn(element)
    except Exception as exc:  # one bad element must not stop the run
        return [error_reject(stage, element, exc)], True
    return (result if isinstance(result, list) else [result]), False
