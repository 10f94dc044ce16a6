"""The code record: one per chapter, block, category and code, in every system."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Note kinds, in the order a coder reads them on a page.
NOTE_KINDS: tuple[str, ...] = (
    "inclusion_terms",
    "includes",
    "notes",
    "excludes1",
    "excludes2",
    "code_first",
    "use_additional_code",
    "code_also",
    "seventh_character_note",
    "clinician_descriptors",
)

NOTE_LABELS: dict[str, str] = {
    "inclusion_terms": "Inclusion terms",
    "includes": "Includes",
    "notes": "Notes",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "code_first": "Code first",
    "use_additional_code": "Use additional code",
    "code_also": "Code also",
    "seventh_character_note": "7th character note",
    "clinician_descriptors": "Clinician descriptors",
}


@dataclass(frozen=True)
class Release:
    """One loaded edition of a code system."""

    id: str  # e.g. "icd10cm-2026-04"
    system: str
    name: str  # shown on every page, e.g. "ICD-10-CM April 1, 2026 release"
    source: str  # where the data came from
    effective_from: str  # ISO date
    effective_to: str | None = None  # ISO date; None: in force until a later release
    # Facts the catalog knows about a loaded release (importers leave the defaults).
    live: bool = False  # the release that answers when no date is asked for
    record_count: int = 0


@dataclass(frozen=True)
class ReleaseDelta:
    """Keys that differ between two releases of one system, as the catalog sees them."""

    added: list[str]
    deleted: list[str]
    changed: list[str]  # in both, with a different revision fingerprint


@dataclass
class Ancestor:
    code: str
    title: str
    kind: str


# The seven characters of an ICD-10-PCS Medical and Surgical code, in order. (CMS's tables XML
# calls the third "Operation"; the coding guidelines say "root operation".)
SURGICAL_AXIS_NAMES: tuple[str, ...] = (
    "Section",
    "Body System",
    "Root Operation",
    "Body Part",
    "Approach",
    "Device",
    "Qualifier",
)


@dataclass
class Axis:
    """One character of an ICD-10-PCS code and its official meaning."""

    position: int
    name: str  # "Section", "Body System", ...
    value: str  # the character
    label: str  # official value label, e.g. "Resection"
    definition: str | None = None  # official definition where CMS gives one


@dataclass
class Attribute:
    """One administrative fact of a code from its source file, e.g. a HCPCS coverage code."""

    id: str  # stable name for programs, e.g. "coverage"
    label: str  # what a page shows, e.g. "Medicare coverage"
    value: str  # as the source gives it (dates as ISO dates)
    meaning: str = ""  # what the value stands for, where the source's documentation says


@dataclass
class Crosswalk:
    """One row of a General Equivalence Mapping between this code and ICD-9-CM."""

    direction: str  # "from_icd9": the ICD-9-CM code maps to this one; "to_icd9": the reverse
    code: str  # ICD-9-CM, display form ("250.00", "00.01"); "" when nothing corresponds
    title: str
    approximate: int = 0  # 1: the two codes are not equivalent, only the closest match
    no_map: int = 0  # 1: nothing in the other system corresponds
    combination: int = 0  # 1: several codes together express this one
    scenario: int = 0  # in a combination, which alternative this row belongs to
    choice_list: int = 0  # in a scenario, the list this code is one choice from


@dataclass
class SeventhCharacter:
    char: str
    meaning: str
    code: str | None = None  # the full code this character forms, where this record is a stem
    # Further wording the source gives for the value ("initial encounter for open fracture NOS"
    # under B of S52), in source order.
    clarifications: list[str] = field(default_factory=list)


@dataclass
class CodeRecord:
    system: str
    code: str  # canonical display form, e.g. "R00.1"
    key: str  # normalized, e.g. "R001"
    kind: str  # chapter | block | category | subcategory | code | section | body_system | table
    billable: bool
    title: str  # short title
    description: str  # full official descriptor
    release: str  # release id
    parent: str | None = None  # parent key
    ancestors: list[Ancestor] = field(default_factory=list)  # root first
    children: list[str] = field(default_factory=list)  # child keys, in source order
    notes: dict[str, list[str]] = field(default_factory=dict)
    # Legacy: notes of the levels above, once copied in by the importer. Pages and the
    # assistant now resolve inheritance at read time (catalog/notes.py); new imports leave this
    # empty.
    inherited_notes: list[dict[str, Any]] = field(default_factory=list)  # {from, kind, items}
    seventh_characters: list[SeventhCharacter] = field(default_factory=list)
    axes: list[Axis] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    plain_language: str = ""
    plain_language_source: str = ""
    crosswalks: list[Crosswalk] = field(default_factory=list)  # ICD-9-CM equivalents (GEMs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeRecord:
        data = dict(data)
        data["ancestors"] = [Ancestor(**a) for a in data.get("ancestors", [])]
        data["seventh_characters"] = [
            SeventhCharacter(**s) for s in data.get("seventh_characters", [])
        ]
        data["axes"] = [Axis(**a) for a in data.get("axes", [])]
        data["attributes"] = [Attribute(**a) for a in data.get("attributes", [])]
        data["crosswalks"] = [Crosswalk(**c) for c in data.get("crosswalks", [])]
        return cls(**data)

    def attribute(self, attribute_id: str) -> Attribute | None:
        return next((a for a in self.attributes if a.id == attribute_id), None)

    @property
    def search_terms(self) -> list[str]:
        """Alternative names for this code: its inclusion terms and, on a billable code,
        its Includes note (there it lists other names, as I10 does for high blood pressure)."""
        terms = list(self.notes.get("inclusion_terms", []))
        if self.billable:
            terms += self.notes.get("includes", [])
        return terms

    @property
    def is_generated(self) -> bool:
        """True for a full code formed from a stem and one 7th character."""
        return self.kind == "code" and len(self.seventh_characters) == 1 and not self.children
