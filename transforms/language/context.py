"""What a feed says about the language of its items: channel tag, host country, the other items.

Items of one feed are overwhelmingly in one language, so a short, ambiguous headline is read in
the light of its feed. Each piece of context becomes a log-prior over the detector's classes;
the item's own text still decides when its evidence is strong (a single English or Swedish
story in a Norwegian feed is still found). The votes of the other items are counted at parse
time (`document_votes`), when all items of a document are at hand, and travel on each item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from nordwire.transforms.language.model import CLASSES, NORWEGIAN, OTHER

# The prior is the feed's language mix, estimated from the other items' votes (Dirichlet
# pseudo-counts): the channel tag and the country domain stand for a few votes each, so they
# matter most when a document has few items and little when it has many. Feeds sometimes carry
# a CMS default tag (en-us on a Norwegian site), hence a tag is worth only a few items.
CHANNEL_VOTES = 3.0
DOMAIN_VOTES = 2.0
SMOOTHING_VOTES = 0.02  # per group: every language stays possible, if rare
PRIOR_MAX = 6.0  # nats: the context never outweighs a clear sentence of the item's own language
# ... but a title of a few words says little, and there the feed must win (a Swedish paper's
# headline that happens to look nynorsk is Swedish): the bound grows as the text shrinks, by up
# to this much for a one-word text (see `prior_bound`).
SHORT_PRIOR_EXTRA = 6.0
FULL_WORDS = 12  # words from which a text is a full sentence
# An item's own xml:lang (Atom entries and RSS items can carry one) is said of this item alone,
# so it adds to the feed's prior rather than counting as one more vote; it is a CMS field and
# can be wrong, so a sentence of another language still wins over it.
ITEM_LANG_NATS = 4.0
# Items judged on their own text are wrong now and then, mostly towards a neighbour (a Swedish
# headline that looks nynorsk): this share of a document's votes is taken for such noise and
# taken off every language's count, so a few stray votes do not make a feed look bilingual.
VOTE_NOISE = 0.1
VOTE_CONFIDENCE = 0.8  # only items sure of their own language vote
VARIETY_SMOOTHING = 1.0  # pseudo-votes for bokmål and for nynorsk in the feed's variety mix
# With no context at all (a lone text, a wire story), nordwire's inputs are still mostly
# Norwegian news: Norwegian starts this many nats ahead. The model itself is trained to answer
# as if all languages were equally likely, and votes are taken without this lean.
UNINFORMED_LEAN = 1.0

# Vote groups: Norwegian (either variety, or undecided `no`) and the model's other classes.
NORWEGIAN_GROUP = "no"
GROUPS = (NORWEGIAN_GROUP, *(c for c in CLASSES if c not in NORWEGIAN))
_TAGS = {
    "no": NORWEGIAN_GROUP,
    "nb": NORWEGIAN_GROUP,
    "nn": NORWEGIAN_GROUP,
    "nob": NORWEGIAN_GROUP,
    "nno": NORWEGIAN_GROUP,
    "nor": NORWEGIAN_GROUP,
    "sv": "sv",
    "swe": "sv",
    "da": "da",
    "dan": "da",
    "en": "en",
    "eng": "en",
    "de": "de",
    "deu": "de",
    "ger": "de",
}
_PRIMARY = re.compile(r"[a-z]{2,3}")
_COUNTRY_DOMAINS = {"no": NORWEGIAN_GROUP, "se": "sv", "dk": "da", "de": "de", "uk": "en"}


def group_of(language: str) -> str | None:
    """The vote group of a detected language (nb, nn and no are all Norwegian; a language the
    model has no class for is `other`; und is none)."""
    if language in (*NORWEGIAN, "no"):
        return NORWEGIAN_GROUP
    if language == "und":
        return None
    return language if language in GROUPS else OTHER


def channel_group(tag: str | None) -> str | None:
    """The group a language tag names (nb-NO, sv-se, da, no ...; `other` for fi, se, fr ...), or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    if primary in _TAGS:
        return _TAGS[primary]
    return OTHER if _PRIMARY.fullmatch(primary) else None


def entry_language(entry: Mapping[str, Any], feed: Mapping[str, Any]) -> str | None:
    """The xml:lang in force on a feedparser entry's title or text, when it says more than the
    feed's own language: a different language, not one inherited from the document's root."""
    details = [
        entry.get("title_detail"),
        entry.get("summary_detail"),
        *(entry.get("content") or []),
    ]
    tag = next((d.get("language") for d in details if d and d.get("language")), None)
    if not tag or channel_group(tag) == channel_group(feed.get("language")):
        return None
    return str(tag)


def domain_group(url: str | None) -> str | None:
    """The group of a host's country domain (.no, .se, .dk ...), or None for .com and the like."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname if "://" in url else url.split("/", 1)[0]
    except ValueError:  # http://[::1, a bracket never closed: no domain to go by
        return None
    if not host or "." not in host:
        return None
    return _COUNTRY_DOMAINS.get(host.rsplit(".", 1)[-1].lower())


@dataclass(frozen=True, slots=True)
class Context:
    """The feed-level evidence about one item's language."""

    channel: str | None = None  # group named by the channel tag
    domain: str | None = None  # group of the host's country domain
    votes: tuple[tuple[str, int], ...] = ()  # the other items' own decisions (nb, nn, no, sv ...)
    lean: bool = True  # with nothing known, lean Norwegian (False: the text's evidence alone)
    item: str | None = None  # group named by the item's own xml:lang

    def log_prior(self, words: int = FULL_WORDS) -> tuple[np.ndarray, list[str]]:
        """Log-prior over CLASSES (zero where nothing is known) for a text of `words` words, and
        the names of what it used."""
        pseudo = dict.fromkeys(GROUPS, 0.0)
        used: list[str] = []
        for name, group, weight in (
            ("channel", self.channel, CHANNEL_VOTES),
            ("domain", self.domain, DOMAIN_VOTES),
        ):
            if group in pseudo:
                pseudo[group] += weight
                used.append(name)
        counted: Counter[str] = Counter()
        variety: Counter[str] = Counter()
        for label, n in self.votes:
            group = group_of(label)
            if group is not None and n > 0:
                counted[group] += n
                variety[label] += n if label in NORWEGIAN else 0
        if counted:
            used.append("document")
        noise = VOTE_NOISE * sum(counted.values())
        if not used and self.item not in pseudo:
            lean = UNINFORMED_LEAN if self.lean else 0.0
            return np.array([lean if c in NORWEGIAN else 0.0 for c in CLASSES]), used
        log_share = {
            g: np.log(pseudo[g] + max(0.0, counted.get(g, 0) - noise) + SMOOTHING_VOTES)
            for g in GROUPS
        }
        prior = np.array([log_share[group_of(c) or OTHER] for c in CLASSES])
        if variety:
            # The feed's own mix of bokmål and nynorsk: the variety it favours keeps the whole
            # Norwegian prior, the other gets its share relative to it.
            nb = variety["nb"] + VARIETY_SMOOTHING
            nn = variety["nn"] + VARIETY_SMOOTHING
            prior[CLASSES.index("nb")] += np.log(nb / max(nb, nn))
            prior[CLASSES.index("nn")] += np.log(nn / max(nb, nn))
        if self.item in pseudo:
            prior += np.array([ITEM_LANG_NATS * (group_of(c) == self.item) for c in CLASSES])
            used.append("item_lang")
        return np.maximum(prior - prior.max(), -prior_bound(words)), used

    def favoured_variety(self) -> str | None:
        """The variety most of the other items are in (nb or nn), if they lean either way."""
        nb = sum(n for label, n in self.votes if label == "nb")
        nn = sum(n for label, n in self.votes if label == "nn")
        return None if nb == nn else ("nb" if nb > nn else "nn")


def prior_bound(words: int) -> float:
    """How far the context can push a text of `words` words: PRIOR_MAX for a full sentence, more
    for a headline, most for a single word."""
    short = max(0.0, 1.0 - max(words - 1, 0) / (FULL_WORDS - 1))
    return PRIOR_MAX + SHORT_PRIOR_EXTRA * short


def document_votes(
    own: Sequence[tuple[str, float]],
) -> list[tuple[tuple[str, int], ...]]:
    """For each item, the votes of all the *other* items of its document, by language.

    `own` is each item's decision on its own text, without context: (language, confidence);
    unsure ones do not vote. Norwegian votes keep their variety (nb, nn, or no when undecided):
    a feed has a mix of them.
    """
    voted = [language if confidence >= VOTE_CONFIDENCE else None for language, confidence in own]
    totals = Counter(g for g in voted if g is not None)
    out: list[tuple[tuple[str, int], ...]] = []
    for g in voted:
        mine = totals.copy()
        if g is not None:
            mine[g] -= 1
        out.append(tuple(sorted((k, n) for k, n in mine.items() if n > 0)))
    return out
