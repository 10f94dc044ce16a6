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
_QUALIFIER_WORDS = (
    "unspecified nos specified not site part organism approach elsewhere classified uncomplicated"
)
# Words that narrow a code to a group of patients, a relative or a later stage of care. Unless
# the query says so, the adult, personal, initial-encounter code comes first (a coder's
# default): "uti" is N39.0 before the neonatal P39.3, "history of stroke" the patient's own.
_CONTEXT_WORDS = (
    "family",
    "newborn neonatal perinatal fetus fetal",
    "pregnancy childbirth puerperium obstetric maternal gestational",
    "sequela sequelae",
    "subsequent",
    "child childhood juvenile infancy",
)


# Stemmed on first use, not at import: the stemmer is loaded only where queries are ranked.
@functools.cache
def qualifiers() -> frozenset[str]:
    return frozenset(stem(w) for w in _QUALIFIER_WORDS.split())


@functools.cache
def context_groups() -> tuple[frozenset[str], ...]:
    """The context groups' stems, by position (bit i of a context mask is group i)."""
    return tuple(frozenset(stem(w) for w in group.split()) for group in _CONTEXT_WORDS)


@functools.cache
def _context_stems() -> frozenset[str]:
    return frozenset().union(*context_groups())


@functools.lru_cache(maxsize=1 << 12)
def significant(text: str) -> frozenset[str]:
    """Stems of what a title or term names: no parentheses, "without ..." clauses,
    qualifiers or stop words."""
    plain = text
    if "(" in plain or "[" in plain:
        plain = _PARENTHESES.sub(" ", plain)
    if "ithout" in plain:
        plain = _WITHOUT.sub(" ", plain)
    return frozenset(stem(w) for w in words(plain) if w not in STOPWORDS) - qualifiers()


def contexts(title: str) -> tuple[int, ...]:
    """Which of the context groups (by position) a title narrows the code to."""
    title_stems = stems(title)
    return tuple(i for i, group in enumerate(context_groups()) if group & title_stems)


def context_mask(title_words: list[str]) -> int:
    """contexts() as bits (bit i: group i), the form the index stores, from the title's
    words (text.words): the index build has them already, and most titles have no context
    word, which this finds with one cached stem per word."""
    found = {s for s in map(stem, title_words) if s in _context_stems()}
    if not found:
        return 0
    return sum(1 << i for i, group in enumerate(context_groups()) if group & found)


def asked_mask(named: frozenset[str]) -> int:
    """The contexts a query names (by its stems), as bits: those are not held against a code."""
    return sum(1 << i for i, group in enumerate(context_groups()) if group & named)
