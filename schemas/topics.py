"""The closed topic vocabulary: IPTC Media Topics top level plus `unclassified`, loaded from topics.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

UNCLASSIFIED = "unclassified"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Topic:
    """One top-level topic with its labels, the feed categories that map to it and its keywords."""

    code: str | None
    slug: str
    en: str
    nb: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """All topics, in IPTC order, the desk words that name no topic, and the general news desks."""

    topics: tuple[Topic, ...]
    no_topic: frozenset[str]
    # General news desks (nyheter, innenriks, regional desks): no topic, but hard news. Training
    # reads them for the model's `news` class; at run time they map to nothing, like no_topic.
    news_desks: frozenset[str] = frozenset()

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every slug a partition may carry, `unclassified` last."""
        return (*(t.slug for t in self.topics), UNCLASSIFIED)


@cache
def vocabulary() -> Vocabulary:
    """Load and validate the vocabulary shipped in the package (cached)."""
    raw = json.loads(resources.files("nordwire.schemas").joinpath("topics.json").read_text("utf-8"))
    topics = tuple(
        Topic(
            code=t["code"],
            slug=t["slug"],
            en=t["en"],
            nb=t["nb"],
            categories=tuple(c.lower() for c in t["categories"]),
            keywords=tuple(k.lower() for k in t["keywords"]),
        )
        for t in raw["topics"]
    )
    slugs = {t.slug for t in topics}
    for t in topics:
        if not SLUG_RE.match(t.slug):
            raise ValueError(f"topic slug {t.slug!r} is not a valid partition value")
    if len(slugs) != len(topics):
        raise ValueError("topic slugs must be unique")
    no_topic = frozenset(w.lower() for w in raw["no_topic"])
    clash = no_topic & {c for t in topics for c in t.categories}
    if clash:
        raise ValueError(f"words both name a topic and no topic: {sorted(clash)}")
    news_desks = frozenset(w.lower() for w in raw.get("news_desks", ()))
    clash = news_desks & {c for t in topics for c in t.categories}
    if clash:
        raise ValueError(f"words both name a topic and a news desk: {sorted(clash)}")
    return Vocabulary(topics=topics, no_topic=no_topic, news_desks=news_desks)
