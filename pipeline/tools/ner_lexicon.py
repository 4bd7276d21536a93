"""The NER lexicon: per-word tags the CRF reads as features (built at training time, shipped as TSV).

The kinds of tag, each keyed on the lower-case word:
- `gaz`: a Norwegian municipality, county or country name (one token);
- `lc`: the word is common in lower case in the training text (a capitalised common word at
  the start of a sentence is rarely a name);
- `zfN`: its Zipf frequency bucket in wordfreq's Norwegian list (`zf2` rare ... `zf7` "og");
  a word absent from the list gets no tag, which the CRF reads as "rare", a name's usual case;
- `kA_N`, `kB_N`: its distributional cluster at two granularities, learned from unlabelled
  Norwegian text (PPMI of left/right neighbours, truncated SVD, k-means): words used alike
  (surnames, towns, clubs, months) share a cluster, so a name never seen in NorNE still
  looks like its kind;
- `fn`, `ln`: a first name or a surname in Faker's person-name lists (Norwegian and the other
  Latin-script locales: SSB's most common Norwegian names, and the foreign names news quote);
  a name the training text never showed still looks like one;
- `e:LABEL`: the word is part of a NorNE name of that label in most of its training uses
  (a gazetteer of people, places, clubs, parties and media drawn from the annotations). The
  training sentences get these tags from the other folds only (jackknife): tags drawn from a
  sentence's own labels are always right on it, and the CRF would learn to trust them blindly.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from nordwire.transforms.extract.ner import Lexicon, spans, tokenize

Sentence = tuple[list[str], list[str]]
MIN_ZIPF = 2.0  # wordfreq words below this are left out: "rare" is the absence of a tag
CLUSTER_SIZES = (64, 384)
MIN_CLUSTER_COUNT = 3  # a word needs this many uses in the unlabelled text to get a cluster
CONTEXT_WORDS = 1500
_HTML = re.compile(r"<[^>]+>|&[a-z]+;|&#\d+;")


def frequency_tags(language: str = "nb") -> dict[str, str]:
    """`zfN` for each word of wordfreq's list at Zipf >= MIN_ZIPF."""
    import wordfreq  # training only

    out: dict[str, str] = {}
    for word, freq in wordfreq.get_frequency_dict(language).items():
        zipf = math.log10(freq) + 9
        if zipf >= MIN_ZIPF and "\t" not in word and " " not in word:
            out[word] = f"zf{min(int(zipf), 7)}"
    return out


def unlabelled_words(texts: Iterable[str]) -> list[list[str]]:
    """Lower-case token lists from raw text (feed XML/HTML markup removed)."""
    return [[t.text.lower() for t in tokenize(_HTML.sub(" ", text))] for text in texts]


def clusters(
    sentences: Sequence[Sequence[str]], sizes: Sequence[int] = CLUSTER_SIZES, seed: int = 0
) -> dict[str, tuple[str, ...]]:
    """Cluster tags per lower-case word from its left and right neighbours in `sentences`."""
    from scipy.sparse import coo_matrix  # training only (scikit-learn's dependency)
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    counts = Counter(w for s in sentences for w in s)
    vocab = [w for w, n in counts.most_common() if n >= MIN_CLUSTER_COUNT]
    index = {w: i for i, w in enumerate(vocab)}
    context = {w: i for i, w in enumerate(vocab[:CONTEXT_WORDS])}
    rows: list[int] = []
    cols: list[int] = []
    for s in sentences:
        padded = ["<s>", *s, "</s>"]
        for i in range(1, len(padded) - 1):
            row = index.get(padded[i])
            if row is None:
                continue
            for side, near in ((0, padded[i - 1]), (1, padded[i + 1])):
                col = context.get(near)
                if col is not None:
                    rows.append(row)
                    cols.append(side * CONTEXT_WORDS + col)
    shape = (len(vocab), 2 * CONTEXT_WORDS)
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=shape).tocsr()
    matrix.sum_duplicates()
    # Positive PMI: how much more often than chance a word has each neighbour.
    total = matrix.sum()
    row_sum = np.asarray(matrix.sum(axis=1)).ravel()
    col_sum = np.asarray(matrix.sum(axis=0)).ravel()
    coo = matrix.tocoo()
    pmi = np.log(coo.data * total / (row_sum[coo.row] * col_sum[coo.col]))
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=shape).tocsr()
    vectors = TruncatedSVD(n_components=64, random_state=seed).fit_transform(ppmi)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    tags: dict[str, list[str]] = {w: [] for w in vocab}
    for name, size in zip("AB", sizes, strict=True):
        km = MiniBatchKMeans(n_clusters=size, random_state=seed, n_init=3, batch_size=4096)
        for word, label in zip(vocab, km.fit_predict(vectors), strict=True):
            tags[word].append(f"k{name}_{label}")
    return {w: tuple(t) for w, t in tags.items()}


def person_names() -> dict[str, tuple[str, ...]]:
    """`fn` for first names and `ln` for surnames in Faker's person lists, Latin script only
    (a name in Cyrillic or Han script never meets a Norwegian text's tokens)."""
    import importlib
    import pkgutil

    import faker.providers.person  # training only

    kinds = {"fn": ("first_names", "first_names_male", "first_names_female"), "ln": ("last_names",)}
    found: dict[str, set[str]] = {"fn": set(), "ln": set()}
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"{faker.providers.person.__name__}.{module.name}")
        for tag, attributes in kinds.items():
            for attribute in attributes:
                names = getattr(provider.Provider, attribute, ())
                if isinstance(names, dict | tuple | list):  # a few locales compute theirs
                    found[tag].update(n.lower() for n in names if _latin_name(n))
    return {w: tuple(t for t in ("fn", "ln") if w in found[t]) for w in found["fn"] | found["ln"]}


def _latin_name(name: str) -> bool:
    return len(name) > 1 and name.isalpha() and all(ord(c) < 0x250 for c in name)


def entity_tags(train: Iterable[Sentence], min_count: int = 2) -> dict[str, str]:
    """`e:LABEL` for words used inside names of one label in at least half their uses."""
    uses: Counter[str] = Counter()
    inside: Counter[tuple[str, str]] = Counter()
    for words, tags in train:
        lows = [w.lower() for w in words]
        uses.update(lows)
        for span in spans(tags):
            for w in lows[span.start : span.end]:
                if w[:1].isalpha():
                    inside[(w, span.label)] += 1
    out: dict[str, str] = {}
    for (word, label), n in sorted(inside.items(), key=lambda kv: (-kv[1], kv[0])):
        if word not in out and n >= min_count and 2 * n >= uses[word]:
            out[word] = f"e:{label}"
    return out


def merge(*parts: dict[str, str] | dict[str, tuple[str, ...]]) -> Lexicon:
    """One lexicon from several word -> tag(s) maps (tags in the order given)."""
    out: dict[str, list[str]] = {}
    for part in parts:
        for word, tag in part.items():
            out.setdefault(word, []).extend((tag,) if isinstance(tag, str) else tag)
    return {w: tuple(t) for w, t in sorted(out.items())}


def base_tags(train: Iterable[Sentence], places: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """`gaz` for place names and `lc` for words common in lower case in the training text."""
    lower: Counter[str] = Counter()
    for words, _ in train:
        lower.update(w for w in words if w.islower())
    out: dict[str, list[str]] = {}
    for name in places:
        out.setdefault(name, []).append("gaz")
    for word, n in lower.items():
        if n >= 3:
            out.setdefault(word, []).append("lc")
    return {w: tuple(t) for w, t in out.items()}
