"""Section signals: the topic a newsroom gave an item, read from its categories and its link.

Feeds name their sections in three places: categories (`Sport`, `Kultur & Underholdning`,
path-style `/rogalandsavis/sport/ishockey/stavanger-oilers`, comma-separated tag lists),
URL path sections (`/sport/fotball/...`, `/rampelys/film/...`) and subdomains
(`borsen.dagbladet.no`). Every word is looked up in the vocabulary's section words
(schemas/topics.json `categories`); desk words that name no topic (nyheter, innenriks,
meninger, studio, local names) simply do not map.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from nordwire.schemas.topics import Vocabulary

# Compounds match by their head (last part: `ekstremvær`, `veitransport`) or, failing that, their
# first part (`sportsstudio`, `fotballandslaget`); the matched part must be word-sized, so
# `politiker` is not `politi` and `kunstig` is not `kunst`. A head may follow a short first part
# (`vei`, `sjø`, `fly`), a first part needs a word-sized rest.
MIN_STEM = 5
MIN_REST = 4
MIN_HEAD_PREFIX = 3
# Definite and plural endings (`næringslivet`, `sjukehusa`, `drapene`): a desk name in the
# definite form is the section word with its ending; the stem left must still be a word.
_ENDINGS = ("ene", "ane", "ne", "en", "et", "er", "ar", "a")
MIN_ENDING_STEM = 4
# Section words that say nothing as a compound's head: `miljø` there is a milieu (`rusmiljø`,
# `fagmiljø`, `arbeidsmiljø`), not the environment; as a first part (`miljøvern`) it still is.
_NOT_HEADS = frozenset({"miljo"})
# A club's name ends with its kind (`Molde FK`, `Tromsø IL`, `Odd BK`): a club is sport.
CLUB_SUFFIXES = frozenset({"fk", "il", "bk", "fc", "if", "sk", "ik", "ballklubb", "fotballklubb"})
# Norwegian link fold: URLs spell ø, å, æ as o, a, ae (`/okonomi/`, `borsen.`).
_ASCII = str.maketrans({"ø": "o", "å": "a", "æ": "ae", "ä": "a", "ö": "o", "ü": "u"})
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_LIST_SPLIT = re.compile(r"\s*[,;|]\s*")
_CUT_OFF = re.compile(r"([^\W_]+)-(?=\s)", re.UNICODE)
# Years and seasons in a desk name (`Premier League 2022/2023`, `Valg 2023`) are not sections.
_NUMBERS = re.compile(r"(?<!\w)\d[\d./-]*(?!\w)")
# Host labels that are never sections.
_HOST_SKIP = frozenset({"www", "m", "amp", "mobil", "api", "feeds", "rss", "static"})
# A path segment with a digit (ids, dates, `1.16143086`) or a long slug is not a section name.
_ID_LIKE = re.compile(r"\d")
MAX_SECTION_TOKENS = 3
CACHE_WORDS = 50_000  # cached words and phrases per worker (least recently used go)


def fold(text: str) -> str:
    """Lowercase, NFC, Norwegian letters to their link spelling, other accents dropped."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_ASCII)
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    )
    return " ".join(stripped.split())


@dataclass(frozen=True, slots=True)
class SectionSignal:
    """One topic a section names, where it was read, and the words that said so."""

    slug: str
    basis: str  # category or url
    evidence: str
    # True: the section names the topic in a word of its own (`Samferdsel`, `Flom og ras`);
    # False: we read it into a compound or a cut-off part (`Ras- og ulykkesvegen E16`).
    exact: bool = True


Match = tuple[str, bool]  # (topic slug, named by a whole word)


class SectionMap:
    """Section words -> topic slugs, built once per worker from the vocabulary."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.words: dict[str, str] = {}
        for topic in vocab.topics:
            for word in topic.categories:
                # The first topic to claim a word keeps it (topics.json is checked for clashes).
                self.words.setdefault(fold(word), topic.slug)
        self.no_topic = frozenset(fold(w) for w in vocab.no_topic)
        self._stems = frozenset(w for w in self.words if " " not in w and len(w) >= MIN_STEM)
        self._heads = self._stems - _NOT_HEADS
        # Section words repeat from item to item: each word and phrase is resolved once.
        self.word_match = lru_cache(maxsize=CACHE_WORDS)(self._word)  # type: ignore[method-assign]
        self.phrase_match = lru_cache(maxsize=CACHE_WORDS)(self._phrase)  # type: ignore[method-assign]

    def word(self, word: str) -> str | None:
        """The topic of one folded word: exact, else compound head, else compound first part."""
        found = self.word_match(word)
        return found[0] if found else None

    def word_match(self, word: str) -> Match | None:
        """The topic of one folded word, and whether the word itself (not a part of it) is a section word."""
        return self._word(word)

    def _word(self, word: str) -> Match | None:
        if word in self.no_topic:
            return None
        forms = self.forms(word)
        for form in forms:
            slug = self.words.get(form)
            if slug is not None:
                return slug, True
        # Norwegian compounds are head-final: the longest section word a form ends with wins.
        # A head ending in -e takes only -n in the definite (`Osloskolen`); not for a whole
        # word, where it would make the name `Hagen` a garden.
        if word.endswith("en"):
            forms = [*forms, word[:-1]]
        best: tuple[int, str] | None = None
        for form in forms:
            for start in range(MIN_HEAD_PREFIX, len(form) - MIN_STEM + 1):
                if form[start:] in self._heads:
                    if best is None or len(form) - start > best[0]:
                        best = (len(form) - start, self.words[form[start:]])
                    break
        if best is not None:
            return best[1], False
        size = len(word)
        for end in range(size - MIN_REST, MIN_STEM - 1, -1):  # longest first part first
            if word[:end] in self._stems:
                return self.words[word[:end]], False
        return None

    @staticmethod
    def forms(word: str) -> list[str]:
        """A folded word and its stems without a definite or plural ending."""
        out = [word]
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_ENDING_STEM:
                out.append(word[: -len(ending)])
        return out

    def phrase(self, phrase: str) -> str | None:
        """The topic of a category phrase: the whole phrase, else its first word that maps."""
        found = self.phrase_match(phrase)
        return found[0] if found else None

    def phrase_match(self, phrase: str) -> Match | None:
        """The topic of a category phrase, and whether a whole word of it names the topic."""
        return self._phrase(phrase)

    def _phrase(self, phrase: str) -> Match | None:
        key = fold(_NUMBERS.sub(" ", phrase))
        if not key or key in self.no_topic:
            return None
        slug = self.words.get(key)
        if slug is not None:
            return slug, True
        tokens = _TOKEN.findall(key)
        if len(tokens) > 1 and tokens[-1] in CLUB_SUFFIXES:
            return self.words["sport"], True
        # `Ras- og ulykkesvegen`: a part cut off before `og` shares the next word's head (the
        # road); it is a compound's first part, not a word of its own.
        cut = frozenset(_CUT_OFF.findall(key))
        for token in tokens:
            found = self.word_match(token)
            if found is not None:
                return found[0], found[1] and token not in cut
        return None

    def category(self, category: str) -> list[str]:
        """Topics one category names, most telling first (see `category_matches`)."""
        return [slug for slug, _ in self.category_matches(category)]

    def category_matches(self, category: str) -> list[Match]:
        """Topics one category names, most telling first, each with whether a whole word named it.

        A path-style category (`/sport/fotball`) is read from its most specific segment
        that maps; a tag list (`trafikk, ulykke, nyheter`) gives each tag that maps.
        """
        text = _NUMBERS.sub(" ", category).strip()
        if "/" in text and not text.startswith("http"):
            whole = self.words.get(fold(text))  # `bodø/glimt`-style names first
            if whole is not None:
                return [(whole, True)]
            for segment in reversed([s for s in text.split("/") if s.strip()]):
                found = self.phrase_match(segment.replace("-", " "))
                if found is not None:
                    return [found]
            return []
        parts = [p for p in _LIST_SPLIT.split(text) if p]
        if len(parts) == 1:
            found = self.phrase_match(parts[0])
            return [found] if found is not None else []
        # A tag list holds free keywords and names (`tv 2 hjelper deg`, `angela-lansbury`):
        # only a tag that is a section word as a whole counts, not a word inside a tag.
        out: list[Match] = []
        for part in parts:
            key = fold(part)
            slug = self.words.get(key)
            match = (slug, True) if slug is not None else None if " " in key else self.word_match(key)
            if match is not None and match[0] not in {m for m, _ in out}:
                out.append(match)
        return out

    def url(self, link: str) -> list[str]:
        """Topics a link's subdomains and path sections name, most specific first."""
        try:
            parts = urlsplit(link.strip())
        except ValueError:
            return []
        found: list[str] = []
        segments = [s for s in parts.path.split("/") if s]
        if segments and len(segments) > 1:
            segments = segments[:-1]  # the last segment is the article's own slug or id
        for segment in reversed(segments):
            if _ID_LIKE.search(segment):
                continue
            tokens = [t for t in re.split(r"[-_.+]", segment) if t]
            if len(tokens) > MAX_SECTION_TOKENS:
                continue  # a headline slug, not a section name
            slug = self.phrase(" ".join(tokens))
            if slug is not None and slug not in found:
                found.append(slug)
        labels = (parts.hostname or "").split(".")[:-1]  # the top-level domain is no section
        for label in labels:
            if label in _HOST_SKIP:
                continue
            slug = self.words.get(fold(label))
            if slug is not None and slug not in found:
                found.append(slug)
        return found

    def signals(self, categories: tuple[str, ...], link: str | None) -> list[SectionSignal]:
        """Every section topic of an item: categories, then the link; the first is the primary.

        Categories come in feed order, except that one naming its topic in a word of its own
        (`Samferdsel`, `Statsbudsjettet 2023`) goes before one we read a topic into through a
        compound or a cut-off part (`Ras- og ulykkesvegen E16` is a road, not a landslide).
        """
        found: list[SectionSignal] = [
            SectionSignal(slug, "category", category, exact)
            for category in categories
            for slug, exact in self.category_matches(category)
        ]
        found.sort(key=lambda s: not s.exact)  # stable: feed order within each kind
        if link:
            found.extend(SectionSignal(slug, "url", link) for slug in self.url(link))
        out: list[SectionSignal] = []
        seen: set[str] = set()
        for signal in found:
            if signal.slug not in seen:
                seen.add(signal.slug)
                out.append(signal)
        return out
