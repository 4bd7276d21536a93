"""The words that name a speaker: a name from a reporting clause, a role, never a determiner.

Shared by the quote finder (quotes.py) and the extraction stage's speaker resolution.
"""

from __future__ import annotations

import itertools
import re


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of `text` (word lists read as prose)."""
    return frozenset(text.split())


PRONOUNS = frozenset({"han", "hun", "ho", "de", "dei", "vi", "eg", "jeg", "den", "det"})
_DETERMINER_PRONOUNS = frozenset({"den", "det", "de", "dei"})
# "det vil vera ...": a pronoun and its verb, not a determiner and its noun
AUXILIARIES = words(
    "vil skal kan må er var har hadde blir ble vert vart blei får fikk fekk går kommer kjem ser "
    "bør burde ville skulle kunne"
)
# Words that open a noun phrase but never name a speaker on their own.
DETERMINERS = frozenset(
    {"en", "ei", "et", "ein", "eit", "den", "det", "denne", "dette", "disse", "dei", "de"}
    | {"flere", "fleire", "noen", "nokon", "mange", "ingen", "alle", "begge", "hans", "hennes"}
)
# A descriptor stops before these: the addressee, the medium, a time, a second clause.
_STOP = frozenset(
    {"til", "på", "overfor", "ifølge", "som", "da", "når", "og", "etter", "med", "for"}
    | {"under", "før", "ved", "om", "fra", "i", "at", "men", "der", "no", "nå", "også"}
    | {"mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag", "til"}
)
# First names that end in s, so a leading "Hans" is not taken for a genitive.
S_NAMES = frozenset(
    [
        "hans",
        "jonas",
        "lars",
        "nils",
        "mads",
        "klaus",
        "tobias",
        "elias",
        "andreas",
        "matias",
        "mathias",
        "thomas",
        "magnus",
        "marius",
        "julius",
        "markus",
        "marcus",
        "jens",
        "agnes",
        "iris",
        "ines",
        "linus",
        "niklas",
        "nicolas",
        "nikolas",
        "lukas",
        "kristofferses",
        "ellis",
        "louis",
        "charles",
        "james",
        "chris",
        "doris",
        "gladys",
        "janis",
        "jacques",
        "carlos",
        "luis",
        "dennis",
    ]
)
_PARTICLES = frozenset(
    {"von", "van", "de", "al", "bin", "der", "den", "la", "le", "di", "da", "ten", "ter"}
)
# News agencies relay what others say: "..., melder AFP" names the channel, not the speaker.
NEWS_AGENCIES = words(
    "afp reuters ntb ap anb dpa bloomberg tt ritzau interfax tass ria xinhua yonhap kyodo efe "
    "ansa ukrinform unian"
) | {"associated press", "ria novosti", "agence france-presse"}
_AGENCY_NOUN = re.compile(r"\bnyhetsbyr[åa]", re.IGNORECASE)
_AGENCY_ANY = re.compile(
    r"\b(?:" + "|".join(sorted(NEWS_AGENCIES, key=len, reverse=True)) + r")\b|nyhetsbyr",
    re.IGNORECASE,
)
# Headline kickers: the label of a feature or a live page before the colon ("SE NÅ: – ...",
# "LIVE: ..."), never a speaker.
KICKERS = words(
    "se nå no live video direkte siste nytt nyheter breaking oppdatert oppdatering kommentar "
    "analyse leder debatt kronikk intervju pluss ekstra anmeldelse podkast podcast quiz "
    "grafikk bilder galleri reportasje blogg sjekk les hør test minutt for"
)


def is_agency(words: str) -> bool:
    """Whether speaker words name a news agency (`AFP`, `Reuters og AFP`, `nyhetsbyrået Tass`);
    what follows a stop word is not the speaker (`Putin til nyhetsbyrået Tass` is Putin)."""
    if not _AGENCY_ANY.search(words):
        return False
    head: list[str] = []
    for w in words.split(",")[0].split():
        if w.lower() in _STOP - {"og"}:
            break
        head.append(w)
    words = " ".join(head)
    if _AGENCY_NOUN.search(words):
        return True
    names = [
        w.strip(".").lower() for w in re.split(r"[\s,/&]+", words) if w and w not in ("og", "and")
    ]
    return bool(names) and (
        all(n in NEWS_AGENCIES for n in names) or " ".join(names) in NEWS_AGENCIES
    )


def is_kicker(phrase: str) -> bool:
    """Whether a headline's words before the colon are a kicker: the label words (`SE NÅ`,
    `Live`, `VIDEO`) or several words all in capitals (`STORE PLANER`); a single acronym
    (`WWF`, `NHO`) is a name."""
    words = phrase.split()
    if not words:
        return False
    if all(w.lower() in KICKERS for w in words):
        return True
    return len(words) > 1 and all(w.isupper() for w in words)


def capital(word: str) -> bool:
    return word.lstrip('«“"')[:1].isupper()


def is_name_word(word: str) -> bool:
    return word[:1].isupper() or word in _PARTICLES


def clean_speaker(raw: str) -> str | None:
    """The speaker words of a reporting clause: a name (capitalised words, titles before it
    dropped) or a short descriptor (`samboeren`, `leiaren i Foreningen`); never a lone
    determiner, and nothing past a stop word."""
    parts = raw.split(",")
    for part in parts[1:]:
        # "veisjef i Vegvesenet, Kristin Greaker Carlsson": the apposition after the comma names them.
        if part.strip()[:1].isupper():
            named = clean_speaker(part)
            if named and named[:1].isupper():
                return named
    words = [w.strip(",.;:()") for w in parts[0].split()]
    words = [w for w in words if w]
    if not words:
        return None
    first = words[0].lower()
    if first in PRONOUNS:  # "sa han", "Han sa:": resolved by the extraction stage, "den" never
        if first not in _DETERMINER_PRONOUNS:
            return first
        if len(words) == 1 or words[1].lower() in _STOP | PRONOUNS | AUXILIARIES:
            return None
        # "sier den første franske vinneren av prisen": a determiner opening a description
    # The name of an apposition: the first run of capitalised words (after a title such as
    # "assisterende PST-sjef"); a hyphenated title ("PST-sjef", "Ap-topp") before a name is not
    # part of it.
    for i, w in enumerate(words[:8]):
        if capital(w):
            run = [w]
            for nxt in words[i + 1 :]:
                if capital(nxt) or (nxt in _PARTICLES and nxt is not words[-1]):
                    run.append(nxt)
                else:
                    break
            while len(run) > 1 and "-" in run[0] and run[0].split("-")[-1].islower():
                run = run[1:]
            # "Rødts Mímir Kristjánsson", "NRKs Ola Nordmann": an organisation's genitive.
            if len(run) > 2 and run[0].endswith("s") and run[0].lower() not in S_NAMES:
                run = run[1:]
            while run and run[-1] in _PARTICLES:
                run.pop()
            if i == 0 or all(x.lower() not in _STOP for x in words[:i]):
                return " ".join(run) if run else None
            break
        if w.lower() in _STOP:
            break
    kept: list[str] = []
    for w in words[:6]:
        if w.lower() in _STOP and kept and kept[-1].lower() not in DETERMINERS:
            break
        kept.append(w)
    while kept and kept[-1].lower() in DETERMINERS | _STOP | {"av", "frå"}:
        kept.pop()
    if not kept or (len(kept) == 1 and (kept[0].lower() in DETERMINERS or len(kept[0]) < 3)):
        return None
    return " ".join(kept)


_ROLE_WORDS = (
    "leder lederen leiar leiaren sjef sjefen ekspert eksperten eksperter ekspertar forsker "
    "forskeren forskar forskaren minister ministeren president presidenten direktør "
    "direktøren ordfører ordføreren ordførar ordføraren trener treneren trenar trenaren "
    "advokat advokaten advokatar advokater talsperson politiker politikeren politikar topp "
    "toppen toppane toppene lege legen legane legene professor professoren general "
    "generalen ambassadør ambassadøren ambassade ambassaden rådmann redaktør redaktøren "
    "forbund forbundet politiet regjeringen regjeringa partiet departementet direktoratet "
    "kommune kommunen tilsynet nemnda retten styret klubben foreningen foreininga laget "
    "selskapet bedriften ansatte tilsette tillitsvalgt tillitsvald lærer lærar lærarane "
    "lærerne rektor sykepleier sykepleiere sjukepleiar bonde bønder fisker fiskar sjåfør "
    "vitne vitner vitnet naboer naboar foreldre foreldra elever elevar elevene beboere "
    "bebuarar innbyggere innbyggjarar supportere supporterne folk fans medlemmer medlemar "
    "kona kone mannen faren far mora mor moren søster søstera søsteren bror broren sønn "
    "sønnen datter dattera datteren enka enken samboer samboeren kjæresten venn vennen "
    "venninne offeret pappa mamma ektemannen mora spiller spilleren spelar spelaren "
    "profiler kaptein kapteinen stjerne stjerna stjernen sjefane sjefene kritikere kritikarar "
    "deltaker deltakar deltager deltakere deltakarar deltagere leiren soldat soldaten soldater "
    "profil profilen kjendis kjendisen veteran veteranen mottaker mottakar vinner vinnaren vinneren "
    "politidistrikt politidistriktet talsmann talskvinne talsperson talspersonen"
)
_ROLE_ENDINGS = tuple(_ROLE_WORDS.split())
_PREPOSITIONS = frozenset({"i", "til", "for", "ved", "hos", "fra", "på", "med", "om", "mot"})


def is_role(phrase: str) -> bool:
    """Whether a speaker phrase describes a person or a body by role (`Kulturministeren`,
    `Leiar i rusorganisasjon`, `Russlands ambassadør`, `FHI`), not a topic or a verb."""
    words = phrase.split()
    if not words:
        return False
    if re.fullmatch(r"[A-ZÆØÅ]{2,6}", words[0]):
        return True  # an acronym opens it: FHI, WWF, LO, SV
    # The noun phrase before any complement ("Leiar | i rusorganisasjon"): one of its words
    # is the role ("Internasjonale ekspertar", "Russlands ambassadør", "Brad Pitts advokat").
    head = list(itertools.takewhile(lambda w: w.lower() not in _PREPOSITIONS, words))
    return any(w.lower().endswith(_ROLE_ENDINGS) for w in head[:4])
