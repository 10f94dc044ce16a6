"""Codes named inside notes, e.g. "neonatal bradycardia (P29.12)" or "(I47.-)" or "(I60-I69)"."""

from __future__ import annotations

import re

# A code in a note: category, optional dot and more characters, optional "-" meaning "and below".
_REFERENCE = re.compile(r"\b([A-Z][0-9][0-9A-Z])(?:\.([0-9A-Z]{1,4}))?(\.?-)?(?=[\s,;)\]-]|$)")


def referenced_keys(text: str) -> list[str]:
    """Keys of the codes a note names, in order, without repeats. Ranges name their first code."""
    keys: list[str] = []
    for match in _REFERENCE.finditer(text):
        key = match.group(1) + (match.group(2) or "")
        if key not in keys:
            keys.append(key)
    return keys
