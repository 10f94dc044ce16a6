"""What a code's title says, independent of any query: worked out once when the index is
built (stored as columns that SQLite orders by) and again by the engine's final ranking."""

from __future__ import annotations

import functools
import re

from coderef.search.text import STOPWORDS, stem, stems, words

_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# "without ..." names what a code does not have: the plain form of a condition, so those words
# are not held against it (E11.9 "... without complications" is diabetes and no more).
_WITHOUT = re.compile(r"\bwithout\b.*?(?=,|\bwith\b|$)", re.IGNORECASE)
# Words that qualify a title without changing what it names: never held against a code.
QUALIFIERS = frozenset(
    stem(w)
    for w in (
        "unspecified nos specified not site part organism approach elsewhere classified "
        "uncomplicated"
    ).split()
)
# Words that narrow a code to a group of patients, a relative or a later stage of care. Unless
# the query says so, the adult, personal, initial-encounter code comes first (a coder's
# default): "uti" is N39.0 before the neonatal P39.3, "history of stroke" the patient's own.
CONTEXTS = tuple(
    frozenset(stem(w) for w in group.split())
    for group in (
        "family",
        "newborn neonatal perinatal fetus fetal",
        "pregnancy childbirth puerperium obstetric maternal gestational",
        "sequela sequelae",
        "subsequent",
        "child childhood juvenile infancy",
    )
)


@functools.lru_cache(maxsize=1 << 12)
def significant(text: str) -> frozenset[str]:
    """Stems of what a title or term names: no parentheses, "without ..." clauses,
    qualifiers or stop words."""
    plain = text
    if "(" in plain or "[" in plain:
        plain = _PARENTHESES.sub(" ", plain)
    if "ithout" in plain:
        plain = _WITHOUT.sub(" ", plain)
    return frozenset(stem(w) for w in words(plain) if w not in STOPWORDS) - QUALIFIERS


_CONTEXT_STEMS = frozenset().union(*CONTEXTS)


def contexts(title: str) -> tuple[int, ...]:
    """Which of CONTEXTS (by position) a title narrows the code to."""
    title_stems = stems(title)
    return tuple(i for i, group in enumerate(CONTEXTS) if group & title_stems)


def context_mask(title_words: list[str]) -> int:
    """contexts() as bits (bit i: CONTEXTS[i]), the form the index stores, from the title's
    words (text.words): the index build has them already, and most titles have no context
    word, which this finds with one cached stem per word."""
    found = {s for s in map(stem, title_words) if s in _CONTEXT_STEMS}
    if not found:
        return 0
    return sum(1 << i for i, group in enumerate(CONTEXTS) if group & found)


def asked_mask(named: frozenset[str]) -> int:
    """The contexts a query names (by its stems), as bits: those are not held against a code."""
    return sum(1 << i for i, group in enumerate(CONTEXTS) if group & named)
