"""Code identity: how a typed system and code become keys, how a key is displayed. The
systems themselves are in catalog/systems.py."""

from __future__ import annotations

import re

from coderef.catalog.systems import SYSTEM_NAMES, SYSTEMS, CodeSystem
from coderef.errors import InvalidInput, UnknownSystem

_KEY_CHARS = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)?$")
MAX_CODE_LENGTH = 16


def resolve_system(raw: str) -> CodeSystem:
    """Return the system a user named, in any case and common spelling."""
    system_id = SYSTEM_NAMES.get(raw.strip().lower())
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
    """Canonical display form: ICD-10-CM codes carry a dot after the category (blocks such as
    A00-A09 and chapter numbers do not)."""
    dot = SYSTEMS[system].dot_after if system in SYSTEMS else None
    if dot and len(key) > dot and "-" not in key and key[0].isalpha():
        return f"{key[:dot]}.{key[dot:]}"
    return key
