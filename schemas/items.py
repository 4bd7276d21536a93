"""In-flight records: the bytes read from an input and the item that moves through the stages."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from datetime import datetime

# The texts of an item that mentions are found in (entities.field, quotes.field), in this order.
MENTION_FIELDS = ("title", "summary", "body", "caption")


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input as read: a file or a fetched feed body, before any parsing."""

    input: str  # path or URL it came from
    data: bytes
    fetched_at: datetime  # file mtime for files, response time for HTTP (UTC)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """A named-entity mention in one text field of an article."""

    field: str  # title, summary or body: the text the offsets point into
    text: str
    label: str
    start: int
    end: int
    sentence: int
    normalised: str


@dataclass(frozen=True, slots=True)
class QuoteMention:
    """A direct quotation and who said it."""

    field: str
    quote: str
    start: int
    end: int
    speaker: str | None  # resolved to the fullest name the article gives
    speaker_raw: str | None  # as written in the reporting clause
    verb: str | None
    kind: str = "direct"  # direct (the words as spoken) or reported (ifølge X, X sier at ...)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A temporal expression and its value resolved against the publication date."""

    field: str
    text: str
    start: int
    end: int
    value: str | None
    precision: str


@dataclass(frozen=True, slots=True)
class LanguageEvidence:
    """What an item's own text says about its language: read once, at parse time, where the
    other items of its document are at hand (transforms/language/detect.py), and decided in its feed's
    context by the language stage without reading the text again."""

    label: str  # the fields read: title+summary, title+body ...
    chars: int  # length of the text read: the stage reads the same text, or reads it anew
    log_p: tuple[float, ...]  # per class of the model (transforms/langid.CLASSES): model and cues
    settled: str | None = None  # a language the text alone settles (und, se, ru): no prior moves it
    confidence: float = 0.0  # of a settled language
    words: int = 0
    nynorsk: int = 0  # forms only nynorsk writes (ikkje, eg, frå)
    bokmal: int = 0  # forms only bokmål writes (ikke, jeg, fra)
    cues: bool = False  # a cue word decided part of log_p


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry or wire article; each stage fills in more fields with `evolve`."""

    input: str
    item_index: int
    format: str  # rss20, atom10, json1, wire, ...
    source: str  # publisher slug, e.g. nrk.no or ntb
    fetched_at: datetime
    feed_title: str | None = None
    feed_language: str | None = None
    # the other items of the same document, by their own language (group, count): set at parse
    document_languages: tuple[tuple[str, int], ...] = ()
    item_language: str | None = None  # the item's own xml:lang, when it differs from the feed's
    language_evidence: LanguageEvidence | None = None  # its own text's, read at parse
    guid: str | None = None  # None when the feed's guid is not a real identifier
    link: str | None = None
    title_raw: str | None = None
    summary_raw: str | None = None
    content_raw: str | None = None
    published_raw: str | None = None
    published_fallback: datetime | None = None  # feedparser's own reading, used only as a fallback
    updated_raw: str | None = None
    # dates the document offers when the item's own is missing: (basis, UTC datetime), best first
    date_fallbacks: tuple[tuple[str, datetime], ...] = ()
    # the document's clock (transforms/revisions.py): the channel's lastBuildDate (or pubDate)
    # and the newest date any item of the same document carries, UTC; set at parse
    channel_date: datetime | None = None
    newest_item_date: datetime | None = None
    # the earliest sighting among the run's copies of this story, when earlier than this copy's
    # own (transforms/revisions.py: first_seen); set by the dedup
    first_sighting: datetime | None = None
    caption_raw: str | None = None  # media:description / media:text of the item's photos
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()
    # identity
    article_id: str | None = None
    identity_basis: str | None = None  # guid, url or text
    url: str | None = None  # link without tracking parameters
    # normalise
    title: str | None = None
    summary: str | None = None
    body: str | None = None
    caption: str | None = None
    subheadings: tuple[str, ...] = ()
    byline: str | None = None
    # dates
    published_at: datetime | None = None
    date_precision: str = "none"  # time, day, month, year or none
    # what published_at is: published, updated, url, feed_order, channel, feed_newest, fetched,
    # file_mtime (see docs/feeds.md)
    date_basis: str = "none"
    updated_at: datetime | None = None
    # language
    language: str | None = None
    variety: str | None = None
    language_confidence: float | None = None
    language_text: str | None = None
    language_basis: str | None = None  # evidence used: text, cues, channel, domain, document
    # topic
    topic: str = "unclassified"
    topics: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    topic_basis: str | None = None  # category, url, text or none (transforms/topics/classify.py BASES)
    # entities, quotes, dates
    entities: tuple[Mention, ...] = ()
    quotes: tuple[QuoteMention, ...] = ()
    dates: tuple[DateMention, ...] = ()
    extraction_cut: int = 0  # characters left out of entity/quote/date extraction (over the cap)

    def evolve(self, **changes: object) -> Item:
        """Return a copy with `changes` applied (stages never mutate an item).

        What `dataclasses.replace` does, at half its cost: every stage evolves every item, and
        `replace` walks the fields' definitions and calls `__init__` with 50 keywords each time.
        """
        values = list(_ITEM_VALUES(self))
        for name, value in changes.items():
            index = _ITEM_INDEX.get(name)
            if index is None:
                raise TypeError(f"Item has no field {name!r}")
            values[index] = value
        new: Item = object.__new__(Item)
        for name, value in zip(_ITEM_FIELDS, values, strict=True):
            object.__setattr__(new, name, value)
        return new


_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(Item))
_ITEM_VALUES = operator.attrgetter(*_ITEM_FIELDS)  # all of an item's values, as one tuple
_ITEM_INDEX = {name: i for i, name in enumerate(_ITEM_FIELDS)}
# evolve() builds a copy without __init__, which holds while Item has no __post_init__ (a
# test in tests/unit/test_schemas.py says so if one is added).
