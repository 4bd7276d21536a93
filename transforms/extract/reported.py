"""Reported speech in narrative sentences, as `kind = reported` quotes with their speaker.

Three forms, bokmål and nynorsk (`ifølge X` is in quotes.py):
- `X sier (til NRK / på Twitter / onsdag) at CLAUSE`: the quote is the clause after `at` to the
  end of the sentence; X before the verb, or after it when something else opens the sentence
  (`Til Dagbladet opplyser krimvaktleder Kari Hansen at ...`, `Nå sier han at ...`); `at` may
  be left out before a pronoun and its verb (`Støre sier han baserer seg på ...`);
- `Det opplyser X (til NRK).`: the sentence before it, in the same paragraph, is X's;
- `SENTENCE, melder politiet.`: the sentence before the comma is the speaker's.

Precision comes first: the speaker must be a person or an organisation the tagger found in the
speaker words, a role (`Politiet`, `Statsministeren`) or `han`/`hun`/`ho` (resolved as for direct
quotes); a news agency or a newsroom (`CNN skriver at`, `..., skriver Reuters`) gives no row, nor
does a subject that is a clause, a thing (`Rapporten bekrefter at`) or a genitive's owner
(`Putins talsperson` is not Putin). Text already quoted (a direct quote, `ifølge`) is never
taken again: the finder reads the text with those quotations blanked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nordwire.schemas.items import Mention
from nordwire.transforms.extract.clauses import MEDIA
from nordwire.transforms.extract.quotes import Quote
from nordwire.transforms.extract.speakers import (
    AUXILIARIES,
    DETERMINERS,
    PRONOUNS,
    capital,
    clean_speaker,
    is_agency,
    is_role,
    words,
)

# Verbs that report what somebody said or wrote, present and past, bokmål and nynorsk.
_SAY_WORDS = (
    "sier sa seier sei uttaler uttalte uttalar opplyser opplyste opplyser bekrefter bekreftet "
    "bekrefta stadfester stadfestet stadfestar stadfesta skriver skrev skreiv skriv mener mente "
    "meiner meinte hevder hevdet hevda hevdar forteller fortalte fortel fortalde understreker "
    "understreket understreka varsler varslet varsla varslar advarer advarte åtvarar åtvara "
    "erkjenner erkjente innrømmer innrømmet innrømte vedgår vedgjekk påpeker påpekte peikar "
    "forklarer forklarte forklarar melder meldte presiserer presiserte fastslår fastslo "
    "kunngjør kunngjorde erklærer erklærte konstaterer konstaterte poengterer poengterte "
    "tvitrer tvitret opplyste"
)
_MULTI = r"legger til|la til|slår fast|slo fast|nekter for|nektet for|nekta for|nektar for"
_SAY = rf"{_MULTI}|" + "|".join(sorted(set(_SAY_WORDS.split()), key=len, reverse=True))
_VERB = re.compile(rf"\b(?P<verb>{_SAY})\b")
_AT = re.compile(r"\bat\s+(?=\S)")
# A period inside a number or an abbreviation (`klokka 3.30`, `Adm.dir.`) ends nothing.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s.!?]))*(?:[.!?]+|(?=\n)|$)")
# A newspaper or broadcaster cited as the source (`..., skriver Stavanger Aftenblad`).
_MEDIUM = re.compile(
    r"(?:posten|avisen|avisa|avis|bladet|blad|tidende|tidene|tidend|dagblad|budstikke|"
    r"folkeblad|nytt|news|times|post|journal|tribune|guardian|telegraph|spiegel|monde|"
    r"zeitung|bladet|kanalen|radio|tv|24)$",
    re.IGNORECASE,
)
_MEDIA_NAMES = words(
    "ta bt ba ht fvn ao oa rb gd itromsø nordlys e24 rett24 europower frifagbevegelse "
    "politico axios bild bbc cnn nrk vg aftenposten dagbladet nettavisen dn tv2 p4 "
    "finansavisen klassekampen dagsavisen vårt land dagens næringsliv morgenbladet"
)
_DATELINE = re.compile(r"\s*(?:[A-ZÆØÅ][A-ZÆØÅ/ .-]*\s*)?\([^()\n]{1,60}\)\s*:?\s*")
# Between the verb and `at`: when, where, to whom (`sier onsdag til NRK at`).
_ADVERBS = words(
    "videre også og samtidig nå no tidligere tidlegare seinare senere derfor likevel dessuten "
    "selv sjølv dag går kveld morgen morgon ettermiddag natt formiddag helga helgen "
    "mandag tirsdag onsdag torsdag fredag lørdag søndag tysdag laurdag sundag også nok klart "
    "tydelig tydeleg sent seint tidlig tidleg"
)
_PREPOSITIONS = words("til overfor ifølge på i under etter ved via gjennom hos mot for om frå fra")
# Sentence openers that put the subject after the verb (Norwegian puts the verb second).
_FRONTED = words(
    "nå no da så samtidig her der likevel derfor også men etterpå tidligere tidlegare seinare "
    "senere først dermed selv sjølv i dag går kveld morgen ettermiddag natt helga helgen mandag "
    "tirsdag onsdag torsdag fredag lørdag søndag tysdag laurdag sundag"
)
_DET = re.compile(rf"(?:Det|Dette|Slik)\s+(?P<verb>{_SAY})\s+(?=\S)")
_TAIL = re.compile(rf",\s*(?P<verb>{_SAY})\s+(?=\S)")
_CLAUSE_WORDS = AUXILIARIES | words("at som når fordi hvis dersom om er var men å ikke ikkje")
Found = tuple[Quote, str | None]  # the quote and its speaker (None: a pronoun, to resolve)


def _speaker(
    text: str, start: int, end: int, field: str, mentions: Sequence[Mention]
) -> tuple[str | None, str, int, int] | None:
    """Who the words text[start:end] name: (resolved or None for a pronoun, as written, span),
    or None when they name no one who speaks (a thing, a clause, an agency, a newsroom)."""
    phrase = text[start:end]
    lead = len(phrase) - len(phrase.lstrip(" ,–—-"))
    phrase = phrase.strip(" ,–—-")
    start += lead
    end = start + len(phrase)
    tokens = phrase.split()
    if not tokens or len(tokens) > (12 if "," in phrase else 7):
        return None
    if is_agency(phrase) or _is_medium(tokens):
        return None
    if any(t.lower() in _CLAUSE_WORDS for t in tokens):
        return None  # "Politiet slår fast at denne ikke var reell og": a clause, not a subject
    raw = clean_speaker(phrase) or phrase
    if len(tokens) == 1 and tokens[0].lower() in ("han", "hun", "ho"):
        return None, tokens[0].lower(), start, end
    if tokens[0].lower() in PRONOUNS and tokens[0].lower() not in DETERMINERS:
        return None
    named = [m for m in mentions if m.field == field and start <= m.start and m.end <= end]
    for m in named:
        after = text[m.end : end].split()[:1]
        if m.text.endswith("s") and after and not capital(after[0]):
            continue  # "Putins talsperson", "Natos medlemsland": the owner does not speak
        if m.label == "PER":
            name = _with_particles(text, m, named, start, end)
            return name, raw if m.text in raw else phrase, start, end
        if m.label.startswith(("ORG", "GPE_ORG")) and m.start == start:
            return m.normalised, phrase, start, end
    if is_role(phrase):  # no person named but as a genitive's owner
        return phrase, phrase, start, end  # "Ordføreren i Aukra", "En tidligere soldat"
    return None


_PARTICLE_NAME = re.compile(r"\s(?:ten|ter|van|von|de|der|den|da|di|du|le|la|al|bin|af)\s\S+")


def _with_particles(text: str, m: Mention, named: Sequence[Mention], start: int, end: int) -> str:
    """The person's name with the particle and surname the tagger cut off (`Erik` + `ten Hag`,
    `ten` + `Hag`), within the speaker words."""
    if m.text != m.normalised:
        return m.normalised  # the tagger's fuller form of the name wins
    s, e = m.start, m.end
    after = _PARTICLE_NAME.match(text, e, end)
    if after is not None and capital(after.group().split()[-1]):
        e = after.end()
    head = text[start:s].split()
    if head and head[-1] in ("ten", "ter", "van", "von", "de", "der", "da", "di", "du", "le"):
        s -= len(head[-1]) + 1
        left = [o for o in named if o.label == "PER" and o.end == s - 1]
        s = left[0].start if left else s
    return text[s:e].rstrip(".,")


def _is_medium(tokens: list[str]) -> bool:
    """Whether speaker words name a newsroom (`NRK`, `TV 2`, `Stavanger Aftenblad`, `Sky News`)."""
    names = [t.strip(".,()").lower() for t in tokens]
    if {names[0], "".join(names[:2]), " ".join(names[:2])} & (MEDIA | _MEDIA_NAMES):
        return True
    return all(capital(t) or t[:1].isdigit() for t in tokens) and bool(_MEDIUM.search(names[-1]))


def _gap_ok(gap: list[str]) -> bool:
    """Whether words between the verb and `at` only say when, where or to whom (`onsdag til
    NRK`, `i en pressemelding`), not a second clause (`sier han baserer seg på at`)."""
    i = 0
    while i < len(gap):
        w = gap[i].lower().strip(",()")
        if w in _ADVERBS:
            i += 1
        elif w in _PREPOSITIONS:
            i += 1
            if i < len(gap) and gap[i].lower() in DETERMINERS:
                i += 1
            taken = 0
            while i < len(gap) and taken < 4 and gap[i].lower().strip(",") not in _PREPOSITIONS:
                if gap[i].lower().strip(",") in _CLAUSE_WORDS | PRONOUNS:
                    return False
                i += 1
                taken += 1
        else:
            return False
    return len(gap) <= 10


def _tail_end(text: str, start: int, end: int) -> int:
    """The quote's end: before a trailing `, skriver Reuters` or `, ifølge AFP`, and the
    sentence's closing punctuation."""
    cut = re.search(rf",\s*(?:ifølge|ifylgje|{_SAY})\s+[^,]{{1,60}}$", text[start:end])
    if cut is not None:
        end = start + cut.start()
    return start + len(text[start:end].rstrip(" .!?:,;"))


def _split_speaker(text: str, start: int, end: int) -> int:
    """Where the speaker words after an inverted verb end: before what follows them (`til
    NRK`, `på Telegram`, `, ifølge AFP`, a time)."""
    at = start
    for w in re.finditer(r"[^\s,]+|,", text[start:end]):
        word = w.group().lower()
        if word in _PREPOSITIONS - {"i"} or word in _ADVERBS - {"og"} or word == "ifølge":
            break
        if word == "i" and at > start and not capital(text[start + w.end() :].lstrip()[:1]):
            break  # "i en e-post"; "Kjersti Myhre i Oslo politidistrikt" stays
        if word == "," and re.match(r",\s*(?:ifølge|til|på|i)\s", text[start + w.start() :]):
            break
        at = start + w.end()
    return at


def _after_verb(text: str, v_end: int, stop: int) -> tuple[int, bool]:
    """The end of the speaker words after a verb that ends its sentence (`Det opplyser X til
    NRK.`), and whether nothing but when, where and to whom follows them."""
    at = _split_speaker(text, v_end, stop)
    rest = text[at:stop].replace(",", " ").split()
    return at, _gap_ok(rest)


def find_reported(text: str, masked: str, field: str, mentions: Sequence[Mention]) -> list[Found]:
    """The reported speech of a field (`masked`: its text with quotations blanked); the
    speaker comes from the tagger's names and the role words only."""
    out: list[Found] = []
    if _VERB.search(masked) is None:  # every form needs a speech verb: most fields have none
        return out
    sentences = [m for m in _SENTENCE.finditer(masked) if m.group().strip()]
    for n, sent in enumerate(sentences):
        s, e = sent.start(), sent.end()
        if _VERB.search(masked, s, e) is None:
            continue
        s += len(sent.group()) - len(sent.group().lstrip())
        dateline = _DATELINE.match(masked, s, e)
        if dateline is not None:
            s = dateline.end()  # "STAVANGER (TV 2): Statsadvokaten mener at ..."
        found = _det_form(text, masked, sentences, n, s, e, field, mentions)
        found = found or _at_form(text, masked, s, e, field, mentions)
        found = found or _tail_form(text, masked, s, e, field, mentions)
        if found is not None:
            out.append(found)
    return out


def _quote(
    text: str, q_start: int, q_end: int, who: tuple[str | None, str, int, int], verb: str
) -> Found:
    return Quote(
        text[q_start:q_end], q_start, q_end, who[1], verb, who[2], who[3], "reported"
    ), who[0]


_BARE = re.compile(
    r"\s+(?:(?:også|videre|nå|no|samtidig)\s+)?(?P<q>(?:han|hun|ho|de|dei|det|vi|me|jeg|eg)"
    r"\s+(?P<fin>[a-zæøå]+)\b)"
)


def _finite(word: str) -> bool:
    """Whether a word after a pronoun looks like a finite verb (`vil`, `baserer`, `fikk`)."""
    return word in AUXILIARIES or bool(re.search(r"(?:er|ar|te|de|dde|et)$", word))


def _fronted(before: str) -> bool:
    """Whether the words before the verb are an adverbial (`Nå`, `Til Dagbladet`, `I dag`),
    so the subject follows the verb."""
    parts = before.lower().split()
    return (
        before.lower() in _FRONTED
        or all(w in _FRONTED for w in parts)
        or (parts[0] in _PREPOSITIONS)
    )


def _at_form(
    text: str, masked: str, s: int, e: int, field: str, mentions: Sequence[Mention]
) -> Found | None:
    """`X sier (til NRK) at ...` and `Til NRK sier X at ...`."""
    for v in _VERB.finditer(masked, s, e):
        before = masked[s : v.start()].strip()
        if not before:
            continue
        bare = _BARE.match(masked, v.end(), e)
        at = _AT.search(masked, v.end(), e)
        if bare is not None and not _fronted(before) and _finite(bare.group("fin")):
            # "Ola Hansen sier han vil anke": `at` left out before a pronoun and its verb
            gap_end, q_start = bare.start("q"), bare.start("q")
        elif at is not None:
            gap_end, q_start = at.start(), at.end()
        else:
            return None
        gap = masked[v.end() : gap_end]
        if _fronted(before):
            cut = _split_speaker(masked, v.end(), gap_end)
            who = _speaker(text, v.end(), cut, field, mentions)
            ok = _gap_ok(masked[cut:gap_end].replace(",", " ").split())
        else:
            who = _speaker(text, s, v.start(), field, mentions)
            ok = _gap_ok(gap.split())
        q_end = _tail_end(text, q_start, e)
        if who is None or not ok or len(text[q_start:q_end].split()) < 3:
            return None
        if masked[q_start:q_end] != text[q_start:q_end]:
            return None  # a direct quote inside: never doubled
        return _quote(text, q_start, q_end, who, v.group("verb"))
    return None


def _det_form(
    text: str,
    masked: str,
    sentences: Sequence[re.Match[str]],
    n: int,
    s: int,
    e: int,
    field: str,
    mentions: Sequence[Mention],
) -> Found | None:
    """`Det opplyser X.`: the sentence before, when it is in the same paragraph and not a
    quotation already."""
    m = _DET.match(masked, s, e)
    if m is None or n == 0:
        return None
    stop = s + len(masked[s:e].rstrip(" .!?:"))
    cut, ok = _after_verb(masked, m.end(), stop)
    who = _speaker(text, m.end(), cut, field, mentions)
    prev = sentences[n - 1]
    p_start = prev.start() + len(prev.group()) - len(prev.group().lstrip())
    p_end = p_start + len(text[p_start : prev.end()].rstrip(" .!?:"))
    if who is None or not ok or "\n" in text[p_end:s] or masked[prev.end() - 1 : prev.end()] == ":":
        return None
    if masked[p_start:p_end] != text[p_start:p_end] or not capital(text[p_start:p_end]):
        return None
    if len(text[p_start:p_end].split()) < 4:
        return None
    return _quote(text, p_start, p_end, who, m.group("verb"))


def _tail_form(
    text: str, masked: str, s: int, e: int, field: str, mentions: Sequence[Mention]
) -> Found | None:
    """`SENTENCE, melder politiet.`: the sentence before the comma."""
    stop = s + len(masked[s:e].rstrip(" .!?:"))
    tails = list(_TAIL.finditer(masked, s, stop))
    if not tails:
        return None
    m = tails[-1]
    cut, ok = _after_verb(masked, m.end(), stop)
    who = _speaker(text, m.end(), cut, field, mentions)
    q_end = m.start()
    if who is None or not ok or masked[s:q_end] != text[s:q_end] or not capital(text[s:q_end]):
        return None
    if len(text[s:q_end].split()) < 4:
        return None
    return _quote(text, s, q_end, who, m.group("verb"))
