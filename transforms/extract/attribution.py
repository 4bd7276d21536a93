"""Who said it: each quote's speaker from its own attribution, resolved to the article's names.

A quote's attribution is its reporting clause (`, sier X`), the headline's `X:`, or the
sentence or paragraph that introduces it (`Forsvarsdepartementet svarer i en e-post:`). A
person the tagger found there wins; a pronoun takes the last person named outside quotes; a
role (`Nato-sjefen`) takes the person the article introduces with that role (`Nato-sjef Jens
Stoltenberg`). A headline whose `X` names nobody (`Advarer: – ...`, a kicker, a topic) takes
the speaker the lede names in a reporting clause (`..., mener X`, `No fryktar X at ...`).
Reported speech (`X sier at ...`, reported.py) comes with its speaker; its `han`/`hun` takes a
person only when it can mean no other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nordwire.schemas.items import Mention, QuoteMention
from nordwire.transforms.extract.clauses import SENTENCE, Lexicon, Speaker, narrative_speaker
from nordwire.transforms.extract.quotes import Quote, find_quotes
from nordwire.transforms.extract.reported import find_reported
from nordwire.transforms.extract.speakers import PRONOUNS, is_agency, is_role, words

_DEATH = re.compile(r"\b(?:døde|døydde|omkom|drept|drepen|mistet livet|miste livet)\b")


def _outside(mentions: Sequence[Mention], quotes: Mapping[str, list[Quote]]) -> list[Mention]:
    """Mentions that are not inside a quotation (a name in someone's words is not a speaker)."""
    return [
        m for m in mentions if not any(q.start <= m.start < q.end for q in quotes.get(m.field, ()))
    ]


def _masked(text: str, quotes: Sequence[Quote]) -> str:
    """The text with its quotations blanked (offsets kept): what the narrative says."""
    parts, at = [], 0
    for q in quotes:
        if q.start >= at:
            parts += [text[at : q.start], " " * (q.end - q.start)]
            at = q.end
    return "".join(parts) + text[at:] if parts else text


def _stem(word: str) -> str:
    return re.sub(r"(?:ene|ane|en|et|a|ar|er|e)$", "", word.lower().strip("«»,.()"))


def _by_role(role: str, mentions: Sequence[Mention], texts: Mapping[str, str]) -> str | None:
    """The person the article introduces with the role word (`Nato-sjef Jens Stoltenberg` for
    `Nato-sjefen`, `Ordfører Ivan Fedorov` for `Ordfører i okkupert by`)."""
    head = next((w for w in role.split() if is_role(w)), None)
    if head is None:
        return None
    stem = _stem(head)
    for m in mentions:
        if m.label != "PER" or m.field == "title":
            continue
        before = texts[m.field][max(0, m.start - 40) : m.start].split()
        if before and len(stem) > 3 and _stem(before[-1].rstrip(",")) == stem:
            return m.normalised
    return None


def _person_before(
    at: int, field: str, people: Sequence[Mention], fields: Sequence[str]
) -> str | None:
    before = [
        m
        for m in people
        if (m.field == field and m.end <= at) or fields.index(m.field) < fields.index(field)
    ]
    return before[-1].normalised if before else None


def _lede(
    texts: Mapping[str, str],
    quotes: Mapping[str, list[Quote]],
    resolved: Mapping[tuple[str, int], Speaker],
    mentions: Sequence[Mention],
    lexicon: Lexicon,
) -> Speaker | None:
    """Who the lede says speaks: a quote's resolved speaker or a reporting clause, within its
    first three sentences."""
    field = "summary" if texts.get("summary") else "body"
    if not texts.get(field):
        return None
    text = texts[field]
    masked = _masked(text, quotes[field])
    for n, m in enumerate(SENTENCE.finditer(text)):
        if n >= 3 or m.start() > 600:
            break
        for q in quotes[field]:
            got = resolved.get((field, q.start))
            if m.start() <= q.start < m.end() and q.verb and q.kind == "direct" and got and got[0]:
                return got
        found = narrative_speaker(masked, m.start(), m.end(), field, mentions, lexicon)
        if found is not None:
            return found
    return None


def _headline(
    q: Quote,
    mentions: Sequence[Mention],
    texts: Mapping[str, str],
    lexicon: Lexicon,
    lede: Speaker | None,
) -> Speaker:
    """`X: – quote`: X's opening phrase when it names a person, a body or a role; else (a verb,
    a kicker, a topic, no X) the speaker the lede names."""
    rest = " ".join(t for f, t in texts.items() if f != "title")
    x = _x_speaker(q, texts["title"], rest, mentions, lexicon) if q.speaker_start >= 0 else None
    if x is None:
        return lede if lede is not None else (None, None)
    if any(m.label == "PER" and m.normalised == x for m in mentions):
        if _DEATH.search(texts["title"][q.speaker_end : q.start]):
            return lede or (None, None)  # "Lena Maria (18) døde ...: – ...": the dead do not speak
        return x, q.speaker
    person = _by_role(x, mentions, texts) if is_role(x) else None
    if (
        person is None
        and lede
        and is_role(x)
        and not re.search(r"s [a-zæøå]", x)  # "Brad Pitts advokat" is not Brad Pitt
        and any(m.label == "PER" and m.normalised == lede[0] for m in mentions)
    ):
        person = lede[0]  # "Ordfører i okkupert by: – ..." / "... sier han" about Ivan Fedorov
    return (person or x), q.speaker


def _x_speaker(
    q: Quote, title: str, rest: str, mentions: Sequence[Mention], lexicon: Lexicon
) -> str | None:
    """X's opening phrase as a speaker: a person or organisation the tagger found there, a
    role (`Kulturministeren`, `Leiar i rusorganisasjon`, `Brad Pitts advokat`), a name the
    tagger missed before what they did (`Guardiola med ...`, `Chess.com om ...`), or the first
    name or surname of a person the article names; never a topic or a verb."""
    raw = q.speaker
    if raw is None:
        return None
    if is_agency(raw):
        return None
    if is_role(raw) and re.search(r"s [a-zæøå]", raw):
        return raw  # a genitive and a role: the role speaks, not the genitive's owner
    opening = [
        m
        for m in mentions
        if m.field == "title" and q.speaker_start <= m.start and m.end <= q.speaker_end
    ]
    for m in opening:
        if m.label == "PER":
            return m.normalised
    for m in opening:
        if m.label == "ORG" and m.start == q.speaker_start and m.text == m.normalised:
            return m.normalised
    if is_role(raw):
        return raw
    tokens = raw.split()
    for word in tokens:
        for m in mentions:
            parts = m.normalised.split()
            if m.label == "PER" and word[:1].isupper() and word in (parts[0], parts[-1]):
                return m.normalised
    # "Guardiola med Haaland-spøk: – ...": one capitalised word that is no common word but a
    # known name (or one the article repeats), then what they did.
    act = title[q.speaker_end : q.speaker_end + 8].split()[:1]
    tags = lexicon.get(tokens[0].lower().strip("«»"), ("lc",))
    known = any(t.startswith(("zf", "e:")) for t in tags) or raw in rest
    if len(tokens) == 1 and act and act[0] in _ACTS and "lc" not in tags and known:
        return raw
    return None


_ACTS = words("om med mot ut hardt inn til etter")


def _clause(
    q: Quote,
    field: str,
    mentions: Sequence[Mention],
    people: Sequence[Mention],
    texts: Mapping[str, str],
    previous: tuple[Quote, Speaker] | None = None,
) -> Speaker:
    """A quote with its reporting clause (or `X sa:` before it)."""
    if q.speaker_start >= 0:
        inside = [
            m
            for m in people
            if m.field == field and m.start >= q.speaker_start and m.end <= q.speaker_end
        ]
        if inside:
            return inside[0].normalised, q.speaker
    raw = q.speaker
    if raw is None:
        return None, None
    if raw in PRONOUNS or raw in ("ham", "henne"):
        if raw not in ("han", "hun", "ho", "ham", "henne"):
            return None, None
        if (
            previous is not None
            and previous[1][0]
            and "\n" not in texts[field][previous[0].end : q.start]
        ):
            return previous[1][0], raw  # "– ..., sier en polititalsmann. Ifølge ham er ..."
        return _person_before(q.start, field, people, list(texts)), raw
    if raw[:1].isupper():
        last = raw.split()[-1]
        for m in people:
            if m.text == raw or m.normalised.split()[-1] == last:
                return m.normalised, raw
    if len(raw.split()) == 1 and is_role(raw):
        return _by_role(raw, mentions, texts) or raw, raw
    return raw, raw


def _unattributed(
    q: Quote,
    field: str,
    text: str,
    masked: str,
    previous: tuple[Quote, Speaker] | None,
    mentions: Sequence[Mention],
    people: Sequence[Mention],
    lexicon: Lexicon,
) -> Speaker:
    """Dash speech without a clause: the speaker its own paragraph or the one before
    introduces (`Forsvarsdepartementet svarer i en e-post:`, `Frp-leder Sylvi Listhaug er
    trygg ...`), a quote that goes on from the one before, else the last person named."""
    line_start = text.rfind("\n", 0, q.start) + 1
    prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start else line_start
    if previous is not None and previous[0].end > prev_start:
        prev_start = max(prev_start, previous[0].start)
    region = [m for m in SENTENCE.finditer(masked, prev_start, q.start) if m.group().strip()]
    for sentence in reversed(region):
        found = narrative_speaker(
            masked, sentence.start(), sentence.end(), field, mentions, lexicon
        )
        if found is not None:
            return found
    if previous is not None and previous[1][0] and previous[0].start >= prev_start:
        return previous[1][0], None  # the quote before goes on in this paragraph
    here = [m for m in people if m.field == field and prev_start <= m.start and m.end <= q.start]
    if here:
        return here[-1].normalised, None
    earlier = [m for m in people if m.field == field and m.end <= q.start]
    if earlier:
        return earlier[-1].normalised, None
    return (previous[1][0] if previous is not None else None), None


def attribute(
    texts: Mapping[str, str], mentions: Sequence[Mention], lexicon: Lexicon
) -> list[QuoteMention]:
    """Every quote of an article's fields (title, summary, body, ... in `texts`' order) with its
    speaker, resolved and as written."""
    quotes = {f: find_quotes(texts[f], headline=f == "title") if texts[f] else [] for f in texts}
    outside = _outside(mentions, quotes)
    reported = _add_reported(texts, quotes, outside)
    if not any(quotes.values()):
        return []
    outside = _outside(mentions, quotes)
    people = [m for m in outside if m.label == "PER"]
    resolved: dict[tuple[str, int], Speaker] = {}
    for field in [f for f in texts if f != "title" and quotes[f]]:
        # the narrative that introduces dash speech keeps its reported clauses ("X opplyser
        # til NRK at ...\n– Vi ..."): only direct quotes and `ifølge` rows are blanked
        masked = _masked(
            texts[field], [q for q in quotes[field] if (field, q.start) not in reported]
        )
        previous: tuple[Quote, Speaker] | None = None
        for q in quotes[field]:
            if (field, q.start) in reported:
                got = reported[(field, q.start)]
                if got[0] is None:  # "Han sier også at ...": who the pronoun can only mean
                    got = _pronoun(q, field, people, previous), got[1]
                elif len(got[0].split()) == 1 and is_role(got[0]):
                    got = _by_role(got[0], outside, texts) or got[0], got[1]
                if got[0] is None:
                    continue
            elif q.speaker is None and q.speaker_start < 0 and q.verb is None:
                # after reported speech, the paragraph that holds it introduces the quote
                intro = None if previous and (field, previous[0].start) in reported else previous
                got = _unattributed(q, field, texts[field], masked, intro, outside, people, lexicon)
            else:
                got = _clause(q, field, outside, people, texts, previous)
            resolved[(field, q.start)] = got
            previous = (q, got)
    if quotes.get("title"):
        lede = _lede(texts, quotes, resolved, outside, lexicon)
        for q in quotes["title"]:
            if q.verb is not None:
                resolved[("title", q.start)] = _clause(q, "title", outside, people, texts)
            else:
                resolved[("title", q.start)] = _headline(q, outside, texts, lexicon, lede)
    return [
        QuoteMention(f, q.quote, q.start, q.end, *resolved[(f, q.start)], q.verb, q.kind)
        for f in texts
        for q in quotes[f]
        if (f, q.start) in resolved
    ]


def _pronoun(
    q: Quote, field: str, people: Sequence[Mention], previous: tuple[Quote, Speaker] | None
) -> str | None:
    """The person `han`/`hun` of reported speech refers to, only when it cannot be another:
    the previous quote's speaker when nobody else is named since, else the one person named
    before (`Biden tror ikke at Putin ... Han sier ...` names two, so nobody)."""
    before = [m for m in people if m.field == field and m.end <= q.start]
    if previous is not None and previous[1][0]:
        since = {m.normalised for m in before if m.start >= previous[0].end}
        if since <= {previous[1][0]}:
            return previous[1][0]
    named = {m.normalised for m in before}
    return named.pop() if len(named) == 1 else None


def _add_reported(
    texts: Mapping[str, str],
    quotes: dict[str, list[Quote]],
    outside: Sequence[Mention],
) -> dict[tuple[str, int], Speaker]:
    """Reported speech (`X sier at ...`, `Det opplyser X.`) of the narrative fields, added to
    `quotes` where it overlaps no quotation; its speaker (None for a pronoun to resolve) and
    the words as written."""
    out: dict[tuple[str, int], Speaker] = {}
    for field in [f for f in texts if f != "title" and texts[f]]:
        text = texts[field]
        masked = _masked(text, quotes[field])
        found = find_reported(text, masked, field, outside)
        for q, speaker in found:
            if any(q.start < o.end and o.start < q.end for o in quotes[field]):
                continue
            quotes[field].append(q)
            out[(field, q.start)] = (speaker, q.speaker)
        quotes[field].sort(key=lambda q: (q.start, -q.end))
    return out
