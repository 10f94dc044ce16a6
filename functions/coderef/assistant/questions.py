"""Reading a CasePilot question: what kind of question it is, which codes it names, what it
is about. Pure text rules; whether a named code exists is the catalog's to say."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from coderef.assistant.grounding import code_tokens

MAX_QUESTION_LENGTH = 500


class QuestionKind(StrEnum):
    """Kinds of question, in the order they are tried; the value is the API's `kind`."""

    DEFINE = "define"
    COMPARE = "compare"
    TOGETHER = "together"
    SEVENTH_CHARACTER = "seventh_character"
    SEQUENCE = "sequence"  # what to code first, which additional code goes with a code
    CODES_FOR = "codes_for"
    GUIDELINE = "guideline"
    OPEN = "open"  # no code, no telling words: search the codes and the guidelines
    CROSSWALK = "crosswalk"  # an ICD-9-CM code to ICD-10, by CMS's GEMs
    CODE_NOT_FOUND = "code_not_found"  # not read from the text: a named code does not exist
    NOT_LOADED = "code_set_not_loaded"  # not read from the text: CPT or HCPCS, not loaded here


_SEVENTH = re.compile(
    r"\b(7th|seventh)\b|\bextension\b|\b(initial|subsequent)\s+(encounter|visit)|\bsequela",
    re.I,
)
_TOGETHER = re.compile(
    r"\btogether\b|\bboth\b|\balong\s*side\b|\balong with\b|\bsame (time|claim|encounter|record)"
    r"|\b(code[ds]?|coding|report(ed)?|bill(ed)?|use[ds]?|assign(ed)?)\b[^?]*\b(with|and)\b"
    r"|\bexclud",
    re.I,
)
_COMPARE = re.compile(
    r"\bdiffer|\bvs\b|\bversus\b|\bcompar|\bdistinguish|\bbetween\b|\bsame as\b", re.I
)
_CODES_FOR = re.compile(
    r"\b(codes?|coding|icd[- ]?10(?:[- ]?(?:cm|pcs))?)\b[^?]*?\b(for|of)\b\s*"
    r"|\bhow (do|should|would|can|to) (i |you |we )?(code|report|bill)\b\s*",
    re.I,
)
_GUIDELINE = re.compile(
    r"\bguideline|\bconvention|\bofficial (rule|guidance)|\bprincipal procedure"
    r"|\bcoded separately\b|\broot operation|\bmultiple procedures\b|\bdiscontinued\b"
    r"|\bcoded to the\b|\bbody part value|\bapproach value|\bdevice value",
    re.I,
)
_SEQUENCE = re.compile(
    r"\b(code[ds]? first|coded first|sequenc\w*|first[- ]listed|additional code|use additional"
    r"|code also|(code|codes|coded|report|reported) before|order of the codes|goes? with)\b",
    re.I,
)
# Two codes joined by "with", "and" or "+" ("E11.22 with N18.4") are asked about together.
_PAIRED = re.compile(r"^\s*(with|and|\+|&|plus)\s*$", re.I)
_NAMED_SETS = (
    (re.compile(r"\bcpt\b", re.I), "cpt"),
    (re.compile(r"\bhcpcs\b", re.I), "hcpcs"),
)
_SYSTEM_HINTS = (
    (re.compile(r"\bicd[- ]?10[- ]?pcs\b|\bpcs\b|\bprocedure code", re.I), "icd10pcs"),
    (re.compile(r"\bicd[- ]?10[- ]?cm\b|\bdiagnosis code", re.I), "icd10cm"),
)
_ENCOUNTER_WORDS = {
    "initial": "initial",
    "first": "initial",
    "subsequent": "subsequent",
    "follow": "subsequent",
    "followup": "subsequent",
    "sequela": "sequela",
    "sequelae": "sequela",
    "routine": "routine",
    "delayed": "delayed",
    "nonunion": "nonunion",
    "malunion": "malunion",
    "open": "open",
    "closed": "closed",
}
_FILLER = re.compile(
    r"^\s*(what|which|whats|what's|tell me|show me|list|give me|find|are|is|the|a|an|any|"
    r"me|please|all|there|available|possible|icd[- ]?10(?:[- ]?(?:cm|pcs))?|cm|pcs)\b\s*",
    re.I,
)


# ICD-9-CM codes (crosswalk questions). Diagnoses: 250, 250.0, 250.00; V45.81; E880.9.
# Procedures: 36.06, 36.6. Never the "9" or "10" of "ICD-9"/"ICD-10".
_ICD9_TOKEN = re.compile(
    r"(?<![\w.-])(?P<code>[VvEe]\d{2,3}(?:\.\d{1,2})?|\d{2,3}(?:\.\d{1,2})?)(?![\w-]|\.\d)"
)
_AFTER_ICD = re.compile(r"icd[- ]?$", re.I)
# Words that say the question is about ICD-9-CM or going from one code set to the other.
_ICD9_WORDS = re.compile(
    r"\bicd[- ]?9(?:[- ]?cm)?\b|\bgems?\b|\bgeneral equivalence|\bcross[- ]?walk|\bconver(t|sion)"
    r"|\bmap(s|ped|ping)?\b|\btranslat|\bequivalen",
    re.I,
)
_ICD10_TARGET = re.compile(
    r"\b(to|in|into|as|for)\s+(an?\s+)?icd[- ]?10"
    r"|\bicd[- ]?10(?:[- ]?(?:cm|pcs))?\s+(code|equivalent)",
    re.I,
)
_ICD10_NAMED = re.compile(r"\bicd[- ]?10", re.I)
_ICD_NAMES = re.compile(r"\bicd[- ]?(?:9|10)(?:[- ]?(?:cm|pcs))?\b", re.I)
# Words of asking, not of a topic: what is left of "What is the ICD-10 code for 250.00?".
_ASKING = frozenset(
    "what whats which the code codes for and equivalent equivalents icd does would please "
    "mean means tell give show diagnosis procedure number".split()
)
_ICD9_BEFORE = re.compile(
    r"icd[- ]?9(?:[- ]?cm)?(?:\s+(?:procedure|diagnosis|dx|px))?(?:\s+code)?\s*$", re.I
)


@dataclass(frozen=True)
class Icd9Named:
    """An ICD-9-CM code a question names, in display form (250.00, V45.81, 36.06)."""

    written: str
    code: str
    procedure: bool
    start: int
    end: int


def icd9_codes_in(text: str) -> list[Icd9Named]:
    """The ICD-9-CM codes a question names. E880.9 is ICD-9-CM by its shape alone. Other
    numbers (250.00, 250, procedures 36.06) count when the question speaks of ICD-9, the GEMs,
    converting or mapping, or when it is nothing but the code ("what is 250.00?", "401.9 in
    ICD-10"): "ICD-10 code for a fever of 102.5" is about a fever. V45.81, shaped like an
    ICD-10-CM code too, needs "ICD-9" before it, or ICD-9 words and ICD-10 as the target."""
    icd9_words = bool(_ICD9_WORDS.search(text))
    target = bool(_ICD10_TARGET.search(text))
    tokens = list(_ICD9_TOKEN.finditer(text))
    rest = _ICD_NAMES.sub(" ", _ICD9_TOKEN.sub(" ", text)).lower()
    bare = not [w for w in re.findall(r"[a-z]+", rest) if len(w) > 2 and w not in _ASKING]
    found = []
    for m in tokens:
        written = m.group("code")
        if _AFTER_ICD.search(text[: m.start()]):
            continue  # the 9 of "ICD-9", the 10 of "ICD 10"
        upper = written.upper()
        letter = upper[0] if upper[0] in "VE" else ""
        head = upper[len(letter) :].split(".")[0]
        dotted = "." in upper
        said_icd9 = bool(_ICD9_BEFORE.search(text[: m.start()]))
        if letter == "V" or (letter == "E" and len(head) == 2):
            # Shaped like an ICD-10-CM code too: only when ICD-9 is meant.
            if len(head) != 2 or not (said_icd9 or (icd9_words and target)):
                continue
        elif letter == "E":
            if len(head) != 3:
                continue
        elif not (said_icd9 or icd9_words or (bare and dotted)):
            continue
        elif len(head) == 2 and not dotted:
            continue  # a procedure is written 36.06; a bare "36" is a number
        procedure = not letter and len(head) == 2
        found.append(Icd9Named(written, upper, procedure, m.start(), m.end()))
    return found


def speaks_of_code_sets(text: str) -> bool:
    """The question names ICD-9/ICD-10, the GEMs, or converting from one set to the other."""
    return bool(_ICD9_WORDS.search(text) or _ICD10_NAMED.search(text))


@dataclass(frozen=True)
class NamedCode:
    written: str  # as the user typed it
    key: str  # catalog key it would have (R001)
    start: int
    end: int

    @property
    def strongly_written(self) -> bool:
        """Written the way people write codes (a dot, or capitals): a miss is worth reporting.
        A lower-case word such as 'b12' is read as a word when no such code exists."""
        return "." in self.written or self.written.upper() == self.written


@dataclass
class Question:
    text: str
    codes: list[NamedCode]
    system_hint: str | None
    encounter: list[str] = field(default_factory=list)
    asks_seventh: bool = False
    asks_together: bool = False
    asks_compare: bool = False
    asks_guideline: bool = False
    codes_for_topic: str | None = None  # what follows "codes for", when the question says so
    asks_sequence: bool = False
    named_sets: list[str] = field(default_factory=list)  # "cpt", "hcpcs" when named
    icd9: list[Icd9Named] = field(default_factory=list)  # ICD-9-CM codes to map to ICD-10

    def topic(self, without: list[NamedCode] | None = None) -> str:
        """The question's subject words: codes (or those given) and question phrasing out."""
        text = self.text
        for code in sorted(without if without is not None else self.codes, key=lambda c: -c.start):
            text = text[: code.start] + " " + text[code.end :]
        text = re.sub(r"[?!]+", " ", text)
        previous = None
        while previous != text:
            previous = text
            text = _FILLER.sub("", text)
        return " ".join(text.split())


def clean_question(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def read_question(raw: str) -> Question:
    text = clean_question(raw)
    icd9 = icd9_codes_in(text)
    codes = [
        NamedCode(w, k, s, e)
        for w, k, s, e in code_tokens(text)
        if not any(c.start <= s < c.end for c in icd9)  # V45.81 read as ICD-9-CM
    ]
    hint = next((system for pattern, system in _SYSTEM_HINTS if pattern.search(text)), None)
    lowered = re.findall(r"[a-z]+", text.lower())
    encounter = list(dict.fromkeys(_ENCOUNTER_WORDS[w] for w in lowered if w in _ENCOUNTER_WORDS))
    codes_for = _CODES_FOR.search(text)
    topic = None
    if codes_for:
        after = text[codes_for.end() :]
        topic = " ".join(re.sub(r"[?!]+", " ", after).split()) or None
    paired = any(_PAIRED.match(text[a.end : b.start]) for a, b in itertools.pairwise(codes))
    return Question(
        text=text,
        codes=codes,
        system_hint=hint,
        encounter=encounter,
        asks_seventh=bool(_SEVENTH.search(text)),
        asks_together=bool(_TOGETHER.search(text)) or paired,
        asks_compare=bool(_COMPARE.search(text)),
        asks_guideline=bool(_GUIDELINE.search(text)),
        codes_for_topic=topic,
        asks_sequence=bool(_SEQUENCE.search(text)),
        named_sets=[system for pattern, system in _NAMED_SETS if pattern.search(text)],
        icd9=icd9,
    )


def parts_of(topic: str) -> list[str]:
    """A topic's conditions, split where it joins them ("hypertension with CKD stage 3a",
    "sepsis due to E. coli with septic shock")."""
    pieces = re.split(r"\s*(?:\bwith\b|\band\b|\+|\bplus\b|,)\s*", topic, flags=re.I)
    return [p.strip() for p in pieces if p and p.strip()]


def kind_of(question: Question, subjects: int) -> QuestionKind:
    """The kind of question, given how many codes it is about (named codes that exist, plus
    the code of the page it was asked on when the question leans on it)."""
    if question.icd9:
        return QuestionKind.CROSSWALK
    if subjects and question.asks_seventh:
        return QuestionKind.SEVENTH_CHARACTER
    if subjects and question.asks_sequence:
        return QuestionKind.SEQUENCE
    if subjects >= 2:
        if question.asks_together and not question.asks_compare:
            return QuestionKind.TOGETHER
        if question.asks_compare:
            return QuestionKind.COMPARE
        return QuestionKind.TOGETHER if question.asks_together else QuestionKind.COMPARE
    if question.asks_guideline:
        return QuestionKind.GUIDELINE
    if subjects == 1:
        return QuestionKind.DEFINE
    if question.codes_for_topic:
        return QuestionKind.CODES_FOR
    return QuestionKind.OPEN
