"""The detector on text it was not trained on: held-out UD sentences and test feeds built from them.

Skipped without ../shared/data. The held-out split is `train_langid.split_heldout`; the feeds
are `pipeline/tools/langfeeds.py`'s shapes (headline only, headline plus lede, with and without
a channel tag, Norwegian feeds with one foreign story).
"""

from __future__ import annotations

from collections import Counter

import pytest
from nordwire.schemas.items import Item, RawDocument
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.language.detect import LanguageDetector, detect_language
from nordwire.transforms.normalise import normalise

from tests.conftest import FETCHED, SHARED

DATA = SHARED / "data"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    if not (DATA / "langid" / "dev").is_dir() or not (DATA / "norne" / "nob").is_dir():
        pytest.skip("shared langid data not present")
    return LanguageDetector()


@pytest.fixture(scope="module")
def feeds(detector: LanguageDetector) -> dict[str, bytes]:
    from nordwire.pipeline.tools.langfeeds import build

    return build(DATA)


def _decide(data: bytes, detector: LanguageDetector) -> list[str]:
    items = [x for x in parse_document(RawDocument("f.xml", data, FETCHED)) if isinstance(x, Item)]
    out = [detect_language(normalise(x), detector) for x in items]
    return [o.language or "" if isinstance(o, Item) else o.detected_language or "" for o in out]


def _count(feeds: dict[str, bytes], prefix: str, detector: LanguageDetector) -> Counter[str]:
    total: Counter[str] = Counter()
    for name in sorted(feeds):
        if name.startswith(prefix):
            total.update(_decide(feeds[name], detector))
    return total


NORWEGIAN = ("nb", "nn", "no")


@pytest.mark.parametrize("lang", ["sv", "da"])
@pytest.mark.parametrize("shape", ["headline-tag", "headline-notag", "lede-tag", "lede-notag"])
def test_swedish_and_danish_outlets_are_not_kept(
    feeds: dict[str, bytes], detector: LanguageDetector, lang: str, shape: str
) -> None:
    counts = _count(feeds, f"{lang}-{shape}-", detector)
    kept = sum(counts[x] for x in NORWEGIAN)
    assert sum(counts.values()) >= 50
    assert kept <= sum(counts.values()) / 100, counts


def test_norwegian_ledes_are_kept_and_bokmal_is_not_called_nynorsk(
    feeds: dict[str, bytes], detector: LanguageDetector
) -> None:
    nb = _count(feeds, "nb-lede-notag-", detector)
    n = sum(nb.values())
    assert n > 200  # the held-out fifth of UD's bokmål dev sentences, as headline + lede
    # They include a few quoted English ones, which are rightly not kept; at most one other.
    assert n - sum(nb[x] for x in NORWEGIAN) - nb["en"] <= 1, nb
    assert nb["nn"] <= n / 100, nb
    nn = _count(feeds, "nn-lede-notag-", detector)
    assert nn["nn"] >= 0.95 * sum(nn.values()), nn


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_one_foreign_story_in_a_norwegian_feed_is_found(
    feeds: dict[str, bytes], detector: LanguageDetector, lang: str
) -> None:
    found = [
        sum(x not in NORWEGIAN for x in _decide(data, detector))
        for name, data in sorted(feeds.items())
        if name.startswith(f"mixed-{lang}-")
    ]
    # At least the one (a Norwegian sentence can itself be an English quote; an e-mail
    # signature in the English text, "Rudwell Johnson/ENRON@enronXgate", is rightly no
    # Norwegian either). A story of a few words may stay: with little text the feed wins
    # ("Like 4th street and | like 4th street and stuff ?"), so nine in ten, not all.
    assert found and sum(n >= 1 for n in found) >= 0.9 * len(found), found


def _heldout(name: str) -> list[tuple[str, str]]:
    from nordwire.pipeline.tools.langfeeds import heldout_tsv

    text = heldout_tsv(DATA)[name]
    return [tuple(line.split("\t", 1)) for line in text.splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "norwegian", "variety"),
    # Issue 25 items 6 and 7: bokmål-vs-nynorsk >= 97 % on single sentences (95.2 % before the
    # variety classifier, when short texts without a nynorsk form were left undecided).
    [("heldout-sentences.tsv", 0.985, 0.97), ("heldout-chunks300.tsv", 0.9995, 0.995)],
)
def test_heldout_ud_text_meets_the_targets(
    detector: LanguageDetector, name: str, norwegian: float, variety: float
) -> None:
    from nordwire.pipeline.tools.evaluate import evaluate_langid

    report = evaluate_langid(_heldout(name), detector).as_dict()
    assert report["norwegian_accuracy"] >= norwegian and report["variety_accuracy"] >= variety


def test_titles_of_real_feeds_get_the_variety_of_their_summary(
    detector: LanguageDetector,
) -> None:
    # NRK's, VG's and TV 2's titles alone, labelled by the forms of their own summary: short
    # text by other hands than UD's (88.6 % before the variety classifier, 93.7 % with it).
    from nordwire.pipeline.tools.evaluate import evaluate_langid
    from nordwire.pipeline.tools.langfeeds import feed_titles_tsv

    pairs = [line.split("\t", 1) for line in feed_titles_tsv(DATA).splitlines()]
    report = evaluate_langid([(label, title) for label, title in pairs], detector)
    assert report.variety_n >= 300, report.variety_n
    assert report.variety_correct >= 0.92 * report.variety_n, report.as_dict()


def test_real_norwegian_feeds_are_kept(detector: LanguageDetector) -> None:
    paths = sorted((DATA / "feeds").glob("*/*.xml"))
    if not paths:
        pytest.skip("shared feeds not present")
    counts: Counter[str] = Counter()
    for path in paths:
        items = [
            normalise(x)
            for x in parse_document(RawDocument(str(path), path.read_bytes(), FETCHED))
            if isinstance(x, Item)
        ]
        for x in items:
            if x.title or x.summary or x.body:
                out = detect_language(x, detector)
                counts["kept" if isinstance(out, Item) else "rejected"] += 1
    assert counts["rejected"] <= 2 * sum(counts.values()) / 1000, counts


def test_heldout_split_is_stable_and_a_fifth() -> None:
    from nordwire.pipeline.tools.train_langid import split_heldout

    lines = [str(i) for i in range(500)]
    train, held = split_heldout(lines)
    assert len(held) == 100 and held[:2] == ["100", "101"] and not set(train) & set(held)
