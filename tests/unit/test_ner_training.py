"""The NER training tools: document ids from CoNLL, our own held-out split, the lexicon tags."""

from __future__ import annotations

from pathlib import Path

from nordwire.pipeline.tools.conll import read_conll, read_conll_documents
from nordwire.pipeline.tools.ner_lexicon import clusters, entity_tags, merge, person_names
from nordwire.pipeline.tools.train_ner import (
    document,
    gazetteer,
    official_like_split,
    source,
    strict_f1,
)
from nordwire.transforms.extract.ner import consistent

CONLL = """# source_file = ap001_0000.conll
1\tOla\tOla\tsubst\tsubst\tprop\t2\tSUBJ\t_\tname=B-PER
2\tbor\tbo\tverb\tverb\tpres\t0\tFINV\t_\tname=O
3\ti\ti\tprep\tprep\t_\t2\tADV\t_\tname=O
4\tBergen\tBergen\tsubst\tsubst\tprop\t3\tPUTFYLL\t_\tname=B-GPE_LOC

# source_file = db002_0001.conll
1\tNRK\tNRK\tsubst\tsubst\tprop\t0\tFRAG\t_\tname=B-ORG
"""


def test_documents_come_from_source_file_comments(tmp_path: Path) -> None:
    path = tmp_path / "train.conll"
    path.write_text(CONLL, "utf-8")
    docs = read_conll_documents(path)
    assert [(d, w) for d, w, _ in docs] == [
        ("ap001_0000.conll", ["Ola", "bor", "i", "Bergen"]),
        ("db002_0001.conll", ["NRK"]),
    ]
    assert read_conll(path) == [(w, t) for _, w, t in docs]


def test_our_split_is_cut_like_the_official_one() -> None:
    # Per source, in order: the first 72 % trains, the next 14 % is dev, the last 14 % test;
    # the chunks of a document (ap005_0003) never name a document of their own.
    assert document("ap005_0003.conll") == "ap005" and source("ap005_0003.conll") == "ap"
    assert source("blogg-nn001_0000.conll") == "blogg-nn"
    labelled = [(f"ap{i:03d}_0000.conll", ["x"], ["O"]) for i in range(100)]
    labelled += [(f"db{i:03d}_0000.conll", ["y"], ["O"]) for i in range(50)]
    train, dev, test = official_like_split(labelled)
    assert [len(p) for p in (train, dev, test)] == [72 + 36, 14 + 7, 14 + 7]
    assert test[0][0] == "ap086_0000.conll" and test[-1][0] == "db049_0000.conll"
    assert max(n for n, _, _ in train if n.startswith("ap")) < min(n for n, _, _ in dev)


def test_entity_tags_need_most_uses_inside_one_label() -> None:
    train = [
        (["Ola", "bor", "i", "Bergen"], ["B-PER", "O", "O", "B-GPE_LOC"]),
        (["Ola", "kom", "fra", "Bergen"], ["B-PER", "O", "O", "B-GPE_LOC"]),
        (["Høyre", "vant", ",", "ta", "til", "høyre"], ["B-ORG", "O", "O", "O", "O", "O"]),
    ]
    tags = entity_tags(train)
    assert tags["ola"] == "e:PER" and tags["bergen"] == "e:GPE_LOC"
    assert "høyre" not in tags  # once a name, once a direction: under the min count
    assert merge({"ola": "e:PER"}, {"ola": ("zf4",)}) == {"ola": ("e:PER", "zf4")}


def test_clusters_put_words_used_alike_together() -> None:
    towns, people = ["bergen", "oslo", "tromsø"], ["ola", "kari", "per"]
    sentences = [
        s
        for _ in range(6)
        for t in towns
        for p in people
        for s in (["han", "bor", "i", t, "nå"], [p, "sier", "at", "det", "går"])
    ]
    tags = clusters(sentences, sizes=(2, 3))
    assert len({tags[t][0] for t in towns}) == 1 and len({tags[p][0] for p in people}) == 1
    assert tags["bergen"][0] != tags["ola"][0]


def test_strict_f1_and_one_label_per_string() -> None:
    words = [["Arsenal", "vant"], ["Arsenal", "tapte"], ["Arsenal", "spilte"]]
    tagged = [["B-ORG", "O"], ["B-PER", "O"], ["B-ORG", "O"]]
    gold = [["B-ORG", "O"]] * 3
    assert strict_f1(gold, tagged) == round(4 / 6, 5)
    assert strict_f1(gold, consistent(words, tagged)) == 1.0


def test_place_gazetteer_has_nynorsk_country_names(tmp_path: Path) -> None:
    # A nynorsk text writes Kviterussland and Noreg; the bokmål list alone misses them.
    (tmp_path / "gazetteer").mkdir()
    (tmp_path / "gazetteer" / "kommuner_2024.csv").write_text(
        "id,kommunenavn,kommunenummer,name\n5501,Tromsø - Romsa - Tromssa,5501,Tromsø\n", "utf-8"
    )
    (tmp_path / "gazetteer" / "fylker_2024.csv").write_text(
        "fylkesnavn,fylkesnummer,id,name\nAgder,42,42,Agder\n", "utf-8"
    )
    names = set(gazetteer(tmp_path))
    assert {"tromsø", "romsa", "agder"} <= names
    assert {"hviterussland", "kviterussland", "noreg", "østerrike", "austerrike"} <= names


def test_person_names_tag_first_names_and_surnames_a_text_can_hold() -> None:
    names = person_names()
    assert "fn" in names["ola"] and "fn" in names["ingrid"] and "ln" in names["hansen"]
    assert "fn" in names["emmanuel"] and "ln" in names["nowak"]  # foreign people in the news
    assert "og" not in names and "владимир" not in names  # Latin-script names only
