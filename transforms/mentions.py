"""Extraction stage: named entities with linking, quotes with resolved speakers, and dates."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from nordwire.schemas.items import DateMention, Item, Mention, QuoteMention
from nordwire.transforms.dates import OSLO
from nordwire.transforms.ner import NerModel, sentences, spans, tokenize
from nordwire.transforms.quotes import PRONOUNS, find_quotes
from nordwire.transforms.temporal import find_dates

MAX_CHARS_PER_FIELD = 100_000  # a 1 MB "article" is cut here, and the cut is recorded
FIELDS = ("title", "summary", "body", "caption")
# Model designations are products whatever the tagger says: S-400, Iskander-M, F-35, MiG-29.
_MODEL_CODE = re.compile(r"^[A-ZÆØÅ][A-Za-zÆØÅæøå]{0,15}-(?:[A-Z]{1,3}\d{0,4}|\d{1,4}[A-Z]?)$")
_NOT_PRODUCTS = frozenset({"covid-19", "sars-cov-2", "nato-2", "e-6", "e-18", "e-39"})
PLACE_LABELS = ("GPE_LOC", "LOC")
# "Tsjernihiv-regionen" is the region of Tsjernihiv: the place is the name before the hyphen.
_PLACE_SUFFIXES = (
    "-regionen",
    "-området",
    "-provinsen",
    "-fylket",
    "-byen",
    "-distriktet",
    "-oblasten",
)


def _second_pass(tokens: list[str], tags: list[str]) -> list[str]:
    """Rules on top of the tagger: model designations are products; `X-regionen` is a place."""
    out = list(tags)
    for i, tok in enumerate(tokens):
        if (
            _MODEL_CODE.match(tok)
            and tok.lower() not in _NOT_PRODUCTS
            and (out[i] == "O" or out[i].endswith("DRV"))
        ):
            out[i] = "B-PROD"
        elif out[i] == "B-DRV" and tok.lower().endswith(_PLACE_SUFFIXES):
            out[i] = "B-LOC"
    return out


def _mentions(texts: dict[str, str], ner: NerModel) -> list[Mention]:
    # Every sentence of every field in one tagging call: one decoding pass per article.
    found = [
        (field, text, index, sent)
        for field, text in texts.items()
        if text
        for index, sent in enumerate(sentences(tokenize(text)))
    ]
    all_words = [[t.text for t in sent] for _, _, _, sent in found]
    out: list[Mention] = []
    for (field, text, index, sent), words, tags in zip(
        found, all_words, ner.tag_many(all_words), strict=True
    ):
        for span in spans(_second_pass(words, tags)):
            start, end = sent[span.start].start, sent[span.end - 1].end
            out.append(
                Mention(field, text[start:end], span.label, start, end, index, text[start:end])
            )
    return out


def _genitive_stem(name: str) -> str:
    if name.endswith("'") or name.endswith("’"):
        return name[:-1]
    if name.endswith("s") and len(name) > 3:
        return name[:-1]
    return name


def link(mentions: list[Mention], gazetteer: frozenset[str] = frozenset()) -> list[Mention]:
    """Normalised names: a short person mention takes the full name used in the article ("Putin" ->
    "Vladimir Putin"); a genitive takes its stem when the stem is also named ("Russlands" -> "Russland")."""
    full_people = [m.text for m in mentions if m.label == "PER" and len(m.text.split()) > 1]
    known = {m.text for m in mentions}
    out: list[Mention] = []
    for m in mentions:
        name = m.text
        if m.label == "PER":
            words = _genitive_stem(name).split()
            for full in full_people:
                parts = full.split()
                if len(words) < len(parts) and (
                    parts[-len(words) :] == words or parts[: len(words)] == words
                ):
                    name = full
                    break
            else:
                stem = _genitive_stem(name)
                if stem != name and any(stem == f or f.endswith(" " + stem) for f in known):
                    name = stem
        else:
            stem = _genitive_stem(name)
            if stem != name and (stem in known or stem.lower() in gazetteer):
                name = stem
            if m.label in PLACE_LABELS:
                for suffix in _PLACE_SUFFIXES:
                    if name.lower().endswith(suffix) and len(name) > len(suffix) + 1:
                        name = name[: -len(suffix)]
                        break
        out.append(Mention(m.field, m.text, m.label, m.start, m.end, m.sentence, name))
    return out


def _speaker(raw: str | None, quote_start: int, field: str, mentions: list[Mention]) -> str | None:
    people = [m for m in mentions if m.label == "PER"]
    if raw and raw.lower() not in PRONOUNS and raw[:1].isupper():
        last = raw.split()[-1]
        for m in people:
            if m.text == raw or m.normalised.split()[-1] == last:
                return m.normalised
        return raw
    # A pronoun, a role noun or no reporting clause: the last person named before the quote.
    before = [
        m
        for m in people
        if (m.field == field and m.end <= quote_start)
        or FIELDS.index(m.field) < FIELDS.index(field)
    ]
    if before:
        return before[-1].normalised
    return raw


def extract_mentions(item: Item, ner: NerModel, tz: ZoneInfo = OSLO) -> Item:
    """Entities, quotes and dates of an article's title, summary and body."""
    anchor = item.published_at.astimezone(tz).date() if item.published_at else None
    texts: dict[str, str] = {}
    cut = 0
    for field in FIELDS:
        text = getattr(item, field) or ""
        if len(text) > MAX_CHARS_PER_FIELD:
            cut += len(text) - MAX_CHARS_PER_FIELD
            text = text[:MAX_CHARS_PER_FIELD]
        texts[field] = text
    mentions = link(_mentions(texts, ner), ner.gazetteer)
    quotes = [
        QuoteMention(
            field,
            q.quote,
            q.start,
            q.end,
            _speaker(q.speaker, q.start, field, mentions),
            q.speaker,
            q.verb,
        )
        for field in FIELDS
        for q in find_quotes(texts[field])
    ]
    dates = [
        DateMention(field, d.text, d.start, d.end, d.value, d.precision)
        for field in FIELDS
        for d in find_dates(texts[field], anchor, item.date_precision)
    ]
    return item.evolve(
        entities=tuple(mentions), quotes=tuple(quotes), dates=tuple(dates), extraction_cut=cut
    )
