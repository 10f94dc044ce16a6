"""The instructional notes that apply to a code: its own and those of every level above it.

ICD-10-CM writes a note once, on the level it governs (a chapter, a block, a category, a
subcategory), and it binds every code below. The catalog stores each note once, on the record
of its level, and this module resolves the inheritance when the notes are read: a caller reads
the ancestors (one `get_many`) and asks `inherited_notes(record, ancestors)`. Code pages,
CasePilot, Case2Code and search all use this one view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coderef.catalog.records import NOTE_KINDS, NOTE_LABELS, CodeRecord

# What each note type asks of the coder, in our words after the ICD-10-CM conventions
# (guidelines section I.A). One click away on a page.
NOTE_MEANINGS: dict[str, str] = {
    "inclusion_terms": (
        "Other names for the condition, or conditions coded here. The list is not exhaustive."
    ),
    "includes": "Further defines or gives examples of what this level covers.",
    "notes": "An instruction or definition that applies to every code at and below this level.",
    "excludes1": (
        "Never coded together: the excluded condition cannot occur with this one. The one "
        "exception is when the two conditions are unrelated to each other; then both may be "
        "reported."
    ),
    "excludes2": (
        "Not part of this condition, but a patient may have both at the same time: when both "
        "are present, both codes may be reported."
    ),
    "code_first": (
        "This code is never listed first: sequence the code for the underlying condition "
        "before it, when that condition is present."
    ),
    "use_additional_code": (
        "Add a second code to complete the picture, listed after this one, when the "
        "documentation supports it."
    ),
    "code_also": (
        "Two codes may be needed to describe the condition fully; the order depends on the "
        "circumstances of the encounter."
    ),
    "seventh_character_note": (
        "Codes here need a 7th character; codes shorter than six characters take the "
        "placeholder X first."
    ),
    "clinician_descriptors": "Wording for clinicians, published with the code.",
}

# Where a level is described in words: "chapter 15", "block I20-I25", "category I21".
LEVEL_WORDS: dict[str, str] = {
    "chapter": "chapter",
    "block": "block",
    "category": "category",
    "subcategory": "subcategory",
    "code": "code",
}


@dataclass(frozen=True)
class NoteGroup:
    """One kind of note written on one level."""

    kind: str  # a NOTE_KINDS entry
    items: tuple[str, ...]
    code: str  # display code of the level that carries it ("I21", "I20-I25", "9")
    level: str  # that level's kind: code | subcategory | category | block | chapter
    title: str  # that level's title

    @property
    def label(self) -> str:
        return NOTE_LABELS[self.kind]

    @property
    def meaning(self) -> str:
        return NOTE_MEANINGS.get(self.kind, "")

    @property
    def where(self) -> str:
        """The level in words, "chapter 15", "category I21"."""
        return f"{LEVEL_WORDS.get(self.level, self.level)} {self.code}"


def ancestor_keys(record: CodeRecord) -> list[str]:
    """Catalog keys of the levels above a record, nearest first."""
    # The key is the display code without its dot (as normalize_code makes it), written out
    # here so an odd ancestor code from some source cannot raise.
    return [a.code.replace(".", "").replace(" ", "").upper() for a in reversed(record.ancestors)]


def own_notes(record: CodeRecord) -> list[NoteGroup]:
    """The notes written on the record itself, in the order a coder reads them."""
    return [
        NoteGroup(kind, tuple(record.notes[kind]), record.code, record.kind, record.title)
        for kind in NOTE_KINDS
        if record.notes.get(kind)
    ]


def inherited_notes(
    record: CodeRecord, ancestors: Mapping[str, CodeRecord] | Iterable[CodeRecord]
) -> list[NoteGroup]:
    """Every note written on a level above the record, most specific level first.

    `ancestors` holds the records of the levels above (by key, as `get_many` returns them, or
    as a list); levels it lacks are skipped, so a caller that could not read one still gets
    the rest.
    """
    found = ancestors if isinstance(ancestors, Mapping) else {a.key: a for a in ancestors}
    groups: list[NoteGroup] = []
    for key in ancestor_keys(record):
        level = found.get(key)
        if level is not None:
            groups += own_notes(level)
    return groups


def notes_in_force(
    record: CodeRecord, ancestors: Mapping[str, CodeRecord] | Iterable[CodeRecord]
) -> list[NoteGroup]:
    """The record's own notes, then every inherited one: all that applies to the code."""
    return own_notes(record) + inherited_notes(record, ancestors)
