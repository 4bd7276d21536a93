"""The shipped language model: loads, is small, is deterministic, and its recorded CV meets the targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from nordwire.pipeline.tools.train_langid import chunks, norne_sentences, save_model, train
from nordwire.transforms.language.model import (
    CLASSES,
    MODEL_FILE,
    NB_CLASSES,
    features,
    load_model,
    shipped_model,
)

SHIPPED = Path(__file__).resolve().parents[2] / "transforms" / "models" / MODEL_FILE


def test_shipped_model_is_small_and_complete() -> None:
    assert SHIPPED.stat().st_size < 10_000_000
    model = shipped_model()
    assert model.meta["classes"] == list(CLASSES)
    assert model.feature_log_prob.shape == (len(model.vocab), len(NB_CLASSES))
    assert model.coef.shape[0] == len(CLASSES) and "other" in CLASSES


def test_recorded_cross_validation_of_the_model_alone() -> None:
    # The model alone, before cues, context and the nynorsk rule (test_language_heldout has the
    # detector's own figures on the held-out split): balanced classes, so no Norwegian lean.
    cv = shipped_model().meta["cross_validation"]
    assert isinstance(cv, dict)
    sentence, chunk = cv["sentence"]["stacked"], cv["chunk300"]["stacked"]
    assert sentence["norwegian_accuracy"] >= 0.975 and sentence["variety_accuracy"] >= 0.95
    assert chunk["norwegian_accuracy"] >= 0.998 and chunk["variety_accuracy"] >= 0.995
    assert "fragment" in cv and "heldout" in shipped_model().meta


def test_features_are_padded_char_ngrams_and_words() -> None:
    feats = features("Hei  DU")
    assert " h" in feats and "hei " in feats and " hei " in feats and "w:du" in feats
    assert all(len(f) <= 5 or f.startswith("w:") for f in feats)


def _tiny_corpus(root: Path) -> None:
    texts = {
        "nob": ["Jeg vet ikke hva hun sier om det.", "Regjeringen vil bruke mer penger på skolen."],
        "nno": [
            "Eg veit ikkje kva ho seier om det.",
            "Regjeringa vil bruke meir pengar på skulen.",
        ],
        "da": [
            "Jeg ved ikke hvad hun siger om det.",
            "Regeringen vil bruge flere penge på skolen.",
        ],
        "sv": [
            "Jag vet inte vad hon säger om det.",
            "Regeringen vill använda mer pengar på skolan.",
        ],
        "en": [
            "I do not know what she says about it.",
            "The government wants to spend more on schools.",
        ],
        "de": [
            "Ich weiß nicht, was sie dazu sagt.",
            "Die Regierung will mehr Geld für Schulen ausgeben.",
        ],
    }
    dev = root / "langid" / "dev"
    dev.mkdir(parents=True)
    for lang, lines in texts.items():
        (dev / f"{lang}.txt").write_text("\n".join(lines * 30) + "\n", "utf-8")
    for lang, lines in (("nob", texts["nob"]), ("nno", texts["nno"])):
        folder = root / "norne" / lang
        folder.mkdir(parents=True)
        conll = "\n\n".join(
            "# source_file = x\n"
            + "\n".join(
                f"{i}\t{tok}\t_\t_\t_\t_\t_\t_\t_\tname=O" for i, tok in enumerate(s.split(), 1)
            )
            for s in lines
        )
        (folder / "train.conll").write_text(conll + "\n", "utf-8")


def test_training_is_reproducible_and_round_trips(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    _tiny_corpus(tmp_path / "data")
    others = {
        "eu": "Gobernuak aurrekontu berriak aurkeztu ditu gaur goizean Gasteizen " * 3,
        "fi": "Hallitus esitteli tänään ensi vuoden talousarvion eduskunnalle " * 3,
    }
    one = train(tmp_path / "data", log=False, others=others)
    two = train(tmp_path / "data", log=False, others=others)
    assert one.vocab == two.vocab and np.array_equal(one.coef, two.coef)
    assert np.array_equal(one.feature_log_prob, two.feature_log_prob)
    save_model(one, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.vocab == one.vocab and loaded.meta == one.meta
    assert np.allclose(loaded.coef, one.coef)
    # The variety classifier is trained (bokmål and nynorsk sentences are there) and saved too.
    assert np.array_equal(one.variety_coef, two.variety_coef) and one.has_variety
    assert np.allclose(loaded.variety_coef, one.variety_coef)
    assert np.allclose(loaded.variety_combiner, one.variety_combiner) and loaded.has_variety
    assert loaded.nb_scores("Eg veit ikkje kva ho seier").variety > 0
    assert loaded.nb_scores("Jeg vet ikke hva hun sier").variety < 0


def test_training_helpers() -> None:
    assert chunks(["a" * 200, "b" * 200, "c" * 50], 300) == ["a" * 200 + " " + "b" * 200]


def test_norne_sentences_are_detokenised(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    words = ["Hei", ",", "sa", "«", "du", "»", "."]
    rows = [f"{i}\t{w}\t_\t_\t_\t_\t_\t_\t_\tname=O" for i, w in enumerate(words, 1)]
    path.write_text("# c\n" + "\n".join(rows) + "\n\n", "utf-8")
    assert norne_sentences(path) == ["Hei, sa «du»."]


def test_profile_grams_equal_langdetects_own_ngram_buffer() -> None:
    from langdetect.utils.ngram import NGram
    from nordwire.transforms.language.model import profile_grams

    def reference(text: str) -> list[str]:
        ngram, out = NGram(), []
        for ch in text:
            ngram.add_char(ch)
            for n in (1, 2, 3):
                gram = ngram.get(n)
                if gram and gram != " ":
                    out.append(gram)
        return out

    for text in (
        "Regjeringen vil bruke MER penger, sa NRK-sjefen. Æ ø å!",
        "ABC abc  x—y “z” 12,5 % Ørsta",
        "Путин и ЕС",
    ):
        assert profile_grams(text) == reference(text)


def test_per_word_scores_equal_scoring_the_whole_text() -> None:
    import numpy as np
    from nordwire.transforms.language.model import (
        MAX_CHARS,
        Profiles,
        features,
        profile_grams,
        shipped_model,
    )

    model, profiles = shipped_model(), Profiles()
    long = "Statsministeren sier at regjeringen vil øke budsjettet neste år. " * 12
    texts = [
        "Regjeringen vil bruke MER penger, sa NRK-sjefen. Æ ø å!",
        "ABC abc  x—y “z” 12,5 % Ørsta NRK-SJEFEN sier\u00a0at\u2009det\tog\nsånn ",
        " Eg veit ikkje kva ho meiner ",
        "Путин и ЕС",
        long,  # cut at MAX_CHARS in the middle of a word
        "",
    ]
    for text in texts:
        rows = [model.vocab[f] for f in features(text) if f in model.vocab]
        whole = model.feature_log_prob[rows].sum(axis=0, dtype=np.float64)
        whole = whole - np.logaddexp.reduce(whole) if rows else None
        if whole is not None:
            assert np.allclose(model.nb_scores(text)[0], whole, atol=1e-9), text
        grams = profile_grams(text[:MAX_CHARS])
        scored, count = profiles.log_likelihood(text)
        assert count == len(grams), text
        assert np.allclose(scored, profiles.score_grams(grams), atol=1e-9), text


def test_every_word_break_is_a_space_to_langdetect() -> None:
    from langdetect.utils.ngram import NGram

    breaks = " \t\n\r\f\v\xa0\u2028\u2029\u202f\u205f" + "".join(
        chr(c) for c in range(0x2000, 0x200B)
    )
    from nordwire.transforms.language.model import _CHUNK

    for ch in breaks:
        assert NGram.normalize(ch) == " ", repr(ch)
        assert _CHUNK.findall(f"a{ch}b") == [f"a{ch}", "b"], repr(ch)
