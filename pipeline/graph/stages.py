"""One thin composite PTransform per core stage, each with a dead-letter output for rejects."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection, TaggedOutput
from nordwire.pipeline.counting import tally
from nordwire.pipeline.windowing import windowed
from nordwire.schemas.items import Item
from nordwire.schemas.rejects import REJECTS, Reject
from nordwire.transforms.contract import StageFn, apply_stage
from nordwire.transforms.extract.mentions import extract_mentions
from nordwire.transforms.extract.metadata import date_bound, extract_metadata, with_bound
from nordwire.transforms.extract.ner import NerModel
from nordwire.transforms.feed.identity import assign_id
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.language.detect import LanguageDetector, detect_language
from nordwire.transforms.normalise import normalise_or_reject
from nordwire.transforms.revisions import (
    duplicate_of,
    first_seen,
    newest_first,
    winner,
    with_sightings,
)
from nordwire.transforms.topics.classify import TopicClassifier, assign_topic


class _StageFn(beam.DoFn):
    """Runs one pure stage function; rejects and exceptions go to the dead-letter output."""

    def __init__(self, stage: str, make_fn: Callable[..., StageFn], args: tuple[Any, ...]) -> None:
        self._stage = stage
        self._make_fn = make_fn
        self._args = args
        self._fn: StageFn | None = None
        self._ok = Metrics.counter(stage, "ok")
        self._rejected = Metrics.counter(stage, "rejected")
        self._errors = Metrics.counter(stage, "error")

    def setup(self) -> None:
        # Heavy objects (language profiles, classifiers) are built here, once per worker.
        self._fn = self._make_fn(*self._args)

    def process(self, element: Any) -> Iterator[Any]:
        assert self._fn is not None
        outs, raised = apply_stage(self._stage, self._fn, element)
        for out in outs:
            if isinstance(out, Reject):
                (self._errors if raised else self._rejected).inc()
                yield TaggedOutput(REJECTS, out)
            else:
                self._ok.inc()
                tally(self._stage)
                yield out


class _Stage(beam.PTransform):
    """A stage: main output `items`, dead-letter output `rejects`.

    `make_fn(*args)` must be a module-level function so that the DoFn pickles by reference.
    """

    def __init__(self, stage: str, make_fn: Callable[..., StageFn], *args: Any) -> None:
        super().__init__()
        self._stage = stage
        self._make_fn = make_fn
        self._args = args

    def expand(self, pcoll: PCollection) -> Any:
        return pcoll | beam.ParDo(_StageFn(self._stage, self._make_fn, self._args)).with_outputs(
            REJECTS, main="items"
        )


def _given(fn: StageFn) -> StageFn:
    return fn


def _language_fn() -> StageFn:
    return functools.partial(detect_language, detector=LanguageDetector())


def _metadata_fn(tz_name: str) -> StageFn:
    return functools.partial(extract_metadata, tz=ZoneInfo(tz_name))


def _mentions_fn(tz_name: str) -> StageFn:
    return functools.partial(extract_mentions, ner=NerModel(), tz=ZoneInfo(tz_name))


def _topic_fn() -> StageFn:
    return functools.partial(assign_topic, classifier=TopicClassifier())


class ParseDocuments(_Stage):
    """RawDocument -> Items, one per feed entry or wire article."""

    def __init__(self) -> None:
        super().__init__("parse", _given, parse_document)


class AssignIds(_Stage):
    """Stable article_id from a real guid, the cleaned link, or the text."""

    def __init__(self) -> None:
        super().__init__("identity", _given, assign_id)


class Normalise(_Stage):
    """HTML to text, entities, mojibake, NFC; items left with no text are rejected as empty."""

    def __init__(self) -> None:
        super().__init__("normalise", _given, normalise_or_reject)


class DetectLanguage(_Stage):
    """Keep Norwegian (bokmål or nynorsk); the rest goes to rejects as not_norwegian."""

    def __init__(self) -> None:
        super().__init__("language", _language_fn)


class ExtractMetadata(_Stage):
    """Dates with precision, byline, credits, caption and sub-headings."""

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__("metadata", _metadata_fn, tz.key)


class ExtractMentions(_Stage):
    """Named entities (the shipped CRF, loaded once per worker), quotes with speakers, and dates."""

    def __init__(self, tz: ZoneInfo) -> None:
        super().__init__("mentions", _mentions_fn, tz.key)


class ClassifyTopic(_Stage):
    """IPTC Media Topic (top level) from the section (categories, URL) or the shipped text model."""

    def __init__(self) -> None:
        super().__init__("topic", _topic_fn)


def dedup_key(item: Item) -> str:
    """The key copies of one story share: its article id. An item with no title and no text is
    never a copy of anything (empty items share one id); the normalise stage rejects it as
    `empty`, each on its own, rather than all but one as `duplicate`."""
    if any((x or "").strip() for x in (item.title_raw, item.summary_raw, item.content_raw)):
        return item.article_id or ""
    return f"{item.article_id or ''}|{item.input}|{item.item_index}"


def _kept(item: Item, copies: list[Any]) -> Item:
    """The copy kept, bounded by its copies' dates and first seen when the first of them was;
    `copies` are (date bound, first seen) of every copy."""
    bounded = with_bound(item, [bound for bound, _ in copies])
    return with_sightings(bounded, [seen for _, seen in copies])


class _KeepOneFn(beam.DoFn):
    """Grouped items of one article_id -> the preferred one, the rest as duplicate rejects."""

    def __init__(self) -> None:
        self._dupes = Metrics.counter("dedup", "duplicate")

    def process(self, element: tuple[str, Iterable[Item]]) -> Iterator[Any]:
        _, group = element
        kept, *others = sorted(group, key=newest_first)
        copies = (kept, *others)
        yield _kept(kept, [(date_bound(item), first_seen(item)) for item in copies])
        for other in others:
            self._dupes.inc()
            yield TaggedOutput(REJECTS, duplicate_of(other, kept.input, kept.item_index))


class _KeepWinnerFn(beam.DoFn):
    """Items + {article_id: (input, item_index) to keep} -> kept items, duplicate rejects."""

    def __init__(self) -> None:
        self._dupes = Metrics.counter("dedup", "duplicate")

    def process(self, item: Item, winners: dict[str, tuple[str, int, list[Any]]]) -> Iterator[Any]:
        winner = winners.get(dedup_key(item))
        if winner is None:
            yield item
            return
        if winner[:2] == (item.input, item.item_index):
            # no story is dated after the first document that held it (its copies' bounds)
            yield _kept(item, winner[2])
            return
        self._dupes.inc()
        yield TaggedOutput(REJECTS, duplicate_of(item, *winner[:2]))


class DropDuplicates(beam.PTransform):
    """One item per article_id within the run (or window): the newest revision by the document's
    clock (transforms/revisions.py: newest_first); the others become `duplicate` rejects.

    In the global window (bounded runs) it shuffles only (article_id, preference) records and
    filters the items against the winners of duplicated ids as a side input, so memory holds
    no group of whole items; it relies on each (input, item_index) being read once, which
    ReadInputs (one read per path) and FetchFeeds (one fetch per URL) ensure. In windows (a
    stream) it groups the items themselves, since a side input would wait for its window.
    """

    def expand(self, pcoll: PCollection) -> Any:
        if windowed(pcoll):
            return (
                pcoll
                | "KeyById" >> beam.Map(lambda item: (dedup_key(item), item))
                | "GroupById" >> beam.GroupByKey()
                | "KeepOne" >> beam.ParDo(_KeepOneFn()).with_outputs(REJECTS, main="items")
            )
        winners = (
            pcoll
            | "Preference"
            >> beam.Map(
                lambda item: (
                    dedup_key(item),
                    (newest_first(item), (date_bound(item), first_seen(item))),
                )
            )
            | "GroupById" >> beam.GroupByKey()
            | "Winners" >> beam.FlatMap(winner)
        )
        return pcoll | "KeepOne" >> beam.ParDo(
            _KeepWinnerFn(), winners=beam.pvalue.AsDict(winners)
        ).with_outputs(REJECTS, main="items")
