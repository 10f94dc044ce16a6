"""Codes named in free text, and the check that an answer names only codes that exist.

Both answer composers (the deterministic one and any model behind the Composer port) pass
their text through `ungrounded_codes`; the same token rules find the codes a question names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# Tokens that could be codes: letters and digits, optionally one dot inside (R00.1, 0FT44ZZ).
_TOKEN = re.compile(r"(?<![A-Za-z0-9.])[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?(?:\.?-)?")
# ICD-10-CM: a letter, two digits (or digit + letter with a dot after), up to four more.
_CM_DOTTED = re.compile(r"^[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}$")
_CM_PLAIN = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$")
# ICD-10-PCS: seven characters from 0-9 and A-Z without I and O, with a digit in the first three.
_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")


def code_key(token: str) -> str | None:
    """The catalog key a token would have if it were a code (`r00.1` -> `R001`), or None when
    the token is not shaped like a code at all (words, numbers, `T2DM`, `7th`)."""
    raw = token.strip().rstrip("-").rstrip(".")
    upper = raw.upper()
    if _CM_DOTTED.match(upper) or _CM_PLAIN.match(upper):
        return upper.replace(".", "")
    if (
        "." not in upper
        and _PCS.match(upper)
        and any(c.isdigit() for c in upper[:3])
        and sum(c.isdigit() for c in upper) >= 2
    ):
        return upper
    return None


def code_tokens(text: str) -> list[tuple[str, str, int, int]]:
    """Code-shaped tokens in text: (as written, key, start, end), in order of appearance."""
    found = []
    for match in _TOKEN.finditer(text):
        written = match.group(0).rstrip("-").rstrip(".")
        key = code_key(written)
        if key:
            found.append((written, key, match.start(), match.start() + len(written)))
    return found


def ungrounded_codes(
    text: str, exists: Callable[[str], bool], allowed: Iterable[str] = ()
) -> list[str]:
    """The code-shaped tokens in `text` that are neither codes of the loaded catalog
    (`exists(key)`) nor in `allowed` (keys the answer may repeat: what the user typed, and codes
    quoted inside the official notes it cites). An empty list means the text is grounded."""
    allowed_keys = set(allowed)
    bad: list[str] = []
    for written, key, _, _ in code_tokens(text):
        if key in allowed_keys or written in bad:
            continue
        if not exists(key):
            bad.append(written)
    return bad
