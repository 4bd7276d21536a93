"""Direct quotations in Norwegian news typography, with the speaker's words from the reporting clause.

The forms Norwegian newsrooms use:
- dash speech, `– Quote, sier X.`, at a line start or after a finished sentence (ledes run
  narrative and speech in one paragraph), with or without a reporting clause;
- a headline `X: – quote`, X the speaker when it names a person or a role;
- «quote» (or “quote”) with a reporting verb next to it: `«...», sier X` or `X sier: «...»`;
  without one, «» marks a title, a term or irony, not speech;
- `ifølge X`: the sentence is attributed to X (reported, not verbatim; the verb is "ifølge").

Each quote carries the reporting clause's span, so the extraction stage can look for a person
the tagger found inside it (appositions: `sier veisjef i Vegvesenet, Kristin Greaker Carlsson`).
The clause never runs past its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nordwire.transforms.extract.speakers import (
    DETERMINERS,
    capital,
    clean_speaker,
    is_agency,
    is_kicker,
    is_name_word,
    is_role,
)

VERBS = [
    *("sa", "sier", "sei", "seier", "uttalte", "uttaler", "skriver", "skreiv", "skrev"),
    *("skrive", "mener", "meiner", "meinte", "mente", "forteller", "fortel", "fortalte"),
    *("opplyser", "opplyste", "understreker", "understreka", "understreket", "påpeker"),
    *("påpekte", "hevder", "hevdet", "hevda", "hevdar", "advarer", "advarte", "svarer"),
    *("svarte", "svara", "legger", "la", "konkluderer", "erkjenner", "bekrefter", "bekreftet"),
    *("stadfester", "tilføyer", "spør", "spurte", "roper", "ropte", "smiler", "ler"),
    *("innrømmer", "innrømte", "forklarer", "forklarte", "melder", "meldte", "varsler"),
    *("konstaterer", "fastslår", "sukker", "utdyper", "presiserer", "tror", "trur"),
    *("kommenterer", "uttrykker", "skriv", "forklarar", "fortalde", "sa", "seier"),
    *("vedgår", "vedgjekk", "oppsummerer", "oppsummerte", "poengterer", "poengterte"),
    *("tvitrer", "tvitret", "kunngjør", "kunngjorde", "erklærer", "erklærte", "svarar"),
    *("uttalar", "opplyste", "bemerker", "bemerket", "beskriver", "beskrev", "sukka"),
]
_VERB = "|".join(sorted(set(VERBS), key=len, reverse=True))
REPORTING_VERB = re.compile(rf"\b(?:{_VERB})\b")
_WORKS = re.compile(
    r"\b(?:bok(?:a|en)?|film(?:en)?|serien?|program(?:met)?|lå(?:t|ta|ten)|sang(?:en)?|"
    r"album(?:et)?|roman(?:en)?|utstilling(?:a|en)?|dokumentar(?:en)?|stykket|forestilling(?:a|en)?|"
    r"podkast(?:en)?|podcast(?:en)?|kronikk(?:en)?|rapport(?:en)?|artikkel(?:en)?|tittel(?:en)?|"
    r"kampanje(?:n)?|avis(?:a|en)?|spill(?:et)?|verket|maleriet|diktet|operaen|musikalen)\s*$",
    re.IGNORECASE,
)
_DASHES = "\\-–—"
# Where dash speech opens: a line start, or after a finished sentence.
# (Not after »: "... som «uavhengige» – Moskva er pynta" is a headline's second clause.)
_DASH = re.compile(rf"[{_DASHES}]\s+(?=\S)")
_AFTER_SENTENCE = re.compile(r"[.!?:…]\s\s?$")
_CLAUSE = re.compile(rf"(?:,|(?<=[!?]))\s*(?P<verb>{_VERB})\s+(?=\S)")
# X holds no spaced dash and no quote marks (hyphens are fine: "Sp-ordføreren", "FIS-møte").
_HEADLINE = re.compile(
    rf"(?P<x>(?:(?!\s[{_DASHES}]\s)[^:\n]){{2,90}}?)\s*:\s*[{_DASHES}]\s+(?P<q>\S[^\n]*)"
)
_KICKER = re.compile(r"(?P<k>[^:\n]{2,30}?)\s*:\s+")  # "SE NÅ: Støre: – ...": .match at a line
_GUILLEMETS = re.compile(r"«(?P<q>[^«»]{2,2000})»")
_CURLY = re.compile(r"[“\"](?P<q>[^“”\"]{2,2000})[”\"]")
_AFTER = re.compile(rf"\s*,?\s*(?P<verb>{_VERB})\s+(?=\S)")  # .match(text, pos)
_BEFORE = re.compile(rf"(?P<pre>[^.!?\n]{{0,80}}?)\s+(?P<verb>{_VERB})\s*:?\s*$")
_IFOLGE = re.compile(r"\b[Ii](?:følge|fylgje)\s+(?=\S)")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation: text, offsets, speaker words as written, the verb, the span of the text
    that names the speaker (the reporting clause or the headline's `X`; -1 when there is none)
    and its kind: `direct` (the words as spoken) or `reported` (`ifølge X`: attributed, not
    verbatim)."""

    quote: str
    start: int
    end: int
    speaker: str | None
    verb: str | None
    speaker_start: int = -1
    speaker_end: int = -1
    kind: str = "direct"


def _opens_speech(text: str, at: int) -> bool:
    """Whether a dash at `at` opens speech: at a line start, or one or two spaces after a
    finished sentence (not after »: "... som «uavhengige» – Moskva er pynta" is a headline's
    second clause, nor in mid-sentence: "Det møter motstand – også internt")."""
    if at == 0 or text[at - 1] == "\n":
        return True
    before = text[max(0, at - 3) : at]
    return bool(_AFTER_SENTENCE.search(before))


def _clause_end(text: str, start: int) -> int:
    """End of the speaker words from `start`: the sentence end, a line break or a quote mark."""
    m = _SENTENCE_END.search(text, start, min(len(text), start + 160))
    end = m.start() if m else min(len(text), start + 160)
    # "sier Rødts Mímir Kristjánsson. Han": a period after a name ends the sentence even
    # before a capital; an abbreviation like "adm.dir." does not reach here (no space after).
    return end


def _speaker_after(text: str, start: int) -> tuple[str | None, int, int]:
    end = _clause_end(text, start)
    if is_agency(text[start:end]):
        return None, -1, -1  # "..., melder AFP": the agency relays the words, it did not say them
    return clean_speaker(text[start:end]), start, end


# "– Vi svarer ikke. Det skriver Forsvarsdepartementet i en e-post." The attribution is the
# sentence after the quote, and it ends the paragraph.
_DET_CLAUSE = re.compile(rf"(?<=[.!?»])\.?\s+(?:Det|Dette|Slik)\s+(?P<verb>{_VERB})\s+(?=\S)")
_NOT_SPEAKERS = frozenset({"seg", "meg", "oss", "deg", "jeg", "eg", "vi", "me", "du", "at", "ikke"})


def _det_clause(text: str, start: int, limit: int) -> tuple[re.Match[str], int] | None:
    """The `Det sier X.` sentence that attributes the speech before it, and its end."""
    m = _DET_CLAUSE.search(text, start, limit)
    if m is None or text[m.end() : m.end() + 8].split()[0].strip(",.").lower() in _NOT_SPEAKERS:
        return None
    end = _clause_end(text, m.end())
    if text[end : end + 1] in ".!?":
        end += 1
    rest = text[end:limit]
    return (m, end) if not rest.strip() or rest.lstrip().startswith(("–", "—", "\n")) else None


def _dash_quotes(text: str) -> list[Quote]:
    out: list[Quote] = []
    starts = [m.end() for m in _DASH.finditer(text) if _opens_speech(text, m.start())]
    for i, start in enumerate(starts):
        nxt = starts[i + 1] - 2 if i + 1 < len(starts) else len(text)
        line_end = text.find("\n", start, nxt)  # bounded by the next dash: linear overall
        limit = nxt if line_end < 0 else line_end
        clause = _CLAUSE.search(text, start, limit)
        if clause is not None:
            quote = text[start : clause.start()].rstrip(" ,")
            speaker, s_start, s_end = _speaker_after(text, clause.end())
            out.append(
                Quote(
                    quote, start, start + len(quote), speaker, clause.group("verb"), s_start, s_end
                )
            )
            continue
        quote = text[start:limit].strip()
        speaker, s_start, s_end, verb = None, -1, -1, None
        det = _det_clause(text, start, limit)
        if det is not None:
            quote = text[start : det[0].start()].strip()
            speaker, s_start, s_end = _speaker_after(text, det[0].end())
            verb = det[0].group("verb")
            out.append(Quote(quote, start, start + len(quote), speaker, verb, s_start, s_end))
            continue
        lead = text[max(0, start - 100) : start].rstrip(" -–—")
        # Only "X sa: – ..." has its clause before: look for it only after a colon.
        before = _BEFORE.search(lead) if lead.endswith(":") else None
        if before is not None:
            offset = max(0, start - 100)
            s_start, s_end = offset + before.start("pre"), offset + before.end("pre")
            speaker, verb = clean_speaker(before.group("pre")), before.group("verb")
        out.append(Quote(quote, start, start + len(quote), speaker, verb, s_start, s_end))
    return out


# After the speaker in a headline's X: what they did ("ut mot", "hardt ut", "om ...").
_HEADLINE_STOP_WORDS = (
    "om til etter mot med ut inn opp ned hardt kraftig sterkt skarpt tydelig igjen også nå no "
    "fortsatt før under"
)
_HEADLINE_STOP = frozenset(_HEADLINE_STOP_WORDS.split())


def _headline_speaker(x: str) -> tuple[str | None, int, int]:
    """The speaker candidate of a headline's `X` and its span in X: its opening noun phrase
    (`Støre`, `Sandra Borch (Sp)`, `Russlands ambassadør`, `Leiar i rusorganisasjon`), cut
    before what the speaker did (`Politiet advarer`, `City-leiren hardt ut mot ...`). Whether
    the candidate is a speaker (a person, an organisation, a role) or a topic (`Steinskred i
    Røldal`) is decided with the tagger's entities; see `is_role`."""
    words = [w for w in re.finditer(r"\S+", x) if not re.fullmatch(r"\(.*\)", w.group())]
    if not words:
        return None, -1, -1
    texts = [w.group().strip(",") for w in words]
    keep = 1
    while keep < len(texts) and capital(texts[keep]):
        keep += 1  # a name's words: "Sandra Borch", "Sjømat Norge"
    if (
        keep < len(texts)
        and texts[keep].islower()
        and (texts[keep - 1].endswith("s") or is_role(texts[keep]))
    ):
        # a genitive and its role ("Russlands ambassadør", "Brad Pitts advokat"), an adjective
        # and its role ("Internasjonale ekspertar", "Russisk soldat")
        keep += 1
    rest = [t.lower() for t in texts[keep:]]
    to_medium = rest[:1] == ["til"] and len(texts) > keep + 1 and capital(texts[keep + 1])
    if (
        rest
        and rest[0] in ("i", "til", "for", "ved", "hos", "fra", "på")
        and len(texts) <= 5
        and not to_medium  # "Russisk soldat til TV 2": the medium it was said to
    ):
        # "Leiar i rusorganisasjon", "Kona til fredsprisvinnaren": the role's complement,
        # up to what the speaker did.
        end = keep + 1
        while end < len(texts) and texts[end].lower() not in _HEADLINE_STOP:
            if re.fullmatch(_VERB, texts[end].lower()):
                break
            end += 1
        keep = end
    if not texts[0][:1].isalpha() or texts[0].lower() in DETERMINERS:
        return None, -1, -1
    return " ".join(texts[:keep]), words[0].start(), words[keep - 1].end()


# Heads of the words that describe a speaker by role (compounds end in them: Sp-ordføreren,
# Russland-forsker, Skiskyttarforbundet) and the people or bodies that speak in headlines.
def _headline_matches(text: str) -> list[re.Match[str]]:
    """`X: – quote` at the start of each line of a title, after a kicker (`SE NÅ: Støre: – ...`)."""
    found = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        kicker = _KICKER.match(text, line_start, line_end)
        m = None
        if kicker is not None and is_kicker(kicker.group("k")):
            m = _HEADLINE.match(text, kicker.end(), line_end)
        m = m or _HEADLINE.match(text, line_start, line_end)
        if m is not None:
            found.append(m)
        line_start = line_end + 1
    return found


def _headlines(text: str) -> list[Quote]:
    out: list[Quote] = []
    for m in _headline_matches(text):
        q, q_start = m.group("q").strip(), m.start("q")
        clause = _CLAUSE.search(q)
        if clause is not None:
            # "X: – Drastisk, seier skognæringa": the quote carries its own reporting clause.
            speaker, s, e = _speaker_after(text, q_start + clause.end())
            quote = q[: clause.start()].rstrip(" ,")
            out.append(
                Quote(quote, q_start, q_start + len(quote), speaker, clause.group("verb"), s, e)
            )
            continue
        speaker, s, e = (
            (None, -1, -1) if is_kicker(m.group("x")) else _headline_speaker(m.group("x"))
        )
        base = m.start("x")
        out.append(
            Quote(
                q,
                q_start,
                q_start + len(q),
                speaker,
                None,
                base + s if s >= 0 else -1,
                base + e if e >= 0 else -1,
            )
        )
    return out


def _quoted(text: str, pattern: re.Pattern[str]) -> list[Quote]:
    out: list[Quote] = []
    for m in pattern.finditer(text):
        q = m.group("q").strip().rstrip(",")
        if not q:
            continue
        window = text[max(0, m.start() - 100) : m.start()]
        after = _AFTER.match(text, m.end())
        if _WORKS.search(window):
            continue  # filmen «The Ice is Melting at the Poles»: a title, not speech
        speaker, verb, s_start, s_end = None, None, -1, -1
        head = window.rstrip(" –—-")
        opens = (not head.strip() and m.start() <= 100) or head[-1:] in ".!?:\n"
        colon = window.rstrip().endswith(":")
        before = _BEFORE.search(window) if colon else None  # costly: only where it can apply
        det = _det_clause(text, m.end() - 1, _line_end(text, m.end())) if after is None else None
        if after is not None and opens:
            verb = after.group("verb")
            speaker, s_start, s_end = _speaker_after(text, after.end())
        elif det is not None and opens:
            verb = det[0].group("verb")  # «...». Det skriver departementet i en e-post.
            speaker, s_start, s_end = _speaker_after(text, det[0].end())
        elif before is not None:
            offset = max(0, m.start() - 100)
            verb = before.group("verb")
            s_start, s_end = offset + before.start("pre"), offset + before.end("pre")
            speaker = clean_speaker(before.group("pre").split(",")[-1])
        elif not _whole_paragraph(text, m.start(), m.end()) or len(q.split()) < 4:
            continue  # «uakseptabelt», a title, a term: no reporting verb, no speech
        start = m.start("q") + (len(m.group("q")) - len(m.group("q").lstrip()))
        out.append(Quote(q, start, start + len(q), speaker, verb, s_start, s_end))
    return out


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _whole_paragraph(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start:start].strip() and not text[end:line_end].strip(" .")


def _source_words(phrase: list[str]) -> int:
    """How many words of what follows `ifølge` name the source: a name after its title
    (`president Vladimir Putin`), a genitive and its noun (`landets forsvarsdepartement`), a
    determiner, adjectives and their noun (`det sørkoreanske forsvaret`), else one noun."""
    take = 1
    named = next((i for i, w in enumerate(phrase[:3]) if capital(w)), -1)
    if named >= 0 and (named == 0 or phrase[0].lower() not in DETERMINERS | {"ham", "henne"}):
        take = named + 1
        while take < len(phrase) and is_name_word(phrase[take]):
            take += 1
        return take
    if phrase[0].lower() in DETERMINERS and len(phrase) > 1:
        take = 2
    # adjectives (-e) and genitives (-s) before their noun: "lokale styresmakter"
    while take < min(len(phrase), 5) and re.fullmatch(r"[a-zæøå-]+[es]", phrase[take - 1]):
        if phrase[take - 1].lower() in DETERMINERS or phrase[take].lower() in _HEADLINE_STOP:
            break
        take += 1
    return take


def _attributions(text: str) -> list[Quote]:
    """`ifølge X`: the rest of the sentence, attributed to X (reported speech, not verbatim).
    A news agency (`ifølge Reuters`) is where the news came from, not who said it: no row."""
    out: list[Quote] = []
    for m in _IFOLGE.finditer(text):
        s_end = _clause_end(text, m.end())
        who = re.match(r"[^,.!?\n]+", text[m.end() : s_end])
        if who is None or is_agency(who.group()):
            continue
        phrase = who.group().split()
        take = _source_words(phrase)
        speaker = clean_speaker(" ".join(phrase[:take]))
        if speaker is None:
            continue
        source_end = m.end() + len(" ".join(phrase[:take]))
        stops = [
            m2.end()
            for m2 in re.finditer(r"[.!?]\s+|\n", text[max(0, m.start() - 300) : m.start()])
        ]
        sentence_start = max(0, m.start() - 300) + stops[-1] if stops else max(0, m.start() - 300)
        if sentence_start < m.start() and text[sentence_start : m.start()].strip(" ,"):
            quote = text[sentence_start : m.start()].rstrip(" ,")
            start = sentence_start
            source_end = s_end  # "..., ifølge leder i NOF Torbjørn Bongo.": the whole source
        else:
            rest = source_end
            aside = re.match(r",[^,.!?\n]{1,80},", text[rest:s_end])
            if aside is not None:  # "Ifølge Andriy Yermak, ved presidentens kontor, var det ..."
                rest += aside.end()
            rest_end = _clause_end(text, rest)
            quote = text[rest:rest_end].strip(" ,")
            start = text.find(quote, rest) if quote else -1
        if start < 0 or len(quote.split()) < 2:
            continue
        out.append(
            Quote(
                quote, start, start + len(quote), speaker, "ifølge", m.end(), source_end, "reported"
            )
        )
    return out


def find_quotes(text: str, headline: bool = False) -> list[Quote]:
    """Dash speech, «guillemets», double quotes and `ifølge` attributions in text order, without
    overlaps; with `headline`, also the `X: – quote` form of titles."""
    found = (
        (_headlines(text) if headline else [])
        + _dash_quotes(text)
        + _quoted(text, _GUILLEMETS)
        + _quoted(text, _CURLY)
        + _attributions(text)
    )
    found.sort(key=lambda q: (q.start, -q.end))
    out: list[Quote] = []
    reach = -1  # the furthest end of a kept quote: sorted by start, so no overlap test per pair
    for q in found:
        if q.quote and q.start >= reach:
            out.append(q)
            reach = max(reach, q.end)
    return out
