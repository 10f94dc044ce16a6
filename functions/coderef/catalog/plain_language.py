"""Plain-language text, assembled only from the official facts in a record.

Nothing here is invented: inclusion terms become "also known as", the hierarchy is put into
words, and an ICD-10-PCS code is read out axis by axis from CMS's own definitions.
"""

from __future__ import annotations

import re

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


def compose(record: CodeRecord) -> str:
    if record.system == "icd10pcs":
        return _pcs_text(record)
    if record.system in ("hcpcs", "cpt"):
        return _procedure_text(record)
    return _cm_text(record)


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


def _cm_text(record: CodeRecord) -> str:
    sentences: list[str] = []
    what = _KIND_WORDS.get(record.kind, record.kind)
    if record.kind == "chapter":
        sentences.append(f"Chapter {record.code} of ICD-10-CM covers {_lower_first(record.title)}.")
    else:
        sentences.append(f"{record.code} is the ICD-10-CM {what} for {_lower_first(record.title)}.")
    terms = record.notes.get("inclusion_terms", [])
    if terms:
        sentences.append("Also known as: " + "; ".join(terms) + ".")
    chain = [a for a in reversed(record.ancestors) if a.kind != "code"]
    if chain:
        places = ", in ".join(
            f"{_KIND_WORDS.get(a.kind, a.kind)} {a.code} ({_RANGE_SUFFIX.sub('', a.title)})"
            for a in chain
        )
        sentences.append(f"It sits within {places}.")
    if record.billable:
        sentences.append("It is specific enough to be reported on a claim.")
    elif record.seventh_characters and any(s.code for s in record.seventh_characters):
        sentences.append(
            "It cannot be reported as it stands: add a 7th character to say which encounter "
            f"or detail applies ({len(record.seventh_characters)} choices)."
        )
    elif record.children and record.kind not in ("chapter", "block"):
        sentences.append(
            f"It is not reported on its own: choose one of its {len(record.children)} "
            "more specific codes."
        )
    if (
        record.kind == "code"
        and len(record.seventh_characters) == 1
        and record.key[-1] == (record.seventh_characters[0].char)
    ):
        sentences.append(
            f"Its 7th character, {record.seventh_characters[0].char}, means "
            f"{record.seventh_characters[0].meaning}."
        )
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
    op_sentence = f"This procedure is a {op.label.lower()}"
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
    device = ax["Device"].label
    if device and device.lower() != "no device":
        sentences.append(f"Device: {device.lower()}.")
    else:
        sentences.append("No device is left in place as part of the procedure.")
    qualifier = ax["Qualifier"].label
    if qualifier and qualifier.lower() != "no qualifier":
        sentences.append(f"Qualifier: {qualifier.lower()}.")
    return " ".join(sentences)
