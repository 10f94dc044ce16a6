"""Plain-language text, assembled only from the official facts in a record.

Nothing here is invented: inclusion terms become "also known as" (instructions written among
them stay instructions), the hierarchy is put into words, reporting limits follow the coding
conventions, abbreviations are explained from a reviewed glossary (data/abbreviations.tsv), and
an ICD-10-PCS code is read out axis by axis from CMS's own definitions, in the words of the
ICD-10-PCS guidelines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from coderef.catalog.records import CodeRecord

OFFICIAL_SOURCE = "Assembled by CodeRef from the official code set text"

# Chapter and block titles end with their range, "(R00-R09)", which the sentence already names.
_RANGE_SUFFIX = re.compile(r"\s*\([A-Z0-9]{3}-[A-Z0-9]{3}\)$")

_KIND_WORDS = {
    "chapter": "chapter",
    "block": "block of categories",
    "category": "category",
    "subcategory": "subcategory",
    "code": "code",
    "section": "section",
    "body_system": "body system",
    "table": "table",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def compose(
    record: CodeRecord,
    ancestors: Sequence[CodeRecord] = (),
    words: frozenset[str] | None = None,
) -> str:
    """The text for one record. `ancestors` are the records of the levels above (their notes
    apply: a "code first" on a category binds its codes); `words` are the release's common
    words (common_words), which keep proper nouns capitalised."""
    if record.system == "icd10pcs":
        return _pcs_text(record)
    if record.system in ("hcpcs", "cpt"):
        return _procedure_text(record)
    return _cm_text(record, ancestors, words)


_SYSTEM_WORDS = {"hcpcs": "HCPCS Level II", "cpt": "CPT"}


def _long_date(iso: str) -> str:
    year, month, day = (int(p) for p in iso.split("-"))
    months = (
        "January February March April May June July August September October November December"
    ).split()
    return f"{months[month - 1]} {day}, {year}"


def _procedure_text(record: CodeRecord) -> str:
    """HCPCS Level II and CPT: the descriptor, then what the source file says about the code."""
    system = _SYSTEM_WORDS[record.system]
    title = record.title.rstrip(".")
    if record.kind == "modifier":
        return (
            f"{record.code} is a {system} modifier: {_lower_first(title)}. A modifier is added "
            "to a procedure code to tell more about the service; it is not reported alone."
        )
    sentences = [f"{record.code} is the {system} code for {_lower_first(title)}."]
    coverage = record.attribute("coverage")
    if coverage and coverage.meaning:
        sentences.append(f"Medicare coverage: {_lower_first(coverage.meaning)}.")
    added = record.attribute("date_added")
    if added and added.value:
        sentences.append(f"The code was added on {_long_date(added.value)}.")
    ends = record.attribute("termination_date")
    if ends and ends.value:
        sentences.append(f"It ends on {_long_date(ends.value)}.")
    return " ".join(sentences)


# An inclusion term is another name for the condition; but the tabular list also writes
# instructions ("This code is for use as a single diagnosis code") and statements of scope
# ("Conditions classifiable to C50.-") as inclusion terms. They are told apart by how they start.
_INSTRUCTION = re.compile(
    r"^(This (code|category|subcategory)|These codes|Use (two|additional|an additional)|Code )",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=\.)\s+(?=(?:This|These|Use|Code) )")
_SCOPE = re.compile(r"^(Any (condition|congenital)|Conditions (classifiable|in|listed))", re.I)

# Chapter 20 (V00-Y99) holds the external causes; guideline I.C.20 makes them secondary only.
_EXTERNAL_CAUSE = re.compile(r"^[V-Y]")
_MANIFESTATION = re.compile(r"\bin (diseases|conditions) classified elsewhere\b", re.I)


def split_inclusion_terms(terms: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(other names, statements of what else the code covers, instructions)."""
    names: list[str] = []
    scope: list[str] = []
    instructions: list[str] = []
    # One term may hold a name and then an instruction (O80: "... live-born infant. This code is
    # for use as a single diagnosis code ..."): each sentence is placed on its own.
    pieces = [p for term in terms for p in _SENTENCE_BREAK.split(term) if p.strip()]
    for term in pieces:
        if _INSTRUCTION.match(term):
            instructions.append(term)
        elif _SCOPE.match(term):
            scope.append(term)
        else:
            names.append(term)
    return names, scope, instructions


def _listed(items: list[str]) -> str:
    """Items of a note as one run of text: "; " between them, but a lead-in ending in a colon
    ("underlying infection, such as:") runs straight into what it introduces."""
    out = ""
    for item in items:
        item = item.rstrip(". ")
        if out:
            out += " " if out.endswith(":") else "; "
        out += item
    return out


def _glossary() -> dict[str, str]:
    path = Path(__file__).with_name("data") / "abbreviations.tsv"
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            abbreviation, meaning = line.split("\t")
            entries[abbreviation.strip()] = meaning.strip()
    return entries


GLOSSARY: dict[str, str] = _glossary()
# Compiled once: an import explains abbreviations for every one of about 180,000 records.
_GLOSSARY_PATTERNS = [
    (re.compile(rf"(?<![A-Za-z0-9-]){re.escape(abbreviation)}(?![A-Za-z0-9])"), abbreviation)
    for abbreviation in GLOSSARY
]


# Any glossary abbreviation as a bare substring: most titles have none, and one search tells
# so at C speed before the patterns are tried one by one.
_ANY_ABBREVIATION = re.compile(
    "|".join(re.escape(a) for a in sorted(GLOSSARY, key=len, reverse=True))
)


def abbreviations_in(text: str) -> list[tuple[str, str]]:
    """Glossary abbreviations a title uses, in the order it uses them."""
    if not _ANY_ABBREVIATION.search(text):
        return []
    found = []
    for pattern, abbreviation in _GLOSSARY_PATTERNS:
        # The substring test rules out nearly every abbreviation at C speed.
        match = pattern.search(text) if abbreviation in text else None
        if match:
            found.append((match.start(), abbreviation, GLOSSARY[abbreviation]))
    return [(a, m) for _, a, m in sorted(found)]


def _sentence_case(text: str, common_words: frozenset[str] | None) -> str:
    """A title as the middle of a sentence: its first letter lowered only when the first word
    is a common word, never a proper noun (Colles', Alzheimer's, West Nile)."""
    if not text:
        return text
    first = re.split(r"[\s,;(]", text, maxsplit=1)[0]
    if first[:2].isupper() or not first[:1].isupper():
        return text
    if first.endswith(("'s", "s'", "'")):
        return text
    rest = text[len(first) :].split()
    if rest and rest[0][:1].isupper() and not rest[0][:2].isupper():
        return text  # "West Nile", "Down syndrome"-like pairs
    if common_words is not None and first.lower() not in common_words:
        return text
    return text[:1].lower() + text[1:]


def common_words(records: Iterable[CodeRecord]) -> frozenset[str]:
    """Words some title of the release writes in lower case after its first word: a title that
    starts with one of them starts with a common word, not a name."""
    words: set[str] = set()
    for record in records:
        for word in record.title.split()[1:]:
            word = word.strip(",;:()[]")
            if word[:1].islower():
                words.add(word)
    return frozenset(words)


def _level(kind: str, code: str, title: str) -> str:
    return f"{_KIND_WORDS.get(kind, kind).replace('block of categories', 'block')} {code} ({title})"


def _hierarchy(record: CodeRecord) -> str:
    """Where the code sits, nearest level first, in natural words. A block that holds a single
    category (O09-O09) says nothing its category does not."""
    places = [
        place
        for place in (_place(a.kind, a.code, a.title) for a in reversed(record.ancestors))
        if place
    ]
    if not places:
        return ""
    return "It comes under " + ", within ".join(places) + "."


@lru_cache(maxsize=65536)
def _place(kind: str, code: str, title: str) -> str:
    """One level of _hierarchy ("" for a level it leaves out). Cached: the codes under a
    level all name it, and an import writes about 200,000 ICD-10-CM records (forget_levels
    empties the cache after each release)."""
    if kind == "code":
        return ""
    if kind == "block" and code.split("-")[0] == code.split("-")[-1]:
        return ""
    title = _RANGE_SUFFIX.sub("", title)
    if kind == "chapter":
        return f"chapter {code} ({title})"
    return _level(kind, code, title)


def forget_levels() -> None:
    """Empty _hierarchy's cache: entries kept past a release's records would hold on to the
    memory those records took (each in a block of objects that cannot be returned)."""
    _place.cache_clear()


def _notes_of_kind(record: CodeRecord, ancestors: Sequence[CodeRecord], kind: str) -> list[str]:
    items = list(record.notes.get(kind, []))
    for level in ancestors:
        items += level.notes.get(kind, [])
    return items


def _reportability(record: CodeRecord, ancestors: Sequence[CodeRecord]) -> list[str]:
    """What the conventions say about reporting the code: never first-listed, secondary only,
    a 7th character or a placeholder needed. Only a code with none of these limits is called
    reportable on its own."""
    sentences: list[str] = []
    code_first = _notes_of_kind(record, ancestors, "code_first")
    manifestation = bool(_MANIFESTATION.search(record.title)) or any(
        _MANIFESTATION.search(a.title) for a in record.ancestors if a.kind != "chapter"
    )
    external = record.system == "icd10cm" and bool(_EXTERNAL_CAUSE.match(record.key))
    first_named = _listed(code_first)
    if manifestation:
        sentences.append(
            "It describes a manifestation of another disease, so it is never listed first: "
            + (
                f"code the underlying condition first ({first_named})."
                if first_named
                else "code the underlying condition first."
            )
        )
    elif code_first:
        sentences.append(
            'It is never reported alone or listed first when its "code first" condition is '
            f"present: code that first ({first_named})."
        )
    if external:
        sentences.append(
            "It is an external cause code: secondary only, never the first-listed diagnosis; "
            "it is reported after the code for the injury or condition it explains."
        )
    if record.billable and not (manifestation or code_first or external):
        sentences.append("It is a complete code that may be reported on its own.")
    elif record.billable:
        sentences.append("It is a complete code (no further characters are needed).")
    elif record.seventh_characters and any(s.code for s in record.seventh_characters):
        sentences.append(
            "It cannot be reported as it stands: add a 7th character to say which encounter "
            f"or detail applies ({len(record.seventh_characters)} choices)."
        )
        if len(record.key) < 6:
            sentences.append(
                f"Being shorter than six characters, it takes the placeholder X up to the 6th "
                f"place first ({record.key.ljust(6, 'X')[:3]}.{record.key.ljust(6, 'X')[3:]} + "
                "the 7th character)."
            )
    elif record.children and record.kind not in ("chapter", "block"):
        sentences.append(
            f"It is not reported on its own: choose one of its {len(record.children)} "
            "more specific codes."
        )
    return sentences


def _cm_text(
    record: CodeRecord,
    ancestors: Sequence[CodeRecord] = (),
    words: frozenset[str] | None = None,
) -> str:
    sentences: list[str] = []
    what = _KIND_WORDS.get(record.kind, record.kind)
    title = _sentence_case(record.title, words)
    if record.kind == "chapter":
        sentences.append(f"Chapter {record.code} of ICD-10-CM covers {title}.")
    else:
        sentences.append(f"{record.code} is the ICD-10-CM {what} for {title}.")
    names, scope, instructions = split_inclusion_terms(record.notes.get("inclusion_terms", []))
    if names:
        sentences.append("Also known as: " + _listed(names) + ".")
    if scope:
        sentences.append("It also covers: " + _listed(scope) + ".")
    for instruction in instructions:
        sentences.append(f"Instruction: {instruction.rstrip('.')}.")
    hierarchy = _hierarchy(record)
    if hierarchy:
        sentences.append(hierarchy)
    if record.kind not in ("chapter", "block"):
        sentences += _reportability(record, ancestors)
    if (
        record.kind == "code"
        and len(record.seventh_characters) == 1
        and record.key[-1] == (record.seventh_characters[0].char)
    ):
        value = record.seventh_characters[0]
        also = "".join(f" (also: {c})" for c in value.clarifications)
        sentences.append(f"Its 7th character, {value.char}, means {value.meaning}{also}.")
        if "X" in record.key[3:6]:
            sentences.append(
                "The X before it is a placeholder that keeps the 7th character in place."
            )
    # Abbreviations in the title or its other names (I50.3-: "HFpEF") are explained once each.
    for abbreviation, meaning in abbreviations_in(" ; ".join([record.title, *names])):
        sentences.append(f"{abbreviation} stands for {meaning}.")
    return " ".join(sentences)


_SURGICAL_AXES = ("Root Operation", "Body Part", "Body System", "Approach", "Device", "Qualifier")


def _pcs_text(record: CodeRecord) -> str:
    if not record.axes:
        return (
            f"{record.code} is the ICD-10-PCS {_KIND_WORDS.get(record.kind, record.kind)} "
            f"for {record.description}."
        )
    ax = {a.name: a for a in record.axes}
    if not all(name in ax for name in _SURGICAL_AXES):
        # Sections other than Medical and Surgical name their characters differently
        # (Imaging: Type, Contrast...): read each one out as CMS names it.
        characters = "; ".join(f"{a.name} {a.value}, {a.label}" for a in record.axes)
        return (
            f"{record.code} is the ICD-10-PCS code for {record.description}. "
            f"Character by character: {characters}."
        )
    sentences = []
    op = ax["Root Operation"]
    article = "an" if op.label[:1].lower() in "aeiou" else "a"
    op_sentence = f"This procedure is {article} {op.label.lower()}"
    if op.definition:
        op_sentence += f": {_lower_first(op.definition.rstrip('.'))}"
    sentences.append(op_sentence + ".")
    sentences.append(
        f"It is done on the {ax['Body Part'].label.lower()} ({ax['Body System'].label.lower()})."
    )
    approach = ax["Approach"]
    approach_sentence = f"The approach is {approach.label.lower()}"
    if approach.definition:
        approach_sentence += f", meaning {_lower_first(approach.definition.rstrip('.'))}"
    sentences.append(approach_sentence + ".")
    # Guideline B6.1: a device is coded only when it remains after the procedure; materials
    # such as sutures and clips are not coded as devices. "No device" says only that no device
    # value is coded, not that nothing stays in the body.
    device = ax["Device"].label
    if device and device.lower() != "no device":
        if op.label.lower() == "removal":
            sentences.append(f"Device taken out: {device.lower()}.")
        else:
            sentences.append(f"Device that remains after the procedure: {device.lower()}.")
    else:
        sentences.append(
            f"No device value is coded (character 6 is {ax['Device'].value}); materials such "
            "as sutures, ligatures, radiological markers and temporary drains are part of the "
            "procedure, not coded devices."
        )
    qualifier = ax["Qualifier"].label
    if qualifier and qualifier.lower() != "no qualifier":
        sentences.append(f"Qualifier: {qualifier.lower()}.")
    else:
        sentences.append(f"No qualifier applies (character 7 is {ax['Qualifier'].value}).")
    return " ".join(sentences)
