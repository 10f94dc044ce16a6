"""Candidate codes for a phrase: the search engine's hits, kept only when they match every word
of the phrase, re-ranked for a coder, each with the reason it matched.

CasePilot ("codes for type 2 diabetes with neuropathy") and Case2Code (phrases of a case note)
both use this, so a candidate means the same thing in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord
from coderef.search.engine import STOPWORDS, SearchIndex, hit_fields
from coderef.search.text import synonyms, words

# Words that qualify a title without naming anything more specific: they never count against
# a candidate. "Unspecified" is what a coder picks when the documentation says no more.
_QUALIFIERS = frozenset("unspecified nos specified not site approach elsewhere classified".split())
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SUFFIXES = ("ies", "es", "s", "ing", "ed", "ic", "al", "y", "e")


def stem(word: str) -> str:
    """A crude stem, enough to see that 'diabetic' and 'diabetes' or 'fractures' and
    'fracture' are one word when explaining a match (ranking is the index's own)."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
    return word


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


@dataclass(frozen=True)
class Concept:
    """One thing a phrase asks for: the words typed, and the official wordings they stand for."""

    typed: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def label(self) -> str:
        return " ".join(self.typed)

    def found_in(self, stems: set[str]) -> tuple[str, ...] | None:
        """The wording (typed or official) whose every word is in `stems`, or None."""
        for wording in (self.typed, *self.alternatives):
            content = [w for w in wording if w not in STOPWORDS] or list(wording)
            if all(stem(w) in stems for w in content):
                return wording
        return None


def concepts(phrase: str) -> list[Concept]:
    """The phrase split into concepts, the longest synonym phrase at each position winning
    (the same reading the search engine makes of a query)."""
    tokens = [t for t in words(phrase) if t not in STOPWORDS]
    table = synonyms()
    out: list[Concept] = []
    i = 0
    while i < len(tokens):
        for n in range(min(4, len(tokens) - i), 0, -1):
            typed = tuple(tokens[i : i + n])
            if n > 1 and typed not in table:
                continue
            out.append(Concept(typed, tuple(table.get(typed, ()))))
            i += n
            break
    return out


@dataclass
class Candidate:
    system: str
    code: str
    key: str
    title: str
    billable: bool
    kind: str
    reason: str
    record: CodeRecord = field(repr=False)
    rank: tuple = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {
            **hit_fields(self),
            "url": f"/code/{self.system}/{self.code}",
            "reason": self.reason,
        }


def _quote(text: str) -> str:
    return f"“{text}”"


def explain(
    phrase: str, phrase_concepts: list[Concept], record: CodeRecord
) -> tuple[str, int, int] | None:
    """Why a record matches every concept, how many words of its closest wording the phrase
    left unexplained (fewer is a closer match) and how many words that wording has; None when
    some concept is not in the record.

    A wording is the title, or an alternative term (an inclusion term, or a billable code's
    Includes note) that carries what the title lacks.
    """
    title_stems = _stems(record.title)
    covered = {stem(w) for c in phrase_concepts for wd in (c.typed, *c.alternatives) for w in wd}
    best: tuple[int, int, int, str, str, list[str]] | None = None
    for order, (place, text) in enumerate(
        [("title", record.title)] + [("term", t) for t in record.search_terms]
    ):
        stems = _stems(text) if place == "title" else _stems(text) | title_stems
        wordings = [c.found_in(stems) for c in phrase_concepts]
        if any(w is None for w in wordings):
            continue
        readings = [
            f"{_quote(c.label)} read as {_quote(' '.join(w))}"
            for c, w in zip(phrase_concepts, wordings, strict=True)
            if w is not None and w != c.typed
        ]
        significant = [
            w
            for w in words(_BRACKETED.sub(" ", text))
            if w not in STOPWORDS and w not in _QUALIFIERS
        ]
        extra = sum(1 for w in significant if stem(w) not in covered)
        option = (extra, order, len(significant), place, text, readings)
        if best is None or option[:2] < best[:2]:
            best = option
    if best is None:
        return None
    extra, _, size, place, text, readings = best
    if place == "title" and extra == 0:
        reason = f"The official title names {_quote(phrase)} and nothing more specific."
    elif place == "title":
        reason = f"Every word of {_quote(phrase)} is in the official title."
    else:
        reason = f"Listed under this code as {_quote(text)}."
    if readings:
        reason += " " + "; ".join(readings).capitalize() + "."
    return reason, extra, size


class CandidateFinder:
    def __init__(self, index: SearchIndex, catalog: CodeCatalog) -> None:
        self.index = index
        self.catalog = catalog

    def find(
        self,
        phrase: str,
        system: str | None = None,
        limit: int = 5,
        depth: int = 30,
        min_share: float = 0.0,
    ) -> list[Candidate]:
        """Codes matching every concept of `phrase`, closest first. Empty when none does:
        the engine's any-word fallback is never passed off as a match. With `min_share`, a
        code is kept only when the phrase accounts for that share of its matching wording
        (Case2Code uses it so that a stray word of a note does not pull in long titles)."""
        phrase_concepts = concepts(phrase)
        if not phrase_concepts:
            return []
        hits = self.index.search(phrase, system=system, limit=depth).results
        by_system: dict[str, list[str]] = {}
        for hit in hits:
            by_system.setdefault(hit.system, []).append(hit.code.replace(".", ""))
        records = {
            (sys_id, key): rec
            for sys_id, keys in by_system.items()
            for key, rec in self.catalog.get_many(sys_id, keys).items()
        }
        found: list[Candidate] = []
        for position, hit in enumerate(hits):
            record = records.get((hit.system, hit.code.replace(".", "")))
            if record is None or hit.kind in ("chapter", "block", "section", "body_system"):
                continue
            explained = explain(phrase, phrase_concepts, record)
            if explained is None:
                continue
            reason, extra, size = explained
            if size and (size - extra) / size < min_share:
                continue
            # Closest wording first, "unspecified" (the default when nothing more is said)
            # before a sibling as close; then codes a claim can carry; then the engine's order.
            unspecified = "unspecified" in words(record.title)
            rank = (extra, not unspecified, not record.billable, record.is_generated, position)
            found.append(
                Candidate(
                    record.system,
                    record.code,
                    record.key,
                    record.title,
                    record.billable,
                    record.kind,
                    reason,
                    record,
                    rank,
                )
            )
        found.sort(key=lambda c: c.rank)
        return found[:limit]

    def known_words(self, candidates: Iterable[str]) -> set[str]:
        """The words some title or alternative term uses, and the shorthand search expands."""
        wanted = set(candidates)
        typed = {w for key in synonyms() for w in key}
        return self.index.known_words(wanted) | (wanted & typed)
