"""Weak topic labels for training: news desks, short ledes, allowed classes, calibration folds."""

from __future__ import annotations

import numpy as np
import pytest
from nordwire.pipeline.tools.topic_data import Example, NewsDesks, first_sentence
from nordwire.pipeline.tools.topic_eval import judge
from nordwire.pipeline.tools.topic_fit import Settings, allowed_set, calibrate, calibration_folds
from nordwire.schemas.topics import vocabulary
from nordwire.transforms.topics.model import HARD_NEWS
from nordwire.transforms.topics.sections import SectionMap


@pytest.fixture(scope="module")
def desks() -> NewsDesks:
    return NewsDesks(vocabulary())


@pytest.mark.parametrize(
    ("categories", "link"),
    [
        (("Urix",), None),
        (("Nyheiter frå Vestland",), None),
        (("NRK Stor-Oslo",), None),
        (("innenriks, nyheter, stjørdal",), None),
        ((), "https://www.nrk.no/tromsogfinnmark/russer-arrestert-1.16138479"),
        ((), "https://www.vg.no/nyheter/innenriks/i/9zKyXE/dagpengekutt"),
    ],
)
def test_news_desks_are_found_in_categories_tags_and_links(
    desks: NewsDesks, categories: tuple[str, ...], link: str | None
) -> None:
    assert desks.filed(categories, link)
    # ... and still name no topic at run time.
    assert SectionMap(vocabulary()).signals(categories, None) == []


def test_opinion_and_format_desks_are_not_news_desks(desks: NewsDesks) -> None:
    assert not desks.filed(("Meninger",), "https://www.vg.no/meninger/i/x1/slug")
    assert not desks.filed(("Ytring", "Podkast"), None)


def test_the_short_lede_is_the_first_sentence() -> None:
    lede = "Politiet rykket ut til Bærum. En mann er pågrepet. Han nekter straffskyld."
    assert first_sentence(lede) == "Politiet rykket ut til Bærum."
    assert first_sentence("«Et epos for outsidere» – sier kritikeren. Mer") == (
        "«Et epos for outsidere» – sier kritikeren."
    )
    assert len(first_sentence("ord " * 200)) <= 200


def _example(basis: str, label: str | None, gold: str | None, outlet: str = "vg.no") -> Example:
    return Example("T", "L", label, basis, outlet, f"{outlet}/f", gold)


def test_a_news_desk_item_may_be_any_hard_topic_or_news_but_never_soft() -> None:
    classes = (*(t.slug for t in vocabulary().topics), HARD_NEWS)
    allowed = allowed_set(_example("desk", HARD_NEWS, HARD_NEWS), classes, Settings())
    assert {HARD_NEWS, "crime-law-justice", "politics", "economy-business-finance"} <= allowed
    assert not {"sport", "arts-culture-entertainment-media", "lifestyle-leisure"} & allowed
    filed = Example(
        "T", "L", "politics", "section", "nrk.no", "g", "politics", ("economy-business-finance",)
    )
    assert allowed_set(filed, classes, Settings()) == {"politics", "economy-business-finance"}


def test_judging_against_the_filing() -> None:
    assert judge("sport", HARD_NEWS) is False  # a news desk never files sport
    assert judge("crime-law-justice", HARD_NEWS) is None  # cannot be told from the filing
    assert judge("economy-business-finance", "politics", ("economy-business-finance",)) is True
    assert judge("politics", "sport") is False


def test_a_news_desk_item_whose_keywords_name_a_topic_judges_other_hard_topics_wrong() -> None:
    # A road death on the news desk: its keywords say accident, so health is wrong ...
    assert judge("health", HARD_NEWS, (), "disaster-accident-emergency") is False
    # ... agreeing with the keywords proves nothing (the model reads the same words) ...
    assert judge("disaster-accident-emergency", HARD_NEWS, (), "disaster-accident-emergency") is None
    # ... and without clear keywords a hard topic stays unjudgeable.
    assert judge("health", HARD_NEWS, (), None) is None


def test_the_outlet_holding_most_items_is_split_by_feed_file_into_even_folds() -> None:
    data = [Example("T", "L", "sport", "section", "nrk.no", f"nrk/f{i % 6}", "sport") for i in range(60)]
    data += [_example("section", "sport", "sport", "vg.no") for _ in range(20)]
    folds = calibration_folds(data)
    assert folds["vg.no/f"] == "vg.no"
    nrk = [folds[f"nrk/f{i}"] for i in range(6)]
    assert sorted(set(nrk)) == ["nrk.no#0", "nrk.no#1", "nrk.no#2"]
    assert all(nrk.count(f) == 2 for f in set(nrk))


def test_a_topic_too_rare_to_measure_takes_the_shared_threshold_and_an_imprecise_one_a_high_one() -> None:
    classes = ("sport", "economy-business-finance", "arts-culture-entertainment-media", HARD_NEWS)
    sport, economy, culture = classes[:3]

    def row(gold: str, p: tuple[float, float, float]) -> tuple[Example, np.ndarray]:
        probs = np.array([*p, max(1e-3, 1 - sum(p))])
        return _example("section", gold, gold, "vg.no"), probs / probs.sum()

    oof = [row(sport, (0.95, 0.02, 0.01)) for _ in range(40)]
    # Economy is named often and is right a third of the time, whatever its score.
    oof += [row(economy, (0.1, 0.6, 0.01)) for _ in range(10)]
    oof += [row(sport, (0.1, 0.6, 0.01)) for _ in range(20)]
    # Culture is named three times out of fold: too few to measure a threshold of its own.
    oof += [row(culture, (0.01, 0.01, 0.95)) for _ in range(3)]
    _, thresholds, how = calibrate(oof, classes, Settings())
    assert how[sport]["basis"] == "measured"  # type: ignore[index]
    assert how[culture]["basis"] == "pooled"  # type: ignore[index]
    assert thresholds[2] == max(how["pooled_threshold"], Settings().rare_floor)  # type: ignore[type-var]
    assert how[economy]["basis"] == "fallback"  # type: ignore[index]
    assert thresholds[1] >= Settings().fallback
    assert thresholds[3] == np.inf  # hard news without a finer topic is never named


def test_the_report_says_where_recall_on_sport_economy_and_culture_is_lost() -> None:
    from nordwire.pipeline.tools.topic_eval import Scored, summary

    economy = "economy-business-finance"

    def row(predicted: str, top: str, also: tuple[str, ...] = ()) -> Scored:
        return Scored(economy, also, predicted, top, 0.6, "x.no")

    rows = [
        row(economy, economy),
        row("unclassified", economy),  # right guess, below the threshold
        row("unclassified", "politics"),
        row("politics", "politics", ("politics",)),  # filed under both: right, yet not economy
    ]
    lost = summary(rows)["recall_lost"]
    assert lost == {
        economy: {
            "items": 4,
            "named": 1,
            "below_threshold": 1,
            "unsure_other": 1,
            "named_other": 1,
            "others": {"politics": 2},
        }
    }
