"""What a feed says about the language of its items: channel tag, host country, the other items.

Items of one feed are overwhelmingly in one language, so a short, ambiguous headline is read in
the light of its feed. Each piece of context becomes a log-prior over the detector's classes;
the item's own text still decides when its evidence is strong (a single English or Swedish
story in a Norwegian feed is still found). The votes of the other items are counted at parse
time (`document_votes`), when all items of a document are at hand, and travel on each item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
from nordwire.transforms.langid import CLASSES, NORWEGIAN

# The prior is the feed's language mix, estimated from the other items' votes (Dirichlet
# pseudo-counts): the channel tag and the country domain stand for a few votes each, so they
# matter most when a document has few items and little when it has many. Feeds sometimes carry
# a CMS default tag (en-us on a Norwegian site), hence a tag is worth only a few items.
CHANNEL_VOTES = 3.0
DOMAIN_VOTES = 2.0
SMOOTHING_VOTES = 0.1  # per group: every language stays possible, if rare
PRIOR_MAX = 6.0  # nats: the context never outweighs a clear sentence of the item's own language
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
_COUNTRY_DOMAINS = {"no": NORWEGIAN_GROUP, "se": "sv", "dk": "da", "de": "de", "uk": "en"}


def group_of(language: str) -> str:
    """The vote group of a detected language (nb, nn and no are all Norwegian)."""
    return NORWEGIAN_GROUP if language in (*NORWEGIAN, "no") else language


def channel_group(tag: str | None) -> str | None:
    """The group a channel `<language>` tag names (nb-NO, sv-se, da, no ...), or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return _TAGS.get(primary)


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

    def log_prior(self) -> tuple[np.ndarray, list[str]]:
        """Log-prior over CLASSES (zero where nothing is known) and the names of what it used."""
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
            if group_of(label) in pseudo and n > 0:
                counted[group_of(label)] += n
                variety[label] += n if label in NORWEGIAN else 0
        if counted:
            used.append("document")
        if not used:
            lean = UNINFORMED_LEAN if self.lean else 0.0
            return np.array([lean if c in NORWEGIAN else 0.0 for c in CLASSES]), used
        log_share = {g: np.log(pseudo[g] + counted.get(g, 0) + SMOOTHING_VOTES) for g in GROUPS}
        prior = np.array([log_share[group_of(c)] for c in CLASSES])
        if variety:
            # The feed's own mix of bokmål and nynorsk: the variety it favours keeps the whole
            # Norwegian prior, the other gets its share relative to it.
            nb = variety["nb"] + VARIETY_SMOOTHING
            nn = variety["nn"] + VARIETY_SMOOTHING
            prior[CLASSES.index("nb")] += np.log(nb / max(nb, nn))
            prior[CLASSES.index("nn")] += np.log(nn / max(nb, nn))
        return np.maximum(prior - prior.max(), -PRIOR_MAX), used


def document_votes(
    texts: Sequence[str], judge: Callable[[str], tuple[str, float]]
) -> list[tuple[tuple[str, int], ...]]:
    """For each text, the votes of all the *other* texts of its document, by language.

    `judge` gives a text's own (language, confidence), without context; unsure ones do not vote.
    Norwegian votes keep their variety (nb, nn, or no when undecided): a feed has a mix of them.
    """
    own: list[str | None] = []
    for text in texts:
        language, confidence = judge(text)
        own.append(language if confidence >= VOTE_CONFIDENCE else None)
    totals = Counter(g for g in own if g is not None)
    out: list[tuple[tuple[str, int], ...]] = []
    for g in own:
        mine = totals.copy()
        if g is not None:
            mine[g] -= 1
        out.append(tuple(sorted((k, n) for k, n in mine.items() if n > 0)))
    return out
