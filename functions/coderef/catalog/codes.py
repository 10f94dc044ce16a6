"""Code identity: which systems exist, how a typed code becomes a key, how a key is displayed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coderef.errors import InvalidInput, UnknownSystem


@dataclass(frozen=True)
class CodeSystem:
    id: str
    name: str
    publisher: str
    licence: str


SYSTEMS: dict[str, CodeSystem] = {
    "icd10cm": CodeSystem(
        id="icd10cm",
        name="ICD-10-CM",
        publisher="CDC National Center for Health Statistics",
        licence="Public domain (U.S. Government work)",
    ),
    "icd10pcs": CodeSystem(
        id="icd10pcs",
        name="ICD-10-PCS",
        publisher="Centers for Medicare & Medicaid Services",
        licence="Public domain (U.S. Government work)",
    ),
    "hcpcs": CodeSystem(
        id="hcpcs",
        name="HCPCS Level II",
        publisher="Centers for Medicare & Medicaid Services",
        licence=(
            "Public domain (U.S. Government work), except the dental codes D0100-D9999: "
            "CDT, copyright American Dental Association"
        ),
    ),
    "cpt": CodeSystem(
        id="cpt",
        name="CPT",
        publisher="American Medical Association",
        licence="Copyright American Medical Association; loaded from the operator's licensed files",
    ),
}

# Aliases people type for the system filter.
_SYSTEM_ALIASES = {
    "icd10cm": "icd10cm",
    "icd-10-cm": "icd10cm",
    "cm": "icd10cm",
    "icd10pcs": "icd10pcs",
    "icd-10-pcs": "icd10pcs",
    "pcs": "icd10pcs",
    "hcpcs": "hcpcs",
    "hcpcs2": "hcpcs",
    "hcpcs-ii": "hcpcs",
    "hcpcs-level-ii": "hcpcs",
    "cpt": "cpt",
}

_KEY_CHARS = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)?$")
MAX_CODE_LENGTH = 16


def resolve_system(raw: str) -> CodeSystem:
    """Return the system a user named, in any case and common spelling."""
    system_id = _SYSTEM_ALIASES.get(raw.strip().lower())
    if system_id is None:
        known = ", ".join(sorted(SYSTEMS))
        raise UnknownSystem(f"Unknown code system '{raw[:40]}'. Known systems: {known}.")
    return SYSTEMS[system_id]


def normalize_code(raw: str) -> str:
    """Turn what a person typed (`r00.1`, ` R001 `) into the storage key (`R001`).

    Blocks such as `A00-A09` keep their hyphen; dots and spaces go.
    """
    key = raw.strip().upper().replace(".", "").replace(" ", "")
    if not key or len(key) > MAX_CODE_LENGTH or not _KEY_CHARS.match(key):
        raise InvalidInput(
            "A code is letters and digits, optionally with a dot (for example R00.1 or 0FT44ZZ).",
            field="code",
        )
    return key


def looks_like_code(text: str) -> bool:
    """True when a search query is shaped like a code or code prefix rather than words."""
    compact = text.strip().upper().replace(".", "")
    if not (2 <= len(compact) <= 8) or not compact.isalnum():
        return False
    # Codes of every system carry a digit among their first three characters (R00, QA0,
    # 0FT); words and abbreviations (HTN, CHF) do not.
    return any(c.isdigit() for c in compact[:3])


def display_code(system: str, key: str) -> str:
    """Canonical display form: ICD-10-CM codes carry a dot after the category."""
    if system == "icd10cm" and len(key) > 3 and "-" not in key and key[0].isalpha():
        return f"{key[:3]}.{key[3:]}"
    return key
