"""What CasePilot found for a question (Evidence), and the port that turns it into prose.

The evidence is gathered by domain rules from the loaded catalog and guidelines; a Composer
only writes the prose. The api builds the structured details and sources from the evidence
itself (api/presenters/assistant.py), so whichever composer writes, the links and codes shown
beside the prose are the catalog's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from coderef.assistant.coding_rules import Instruction
from coderef.assistant.grounding import code_tokens
from coderef.assistant.guidelines import GuidelinePassage
from coderef.assistant.questions import QuestionKind as Kind
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.crosswalks import FLAGS as GEM_FLAGS
from coderef.catalog.crosswalks import SOURCES as GEM_SOURCES
from coderef.catalog.crosswalks import Icd9Code
from coderef.catalog.records import NOTE_KINDS, NOTE_LABELS, CodeRecord, Release, SeventhCharacter

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate

# Notes that say what a code covers or how it combines with others, in reading order.
SCOPE_NOTES = tuple(kind for kind in NOTE_KINDS if kind != "seventh_character_note")
EXCLUDES_MEANING = {
    "excludes1": "Excludes1 means the two are never coded together.",
    "excludes2": (
        "Excludes2 means the excluded condition is not part of this code: both codes may be "
        "reported together when the patient has both."
    ),
}


@dataclass(frozen=True)
class Note:
    kind: str
    item: str
    on: str  # where the note is written: the code, its category, "block I10-I1A", "chapter 9"
    level: str = "code"  # code, or the kind of level above it: category, block, chapter...


def scope_notes(record: CodeRecord, ancestors: Sequence[CodeRecord] = ()) -> list[Note]:
    """A code's own notes, the notes it inherits from its category, and its block's and
    chapter's notes, each tagged with the code that carries it."""
    notes = [
        Note(kind, item, record.code) for kind in SCOPE_NOTES for item in record.notes.get(kind, [])
    ]
    # Records imported before inheritance moved to read time carry category notes copied in;
    # use them only for levels the caller did not read.
    read = {a.code for a in ancestors}
    notes += [
        Note(group["kind"], item, group["from"])
        for group in record.inherited_notes
        if group["kind"] in SCOPE_NOTES and group["from"] not in read
        for item in group["items"]
    ]
    for ancestor in ancestors:
        label = (
            f"{ancestor.kind} {ancestor.code}"
            if ancestor.kind in ("chapter", "block")
            else ancestor.code
        )
        notes += [
            Note(kind, item, label, level=ancestor.kind)
            for kind in SCOPE_NOTES
            for item in ancestor.notes.get(kind, [])
        ]
    return notes


@dataclass(frozen=True)
class LinkedCode:
    record: CodeRecord
    reason: str
    note: Instruction | None = None


@dataclass(frozen=True)
class Relation:
    """A note of one code that names the other."""

    note: Note
    subject: str  # the code whose note it is
    other: str  # the code the note covers


@dataclass(frozen=True)
class Icd9Missing:
    """An ICD-9-CM code a question names that CMS's lists do not have; `under`: the codes
    that extend it, when it is a category (250.0 -> 250.00, 250.01...)."""

    written: str
    procedure: bool
    under: tuple[Icd9Code, ...] = ()


@dataclass(frozen=True)
class Missing:
    written: str
    systems: tuple[str, ...]
    near: tuple[dict, ...] = ()


# The kinds whose answer is about the codes found.
_ABOUT_CODES = (
    Kind.DEFINE,
    Kind.COMPARE,
    Kind.TOGETHER,
    Kind.SEVENTH_CHARACTER,
    Kind.CODE_NOT_FOUND,
)


@dataclass
class Evidence:
    question: str
    kind: Kind
    codes: list[CodeRecord] = field(default_factory=list)
    notes: dict[str, list[Note]] = field(default_factory=dict)  # by code
    missing: list[Missing] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    verdict: str | None = None  # for "together"
    encounter: list[str] = field(default_factory=list)
    seventh: list[SeventhCharacter] = field(default_factory=list)  # the whole table
    seventh_matches: list[SeventhCharacter] = field(default_factory=list)
    seventh_of: str | None = None  # a full code asked about, whose stem's table is shown
    candidates: list[Candidate] = field(default_factory=list)
    passages: list[GuidelinePassage] = field(default_factory=list)
    topic: str = ""
    shared_ancestor: dict | None = None
    releases: dict[str, Release] = field(default_factory=dict)
    typed_keys: set[str] = field(default_factory=set)
    # Coding sets: codes reported together, in order, each with its reason and the note it
    # follows; and the notes that answer a sequencing question.
    linked: list[LinkedCode] = field(default_factory=list)
    link_verdict: str | None = None
    instructions: list[Instruction] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)  # code sets asked about, not loaded
    locked: set[str] = field(default_factory=set)  # codes the asker has not unlocked
    root_operations: list[tuple[str, str]] = field(default_factory=list)  # label, definition
    # crosswalk: the ICD-9-CM codes asked about (their ICD-10 targets' records are `codes`),
    # those that are no ICD-9-CM code, and whether the GEMs are available here at all.
    icd9: list[Icd9Code] = field(default_factory=list)
    icd9_missing: list[Icd9Missing] = field(default_factory=list)
    icd9_unavailable: bool = False

    @property
    def answered(self) -> bool:
        if self.missing:
            return False
        if self.kind in _ABOUT_CODES:
            return bool(self.codes)
        if self.kind == Kind.SEQUENCE:
            return bool(self.codes)
        if self.kind == Kind.NOT_LOADED:
            return True
        if self.kind == Kind.CODES_FOR:
            return bool(self.candidates or self.linked)
        if self.kind == Kind.GUIDELINE:
            return bool(self.passages or self.root_operations)
        if self.kind == Kind.CROSSWALK:
            return bool(self.icd9)
        return False

    def quoted_keys(self) -> set[str]:
        """Codes that appear inside the catalog text this evidence quotes (titles, hierarchy,
        plain-language text and notes of the codes in it): an answer may repeat them without
        naming anything new."""
        records = (
            list(self.codes) + [c.record for c in self.candidates] + [c.record for c in self.linked]
        )
        texts = [
            text
            for r in records
            for text in (r.title, r.description, r.plain_language, *r.search_terms)
        ]
        texts += [f"{a.code} {a.title}" for r in records for a in r.ancestors]
        texts += [f"{n['code']} {n['title']}" for m in self.missing for n in m.near]
        texts += [n.item for notes in self.notes.values() for n in notes]
        texts += [r.note.item for r in self.relations]
        texts += [n.text for n in self.instructions]
        texts += [c.note.text for c in self.linked if c.note]
        texts += [p.text for p in self.passages]
        # ICD-9-CM codes and titles (V45.81 is shaped like an ICD-10-CM code): GEM text.
        texts += [f"{c.code} {c.title}" for c in self.icd9]
        texts += [f"{c.code} {c.title}" for m in self.icd9_missing for c in m.under]
        texts += [m.written for m in self.icd9_missing]
        keys = {key for text in texts for _, key, _, _ in code_tokens(text)}
        # Guideline numbers such as A11 are shaped like codes; they are cited, not invented.
        keys |= {key for p in self.passages for _, key, _, _ in code_tokens(p.section)}
        return keys

    def allowed_keys(self) -> set[str]:
        return self.typed_keys | self.quoted_keys()

    def as_context(self) -> str:
        """The evidence as plain text, for a composer that writes from text (a model)."""
        lines = [f"Question kind: {self.kind}"]
        for record in self.codes:
            lines.append(
                f"Code {record.code} ({SYSTEMS[record.system].name}): {record.title}. "
                f"Billable: {'yes' if record.billable else 'no'}. "
                f"Hierarchy: {' > '.join(f'{a.code} {a.title}' for a in record.ancestors)}."
            )
            if record.plain_language:
                lines.append(f"Plain language for {record.code}: {record.plain_language}")
            for note in self.notes.get(record.code, []):
                lines.append(f"Note on {note.on} ({NOTE_LABELS[note.kind]}): {note.item}")
        for relation in self.relations:
            lines.append(
                f"{NOTE_LABELS[relation.note.kind]} note on {relation.note.on} "
                f"covers {relation.other}: {relation.note.item}"
            )
        if self.verdict:
            lines.append(f"Verdict from the excludes rules: {self.verdict}")
        for item in self.seventh:
            matched = " (matches the question)" if item in self.seventh_matches else ""
            lines.append(f"7th character {item.char}: {item.meaning} -> {item.code}{matched}")
        for cand in self.candidates:
            lines.append(f"Candidate {cand.code} ({cand.system}): {cand.title}. {cand.reason}")
        for n, linked in enumerate(self.linked, start=1):
            lines.append(
                f"Coding set, code {n}: {linked.record.code} {linked.record.title}. {linked.reason}"
            )
        for instruction in self.instructions:
            lines.append(
                f"{NOTE_LABELS[instruction.kind]} note on {instruction.on}: {instruction.text}"
            )
        for label, definition in self.root_operations:
            lines.append(f"PCS root operation {label}: {definition}")
        for icd9 in self.icd9:
            system = SYSTEMS[icd9.target_system].name
            lines.append(f"ICD-9-CM {icd9.code} ({icd9.title}), by CMS's forward GEM to {system}:")
            if icd9.no_map:
                lines.append(f"  no map: {GEM_FLAGS['no_map']}")
            for t in icd9.targets:
                flags = [f for f in ("approximate", "combination") if getattr(t, f)]
                where = (
                    f" scenario {t.scenario}, choice list {t.choice_list}" if t.combination else ""
                )
                lines.append(f"  {t.code} {t.title} [{', '.join(flags) or 'exact'}]{where}")
            lines.append(f"  GEM source: {GEM_SOURCES[icd9.target_system]}")
        for absent in self.icd9_missing:
            under = ", ".join(f"{c.code} {c.title}" for c in absent.under)
            lines.append(f"No ICD-9-CM code {absent.written}. Codes under it: {under or 'none'}")
        for system in self.not_loaded:
            lines.append(f"Code set not loaded here: {SYSTEMS[system].name}")
        for passage in self.passages:
            lines.append(f"Guideline {passage.section} {passage.title}: {passage.text}")
        for miss in self.missing:
            near = ", ".join(f"{n['code']} {n['title']}" for n in miss.near)
            lines.append(f"Not in the loaded catalog: {miss.written}. Nearby codes: {near}")
        if not self.answered and not self.missing:
            lines.append("Nothing relevant was found in the loaded code sets or guidelines.")
        return "\n".join(lines)


class Composer(Protocol):
    """Writes the prose of an answer from the evidence. It may say only what the evidence
    holds; every code it names is checked against the catalog afterwards."""

    name: str

    def compose(self, evidence: Evidence) -> str: ...


@dataclass(frozen=True)
class Answer:
    """What CasePilot answers: the evidence, the prose written from it and by whom. The api
    presents the structured details and sources from the evidence itself."""

    question: str
    evidence: Evidence
    text: str
    composer: str
    search_topics: list[str]  # what to search for instead, when the answer is not found
    releases: dict[str, Release]  # loaded releases by id, for the codes the answer shows


class ComposerUnavailable(Exception):
    """The composer could not write this answer (a model timed out, was refused...)."""


_LOAD = {
    "cpt": (
        "CPT is the AMA's licensed code set: CodeRef does not ship it. An operator with an AMA "
        "licence loads it with `coderef import --system cpt --source <folder of AMA data "
        "files>` and sets CODEREF_CPT_LICENCE_NOTICE."
    ),
    "hcpcs": (
        "An operator loads HCPCS Level II from the CMS quarterly file with `coderef import "
        "--system hcpcs --source <HCPC fixed-width file>`."
    ),
}


def not_loaded_message(system: str) -> str:
    name = SYSTEMS[system].name
    return f"{name} codes are not loaded in this CodeRef. {_LOAD.get(system, '')}".strip()


def missing_message(missing: Missing, releases: dict[str, Release]) -> str:
    names = " or ".join(
        releases[s].name if s in releases else SYSTEMS[s].name for s in missing.systems
    )
    return f"{missing.written} is not a code in the loaded {names}."
