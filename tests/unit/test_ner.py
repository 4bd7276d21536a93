"""NER plumbing: tokens with offsets, sentences, IOB spans, linking; and the shipped model on the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from nordwire.schemas.items import Mention
from nordwire.transforms.extract.mentions import extract_mentions, link
from nordwire.transforms.extract.ner import NerModel, sentences, spans, tokenize

from tests.conftest import make_item


def test_tokens_keep_offsets_names_and_abbreviations() -> None:
    text = "Putin møtte Lukasjenko i St. Petersburg om S-400 og Iskander-M."
    toks = tokenize(text)
    assert [t.text for t in toks] == [
        "Putin",
        "møtte",
        "Lukasjenko",
        "i",
        "St.",
        "Petersburg",
        "om",
        "S-400",
        "og",
        "Iskander-M",
        ".",
    ]
    assert all(text[t.start : t.end] == t.text for t in toks)


def test_sentences_split_at_end_punctuation_before_a_capital_or_quote() -> None:
    sents = sentences(tokenize("Han kom. Hun gikk! – Nei, sa han. ca. 3 km unna"))
    assert [" ".join(t.text for t in s) for s in sents] == [
        "Han kom .",
        "Hun gikk !",
        "– Nei , sa han . ca. 3 km unna",
    ]


def test_unbounded_text_is_still_cut_into_sentences() -> None:
    assert max(len(s) for s in sentences(tokenize("ord " * 1000))) <= 120


def test_iob_spans() -> None:
    tags = ["B-PER", "I-PER", "O", "B-GPE_LOC", "I-GPE_LOC", "B-ORG", "I-PER", "O"]
    assert [(s.start, s.end, s.label) for s in spans(tags)] == [
        (0, 2, "PER"),
        (3, 5, "GPE_LOC"),
        (5, 6, "ORG"),
        (6, 7, "PER"),
    ]


def _m(text: str, label: str, start: int) -> Mention:
    return Mention("body", text, label, start, start + len(text), 0, text)


def test_linking_short_names_and_genitives() -> None:
    mentions = [
        _m("Vladimir Putin", "PER", 0),
        _m("Putin", "PER", 50),
        _m("Putins", "PER", 60),
        _m("Russland", "GPE_LOC", 70),
        _m("Russlands", "GPE_LOC", 90),
        _m("Belarus'", "GPE_LOC", 100),
    ]
    linked = {m.text: m.normalised for m in link(mentions, frozenset({"belarus"}))}
    assert linked == {
        "Vladimir Putin": "Vladimir Putin",
        "Putin": "Vladimir Putin",
        "Putins": "Vladimir Putin",
        "Russland": "Russland",
        "Russlands": "Russland",
        "Belarus'": "Belarus",
    }


@pytest.fixture(scope="module")
def ner() -> NerModel:
    return NerModel()


def test_bad_text_does_not_crash_and_is_bounded(ner: NerModel) -> None:
    huge = "Ola Nordmann bor i Bergen. " * 50_000  # about 1.3 MB
    out = extract_mentions(make_item(body=huge, title="", summary=None), ner)
    assert out.extraction_cut == len(huge) - 100_000
    assert extract_mentions(make_item(body="", title=None), ner).entities == ()
    mixed = extract_mentions(
        make_item(body="Путин и Лукашенко встретились. 北京 Ørsta 12345 ???"), ner
    )
    assert isinstance(mixed.entities, tuple)


def test_seed_article_entities_quote_and_dates(seed_path: Path, ner: NerModel) -> None:
    from nordwire.schemas.items import Item, RawDocument
    from nordwire.transforms.extract.metadata import extract_metadata
    from nordwire.transforms.feed.parse import parse_document
    from nordwire.transforms.normalise import normalise

    from tests.conftest import FETCHED

    (item,) = parse_document(RawDocument(str(seed_path), seed_path.read_bytes(), FETCHED))
    assert isinstance(item, Item)
    out = extract_mentions(extract_metadata(normalise(item)), ner)
    by_text: dict[str, set[str]] = {}
    for m in out.entities:
        by_text.setdefault(m.normalised, set()).add(m.label)
    assert "PER" in by_text["Vladimir Putin"] and "PER" in by_text["Aleksandr Lukasjenko"]
    for place in ("Belarus", "Russland", "Ukraina", "Minsk", "St. Petersburg", "Tsjernihiv"):
        assert by_text.get(place, set()) & {"GPE_LOC", "LOC"}, place
    assert by_text.get("EU", set()) & {"ORG", "GPE_ORG"}
    for product in ("Iskander-M", "S-400"):
        assert "PROD" in by_text.get(product, set()), product
    (quote,) = [q for q in out.quotes if q.quote.startswith("De neste månedene")]
    assert quote.speaker == "Vladimir Putin" and quote.speaker_raw == "Putin"
    assert any(d.text == "24. februar" and d.value == "2022-02-24" for d in out.dates)


def test_seed_article_every_country_mention_is_a_state_or_place(
    seed_path: Path, ner: NerModel
) -> None:
    # What a reader of the seed expects: each "Belarus" (and "Russland", "Ukraina",
    # "Russlands") is found, and as a country (GPE_LOC where it is a place, GPE_ORG where it
    # acts), never an organisation or a person; the article's only people are its two leaders.
    import re

    from nordwire.schemas.items import Item, RawDocument
    from nordwire.transforms.extract.mentions import FIELDS
    from nordwire.transforms.extract.metadata import extract_metadata
    from nordwire.transforms.feed.parse import parse_document
    from nordwire.transforms.normalise import normalise

    from tests.conftest import FETCHED

    (item,) = parse_document(RawDocument(str(seed_path), seed_path.read_bytes(), FETCHED))
    assert isinstance(item, Item)
    out = extract_mentions(extract_metadata(normalise(item)), ner)
    seen = 0
    for field in FIELDS:
        for found in re.finditer(r"\b(?:Belarus|Russland|Ukraina)\w*", getattr(out, field) or ""):
            labels = {
                m.label
                for m in out.entities
                if m.field == field and m.start <= found.start() < m.end
            }
            assert labels and labels <= {"GPE_LOC", "GPE_ORG"}, (field, found.group(), labels)
            seen += 1
    assert seen >= 18  # the body alone names Belarus 9 times, Russland(s) 4, Ukraina 5
    assert {m.normalised for m in out.entities if m.label == "PER"} == {
        "Vladimir Putin",
        "Aleksandr Lukasjenko",
    }


def _sample_sentences() -> list[list[str]]:
    import re

    from tests.conftest import ROOT

    text = " ".join(
        re.sub(r"<[^>]+>", " ", p.read_text("utf-8"))
        for p in sorted((ROOT / "pipeline" / "samples").iterdir())
    )
    return [[t.text for t in s] for s in sentences(tokenize(text))]


def test_batched_decoding_gives_crfsuites_own_tags(ner: NerModel) -> None:
    import pycrfsuite
    from nordwire.transforms.extract.ner import _shipped_bytes, sentence_features

    model = _shipped_bytes()  # crfsuite reads it in place: keep it referenced
    reference = pycrfsuite.Tagger()
    reference.open_inmemory(model)
    sents = _sample_sentences()
    assert len(sents) > 30
    want = [list(reference.tag(sentence_features(s, ner.lexicon))) for s in sents]
    assert ner.tag_many(sents) == want  # all at once, sentences of every length
    assert [ner.tag(s) for s in sents[:20]] == want[:20]  # one at a time
    assert any(tag != "O" for tags in want for tag in tags)
    assert ner.tag_many([[], sents[0], []]) == [[], want[0], []]


def test_a_full_decoder_cache_is_emptied_between_batches_not_within(
    ner: NerModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nordwire.transforms.extract.crf as crf

    sents = _sample_sentences()
    want = ner.tag_many(sents)
    fresh = NerModel()
    monkeypatch.setattr(crf, "CACHE_ROWS", 50)  # far fewer than one batch's words
    assert fresh.tag_many(sents) == want

    def cached() -> int:
        return len(fresh._decoder._ids)

    full = cached()
    assert full > 50
    assert fresh.tag_many(sents[:5]) == want[:5]  # emptied before this batch, then refilled
    assert 0 < cached() < full
