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


# A reference as a span: one code, a code with "-" (it and everything below), or a range.
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_SPAN = re.compile(rf"\b({_CODE})(\.?-)?(?:\s*-\s*({_CODE})(\.?-)?)?(?=[\s,;)\].]|$)")


def referenced_spans(text: str) -> list[tuple[str, str]]:
    """The code spans a note names, as (first key, last key); a single code is (key, key).

    A span covers every code whose key starts with a key between first and last, so
    "(E10.-)" covers E10.9 and "(I47-I49)" covers I48.91.
    """
    spans: list[tuple[str, str]] = []
    for match in _SPAN.finditer(text):
        first = match.group(1).replace(".", "")
        last = (match.group(3) or match.group(1)).replace(".", "")
        if (first, last) not in spans:
            spans.append((first, last))
    return spans


def span_covers(span: tuple[str, str], key: str) -> bool:
    first, last = span
    return key[: len(first)] >= first and key[: len(last)] <= last
