"""Extraction stage: named entities with linking, quotes with resolved speakers, and dates."""

from __future__ import annotations

import itertools
import re
from zoneinfo import ZoneInfo

from nordwire.schemas.items import MENTION_FIELDS, DateMention, Item, Mention
from nordwire.transforms.extract.attribution import attribute
from nordwire.transforms.extract.metadata import OWN_DATE_BASES
from nordwire.transforms.extract.ner import (
    Lexicon,
    NerModel,
    consistent,
    sentences,
    spans,
    tokenize,
)
from nordwire.transforms.extract.speakers import S_NAMES
from nordwire.transforms.extract.text_dates import find_dates
from nordwire.transforms.feed.dates import OSLO

MAX_CHARS_PER_FIELD = 100_000  # a 1 MB "article" is cut here, and the cut is recorded
FIELDS = MENTION_FIELDS
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


# NorNE's convention for sport: a venue is a place (LOC: `Ullevaal stadion`, `Telenor Arena`),
# a league an organisation (ORG: `Tippeligaen`, `Premier League`), and so is a club.
_VENUE_HEADS = frozenset({"stadion", "stadium", "arena", "stadio", "estadio"})
_LEAGUE_WORD = re.compile(r"^[A-ZÆØÅ][\wæøå]*(?:serien|ligaen|-ligaen)$")
_LEAGUE_HEADS = frozenset({"league", "liga", "ligaen", "ligue"})
_WRONG_FOR_SPORT = frozenset({"PER", "LOC", "GPE_LOC", "GPE_ORG", "PROD", "MISC", "DRV"})


def _relabel(tags: list[str], start: int, end: int, label: str) -> None:
    tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)


def _sport_labels(tokens: list[str], tags: list[str]) -> list[str]:
    """Venues are LOC (`Emirates Stadium` was a person), leagues ORG (`Eliteserien` was a
    place), and in a fixture `Molde–Rosenborg` both sides are clubs when one is."""
    out = list(tags)
    found = spans(out)
    for span in found:
        words = tokens[span.start : span.end]
        end = span.end
        if end < len(tokens) and tokens[end].lower() in _VENUE_HEADS and out[end] == "O":
            end += 1  # `Ullevaal stadion`: the head word belongs to the name
        last = tokens[end - 1].lower()
        if end - span.start > 1 and last in _VENUE_HEADS:
            _relabel(out, span.start, end, "LOC")
        elif span.label in _WRONG_FOR_SPORT and (
            (len(words) == 1 and _LEAGUE_WORD.match(words[0]) and span.label != "DRV")
            or (len(words) > 1 and last in _LEAGUE_HEADS)
        ):
            _relabel(out, span.start, span.end, "ORG")
    found = spans(out)
    for a, b in itertools.pairwise(found):
        if (
            b.start == a.end + 1
            and tokens[a.end] in ("–", "-", "—")
            and "ORG" in (a.label, b.label)
        ):
            other = b if a.label == "ORG" else a
            if other.label in ("GPE_LOC", "GPE_ORG", "PER"):  # not `Oslo S -Nationaltheatret`
                _relabel(out, other.start, other.end, "ORG")
    return out


# Tokens after which the next word is capitalised whatever it is: a kicker's colon, a dash
# line, an opening quote.
_OPENERS = frozenset((":", "–", "-", "—", "«", '"'))


def _second_pass(
    tokens: list[str], tags: list[str], plain: frozenset[str] = frozenset()
) -> list[str]:
    """Rules on top of the tagger: model designations are products; `X-regionen` is a place;
    a nickname in «» inside a name (`Per Joar «Perry» Hansen`) is part of that one person; a
    one-word name at a sentence's start or after a kicker or dash that is a `plain` word
    (ner.plain_words: `Uavklart`, `Utelukket`) is that word."""
    out = list(tags)
    starts = [0, *(j + 1 for j, t in enumerate(tokens[:-1]) if t in _OPENERS)] if plain else []
    for i in starts if tokens else ():
        if (
            out[i].startswith("B-")
            and (i + 1 == len(out) or not out[i + 1].startswith("I-"))
            and not tokens[i].isupper()
            and "-" not in tokens[i]  # `Russland-forsker`: derived from a name (DRV)
            and tokens[i].lower() in plain
        ):
            out[i] = "O"
    for i in range(1, len(tokens) - 3) if "«" in tokens else ():
        if tokens[i] != "«" or not out[i - 1].endswith("-PER"):
            continue
        close = next((j for j in range(i + 2, min(i + 5, len(tokens))) if tokens[j] == "»"), -1)
        inside = tokens[i + 1 : close] if close > 0 else []
        if (
            inside
            and all(w[:1].isupper() for w in inside)
            and close + 1 < len(tokens)
            and tokens[close + 1][:1].isupper()
        ):
            last = close + 1
            while last + 1 < len(tokens) and out[last + 1] == "I-PER":
                last += 1
            out[i : last + 1] = ["I-PER"] * (last + 1 - i)
    for i, tok in enumerate(tokens):
        if out[i] == "O" and "-" not in tok:
            continue  # the rules below need a tag or a hyphen
        # "LIVE", "VG": a one-word person in capitals is a headline word or an acronym.
        if (
            out[i] == "B-PER"
            and tok.isupper()
            and len(tok) > 1
            and (i + 1 == len(out) or out[i + 1] != "I-PER")
        ):
            out[i] = "O"
        if (
            _MODEL_CODE.match(tok)
            and tok.lower() not in _NOT_PRODUCTS
            and (out[i] == "O" or out[i].endswith("DRV"))
        ):
            out[i] = "B-PROD"
        elif out[i] == "B-DRV" and tok.lower().endswith(_PLACE_SUFFIXES):
            out[i] = "B-LOC"
    return _sport_labels(tokens, out) if any(t != "O" for t in out) else out


def _mentions(texts: dict[str, str], ner: NerModel) -> list[Mention]:
    # Every sentence of every field in one tagging call: one decoding pass per article.
    found = [
        (field, text, index, sent)
        for field, text in texts.items()
        if text
        for index, sent in enumerate(sentences(tokenize(text), text))
    ]
    all_words = [[t.text for t in sent] for _, _, _, sent in found]
    tagged = [
        _second_pass(w, t, ner.plain_words)
        for w, t in zip(all_words, ner.tag_many(all_words), strict=True)
    ]
    out: list[Mention] = []
    for (field, text, index, sent), tags in zip(found, consistent(all_words, tagged), strict=True):
        for span in spans(tags):
            start, end = sent[span.start].start, sent[span.end - 1].end
            out.append(
                Mention(field, text[start:end], span.label, start, end, index, text[start:end])
            )
    return out


def _genitive_stem(name: str) -> str:
    if name.endswith("'") or name.endswith("’"):
        return name[:-1]
    if name.endswith("s") and not name.endswith("ss"):
        last = name.split()[-1][:-1]
        if len(name) > 3 or (len(last) >= 2 and last.isupper()):  # "FNs", "EUs"
            return name[:-1]
    return name


def _frequency(word: str, lexicon: Lexicon) -> int:
    """wordfreq's Zipf bucket of a word from the NER lexicon (1: rarer than the list goes)."""
    for tag in lexicon.get(word.lower(), ()):
        if tag.startswith("zf"):
            return int(tag[2:])
    return 1


def _person_stem(name: str, known: set[str], lexicon: Lexicon) -> str:
    """A person's name without its genitive s: "Joe Bidens" -> "Joe Biden" when the stem is
    named in the article too, or when it is the better-known word of the two (Biden is far
    more frequent than Bidens; Fylkesnes is a name, Fylkesne nothing). First names that end in
    s stay, and a stem that is a common lower-case word ("Hans" -> "han") is not a name."""
    stem = _genitive_stem(name)
    if stem == name:
        return name
    last, stem_last = name.split()[-1], stem.split()[-1]
    if last.lower() in S_NAMES or "lc" in lexicon.get(stem_last.lower(), ()):
        return name
    if any(stem == f or f.endswith(" " + stem) for f in known) or last[-1] in "'’":
        return stem
    return stem if _frequency(stem_last, lexicon) > _frequency(last, lexicon) else name


def _name_stem(name: str, known: set[str], gazetteer: frozenset[str], lexicon: Lexicon) -> str:
    """Another name without its genitive s (`Natos` -> `Nato`, `FNs` -> `FN`, `Russlands` ->
    `Russland`) when the evidence says it is one: the stem is named in the article or is a
    known place, the stem is an abbreviation in capitals, or the stem is the better-known word
    of the one-word name's two forms in wordfreq's Norwegian list (Nato is more frequent than
    Natos; Paris, Texas, Hamas and Wales are more frequent than Pari, Texa, Hama and Wale, so
    they stay). A name of several words keeps its s without such evidence (`Oslo Børs`, `Sky
    News`), and so does one whose stem is a common word (`Børs` -> `bør`)."""
    stem = _genitive_stem(name)
    if stem == name:
        return name
    last, stem_last = name.split()[-1], stem.split()[-1]
    if stem in known or stem.lower() in gazetteer or last[-1] in "'’" or stem_last.isupper():
        return stem
    if " " in name or "lc" in lexicon.get(stem_last.lower(), ()):
        return name  # `Oslo Børs`, `Sky News`, `Hells Angels`: the s belongs to the name
    return stem if _frequency(stem_last, lexicon) > _frequency(last, lexicon) else name


def link(
    mentions: list[Mention], gazetteer: frozenset[str] = frozenset(), lexicon: Lexicon | None = None
) -> list[Mention]:
    """Normalised names: a person's genitive takes its stem ("Joe Bidens" -> "Joe Biden"); a
    short person mention takes the full name used in the article ("Putin" -> "Vladimir Putin");
    another name's genitive takes its stem when the evidence says so (`_name_stem`)."""
    lex = lexicon or {}
    known = {m.text for m in mentions}
    base = {m.text: _person_stem(m.text, known, lex) for m in mentions if m.label == "PER"}
    full_people = [base[m.text] for m in mentions if m.label == "PER" and " " in base[m.text]]
    out: list[Mention] = []
    for m in mentions:
        name = m.text
        if m.label == "PER":
            name = base[m.text]
            words = name.split()
            for full in full_people:
                parts = full.split()
                if len(words) < len(parts) and (
                    parts[-len(words) :] == words or parts[: len(words)] == words
                ):
                    name = full
                    break
        else:
            name = _name_stem(name, known, gazetteer, lex)
            if m.label in PLACE_LABELS:
                for suffix in _PLACE_SUFFIXES:
                    if name.lower().endswith(suffix) and len(name) > len(suffix) + 1:
                        name = name[: -len(suffix)]
                        break
        out.append(Mention(m.field, m.text, m.label, m.start, m.end, m.sentence, name))
    return out


def surname_links(articles: dict[str, int], share: float = 2 / 3) -> dict[str, str]:
    """Across articles: a one-word person name (`Putin`, in articles that never give the full
    name) -> the full name whose last word it is (`Vladimir Putin`), given how many articles
    use each normalised name. Only when one full name has at least `share` of the articles of
    all full names ending in that word: `Stoltenberg` stays alone when Jens and Camilla
    Stoltenberg are both in the news."""
    by_last: dict[str, list[str]] = {}
    for name in articles:
        parts = name.split()
        if len(parts) > 1:
            by_last.setdefault(parts[-1], []).append(name)
    out: dict[str, str] = {}
    for name in articles:
        full = (
            sorted(by_last.get(name, []), key=lambda f: (-articles[f], f))
            if " " not in name
            else []
        )
        if full and articles[full[0]] >= share * sum(articles[f] for f in full):
            out[name] = full[0]
    return out


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
    mentions = link(_mentions(texts, ner), ner.gazetteer, ner.lexicon)
    quotes = attribute(texts, mentions, ner.lexicon)
    # A weekday or "i går" is resolved against a day the item itself gives; a day a fallback
    # gives (the feed's newest item, the channel) only bounds it (docs/feeds.md).
    precision = item.date_precision if item.date_basis in OWN_DATE_BASES else "bound"
    dates = [
        DateMention(field, d.text, d.start, d.end, d.value, d.precision)
        for field in FIELDS
        for d in find_dates(texts[field], anchor, precision)
    ]
    return item.evolve(
        entities=tuple(mentions), quotes=tuple(quotes), dates=tuple(dates), extraction_cut=cut
    )
