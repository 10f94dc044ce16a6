"""The code systems CodeRef knows: one entry per system, the only place its facts are written.

Adding a system: one entry here, one importer module in codesets/ and its entry in
codesets/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CodeSystem:
    id: str  # in URLs, keys and the API, e.g. "icd10cm"
    name: str  # shown to people, e.g. "ICD-10-CM"
    publisher: str
    licence: str
    aliases: tuple[str, ...] = ()  # other spellings people type for the system filter
    # Display form: a dot after this many characters (ICD-10-CM's R00.1); None: no dot.
    dot_after: int | None = None
    describes: Literal["conditions", "procedures", "services"] = "conditions"
    # Notes name other codes of the system ("(I47.-)"): the page links them as related codes.
    notes_name_codes: bool = False
    # Descriptors are copyrighted: pages carry the licence notice the operator configures.
    copyrighted: bool = False


SYSTEMS: dict[str, CodeSystem] = {
    s.id: s
    for s in (
        CodeSystem(
            id="icd10cm",
            name="ICD-10-CM",
            publisher="CDC National Center for Health Statistics",
            licence="Public domain (U.S. Government work)",
            aliases=("icd-10-cm", "cm"),
            dot_after=3,
            describes="conditions",
            notes_name_codes=True,
        ),
        CodeSystem(
            id="icd10pcs",
            name="ICD-10-PCS",
            publisher="Centers for Medicare & Medicaid Services",
            licence="Public domain (U.S. Government work)",
            aliases=("icd-10-pcs", "pcs"),
            describes="procedures",
        ),
        CodeSystem(
            id="hcpcs",
            name="HCPCS Level II",
            publisher="Centers for Medicare & Medicaid Services",
            licence=(
                "Public domain (U.S. Government work), except the dental codes D0100-D9999: "
                "CDT, copyright American Dental Association"
            ),
            aliases=("hcpcs2", "hcpcs-ii", "hcpcs-level-ii"),
            describes="services",
        ),
        CodeSystem(
            id="cpt",
            name="CPT",
            publisher="American Medical Association",
            licence=(
                "Copyright American Medical Association; loaded from the operator's licensed files"
            ),
            describes="services",
            copyrighted=True,
        ),
    )
}

# What people type for the system filter, in lower case: each id and its aliases.
SYSTEM_NAMES: dict[str, str] = {name: s.id for s in SYSTEMS.values() for name in (s.id, *s.aliases)}


def system_list(last: str = "or") -> str:
    """The ids in prose, for help texts: "icd10cm, icd10pcs, hcpcs or cpt"."""
    ids = list(SYSTEMS)
    return f"{', '.join(ids[:-1])} {last} {ids[-1]}" if len(ids) > 1 else "".join(ids)
