"""Spelling cues a reader uses to tell Norwegian from Swedish and Danish, and nynorsk from bokmål.

Each list holds common words whose written form one language uses and the others do not
(Norwegian `ikke`/`ikkje`, Swedish `inte`, Danish `ikke` too, so `ikke` tells bokmål from
nynorsk but not Norwegian from Danish). Only frequent function words and regular spellings
are listed: the lists describe the written languages, not any one feed. Words with a capital
first letter inside a text are skipped, since names (Björn, Malmö, Nielsen) carry no evidence
about the language around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Swedish: function words and frequent forms that are not written so in Norwegian or Danish.
SWEDISH = _words(
    "och inte är för från till också menar hela sig efter när vad varför hur mycket bara "
    "sedan mellan jag hon deras våra honom själv själva måste finns fick gick blev varit "
    "göra säger gör här där nu något några alla allt många flera även redan fortfarande "
    "aldrig enligt över genom tillbaka svenska polisen regeringen kronor procent miljoner "
    "miljarder kvinnor män"
)
# Danish: forms bokmål writes differently (av, seg, meg, nå, ble, sa, gjennom, uten, ...).
DANISH = _words(
    "af sig mig dig nu blev blevet sagde siger bliver havde gøre gør gik fik ud uden mellem "
    "endnu måske vores jeres nogle noget nogen hvad lidt efter gennem imod efterhånden "
    "spørgsmål regeringen procent kvinde kvinder mand mænd børn"
)
# English and German: frequent function words no Norwegian sentence uses (not her, is, hat,
# eine: Norwegian words too; `the` in a quoted
# title is one word; a story in English has several).
ENGLISH = _words(
    "the and of are was were with that this from have has had been will would which their "
    "they she his who what about after into than there when where said says it its you your "
    "we our not very does did could should am because these those them him"
)
GERMAN = _words(
    "und ist nicht mit für einen einem auch sich wird wurde werden sind nach über dass zum "
    "zur beim vom haben wir sie ich aber oder wie noch"
)
# Nynorsk forms bokmål does not use, and bokmål forms nynorsk does not use.
NYNORSK = _words(
    "ikkje eg berre kva korleis kvifor kven kvar frå vere vore vart vorte verte dei desse "
    "ein eit meir mykje noko nokon nokre kjem kome gjer gjekk fekk sjølv heile fleire òg "
    "hjå ho dykk saman heime inkje difor framleis enno sidan utan verda dagar månader veker "
    "medan allereie sjeldan heilt eigen eige eigne gong gongen vert veit elles dessutan hugs "
    "då kor kvarandre kvart sjølve attende same fyrst fyrste seinare"
)
BOKMAL = _words(
    "ikke jeg hva hvordan hvorfor hvem hvor fra være vært ble disse et mer mye noe noen "
    "kommer gjør gikk fikk selv hele flere hun sier sammen hjemme fremdeles ennå siden uten "
    "allerede sjelden egen egne ellers dessuten vet hverandre samme senere"
)
# Letters Norwegian never writes outside names and loanwords: Swedish ä ö, and Danish/German
# spellings are not letters of their own, so only the Swedish ones count.
SWEDISH_LETTERS = frozenset("äö")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
# Regular endings one written standard has and the other lacks: nynorsk -ane (definite
# plural, not -bane/-mane/-tane/-fane, which bokmål has too) and -leg (adjectives; not -lege,
# bokmål's tannlege). -lig is no bokmål cue: nynorsk writes billig and villig too.
_NN_SUFFIX = re.compile(r"\w{3,}(?:[^bfmt]ane|leg)$")


# Spellings only Norwegian has among its neighbours: kj and gj (Danish and Swedish write k, g:
# købe/köpa for kjøpe, gøre/göra for gjøre), the diphthong øy (Danish øj, Swedish ö) and -sjon
# (-tion elsewhere). Danish and Swedish share only gjort/gjorde and a few skj-words.
_NORWEGIAN_SPELLING = re.compile(r"kj|gj|øy|sjon(?:en|er|ene|ar|ane)?$")
_SHARED_SPELLING = re.compile(r"^(?:\w*gjor(?:t|de)|skjul|skjort|kjol)")


# Danish spellings Norwegian writes otherwise: øj and ej (øy, ei: øje, vej, arbejde; not ej
# before a vowel, which is a compound seam in skolejente), -hed (-het); -tion is Danish and
# Swedish for Norwegian -sjon.
_DANISH_SPELLING = re.compile(r"øj|ej(?![aeiouyæøå])|(?:hed|heden|heder)$")
_TION = re.compile(r"\w{2,}(?:tion|tionen|tioner|tionerne)$")

# Northern, Lule and Southern Sámi letters Norwegian never writes in a lower-case word; đ, ŋ
# and ŧ are Sámi's own, á with č, š or ž together is Sámi rather than Spanish or Czech.
SAMI_OWN = frozenset("đŋŧ")
SAMI_SHARED = frozenset("áčšž")
# Function words only Norwegian writes among its neighbours (Danish sig, mig, blev, hvad, noget,
# meget, efter, uden, gennem, mellem, end, op, fik, gik, igen, lidt, nu; Swedish sig, mig,
# blev, vad, något, mycket, efter, utan, genom, mellan, än, upp, fick, gick, igen, lite, nu):
# none occurs in the Danish or Swedish UD sentences, each in 5-60 of 1,000 Norwegian ones.
NORWEGIAN_WORDS = _words(
    "seg meg deg ble hva noe noen mye etter uten gjennom mellom enn opp dere fikk gikk "
    "igjen litt veldig lenge kanskje nå sånn tilbake"
)
# Norwegian words Swedish shares but Danish writes otherwise (af, ud, os, mod, hendes, frem).
NOT_DANISH = _words("av ut oss mot hennes fram")
# Letters no Norwegian word has, which other languages write (Icelandic þ ð, Polish ł ś ż,
# Czech ř ě ů, Maltese ħ ġ, Latvian ā ē ī, Turkish ğ ı ş, Sámi č š ž đ ŋ ŧ ...). Not é è ê ò ô
# à (Norwegian writes kafé, vêr, òg), not ó (nynorsk fór), not ä ö ü (Swedish and German).
OTHER_LETTERS = frozenset("þðħġłőűășțęąśźżćńřěůõāēīūŵŷŭĉĝĥĵŝơưğışčšžđŋŧíúý")
# Northern Sámi function words and frequent forms no Norwegian text writes in lower case (not
# ja, `and` in Sámi but `yes` in Norwegian; not lei, son or go, Norwegian or English words too).
SAMI = _words(
    "lea leat ledje leamaš ahte dahje eai dán dát dál mii sii maid muhto gos gii sámi sámit "
    "sámegiella sámegiela sámegiel ođđa odne ihttin jagi jahki"
)


@dataclass(frozen=True, slots=True)
class Cues:
    """Counts of the cue words found in one text."""

    words: int
    swedish: int
    danish: int
    nynorsk: int
    bokmal: int
    english: int = 0
    german: int = 0
    norwegian: int = 0  # words only Norwegian writes: spellings (kj, gj, øy, -sjon), words
    not_danish: int = 0  # words Norwegian and Swedish write and Danish does not (av, ut, mot)
    sami: int = 0  # lower-case words with á č đ ŋ š ŧ ž
    sami_own: bool = False  # đ, ŋ or ŧ, or á together with č, š or ž, somewhere in them
    sami_words: int = 0  # Sámi function words (lea, leat, ahte, dahje ...)
    other_letters: int = 0  # lower-case words with a letter no Norwegian word has (þ, ł, ř ...)

    @property
    def looks_sami(self) -> bool:
        """Sámi spelling in at least two words and a fifth of all, or two Sámi function words
        and a fifth of all: no Norwegian text has that."""
        if self.sami_words >= 2 and self.sami_words >= 0.2 * self.words:
            return True
        return self.sami_own and self.sami >= 2 and self.sami >= 0.2 * self.words

    def foreign(self) -> dict[str, int]:
        """Cue counts of the languages that are not Norwegian, by the detector's class names."""
        return {
            "sv": self.swedish,
            "da": self.danish,
            "en": self.english,
            "de": self.german,
            "other": self.sami_words + self.other_letters,
        }

    @property
    def names(self) -> str:
        """The cues present, as `sv+nn` (empty when none), for the row that records them."""
        found = (
            ("sv", self.swedish),
            ("da", self.danish),
            ("nn", self.nynorsk),
            ("nb", self.bokmal),
            ("en", self.english),
            ("de", self.german),
            ("no", self.norwegian),
            ("notda", self.not_danish),
            ("se", self.sami_words),
            ("other", self.other_letters),
        )
        return "+".join(name for name, n in found if n)


def words_of(text: str) -> list[tuple[str, bool]]:
    """(lower-case word, written in lower case) for each word, without the names.

    A capitalised word after another word is a name and is left out; a capitalised word at a
    sentence start is kept, but only its lower-case letters tell (Björn at a headline's start).
    """
    out: list[tuple[str, bool]] = []
    for i, match in enumerate(_WORD.finditer(text)):
        word = match.group(0)
        before = text[max(0, match.start() - 3) : match.start()].strip()
        sentence_start = i == 0 or not before or before[-1] in ".!?:–-«\"'|"
        if word[0].isupper() and not sentence_start:
            continue
        out.append((word.lower(), word.islower()))
    return out


def cues(text: str) -> Cues:
    """Count the Swedish, Danish, English, German, nynorsk and bokmål cue words of `text`."""
    words = words_of(text)
    swedish = danish = nynorsk = bokmal = english = german = norwegian = sami = 0
    sami_words = other_letters = not_danish = 0
    sami_letters: set[str] = set()
    for w, lower in words:
        sami_words += w in SAMI
        other_letters += lower and not OTHER_LETTERS.isdisjoint(w)
        if lower and not (SAMI_SHARED | SAMI_OWN).isdisjoint(w):
            sami += 1
            sami_letters.update(ch for ch in w if ch in SAMI_SHARED | SAMI_OWN)
        if w in NORWEGIAN_WORDS or (
            lower and _NORWEGIAN_SPELLING.search(w) and not _SHARED_SPELLING.match(w)
        ):
            norwegian += 1
        not_danish += w in NOT_DANISH
        english += w in ENGLISH
        german += w in GERMAN
        if w in SWEDISH or (lower and not SWEDISH_LETTERS.isdisjoint(w)):
            swedish += 1
        tion = lower and bool(_TION.match(w))
        if w in DANISH or (lower and _DANISH_SPELLING.search(w)) or tion:
            danish += 1
        if tion and w not in SWEDISH:
            swedish += 1
        if w in NYNORSK or _NN_SUFFIX.match(w):
            nynorsk += 1
        if w in BOKMAL:
            bokmal += 1
    own = bool(sami_letters & SAMI_OWN) or ("á" in sami_letters and len(sami_letters) > 1)
    return Cues(
        len(words),
        swedish,
        danish,
        nynorsk,
        bokmal,
        english,
        german,
        norwegian,
        not_danish,
        sami,
        own,
        sami_words,
        other_letters,
    )
