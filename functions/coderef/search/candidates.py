"""Candidate codes for a phrase: the search engine's hits, kept only when they match every word
of the phrase, re-ranked for a coder, each with the reason it matched.

CasePilot ("codes for type 2 diabetes with neuropathy") and Case2Code (phrases of a case note)
both use this, so a candidate means the same thing in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord
from coderef.search.engine import STOPWORDS, SearchIndex, hit_fields
from coderef.search.text import synonyms, words

# Words that qualify a title without naming anything more specific: they never count against
# a candidate. "Unspecified" is what a coder picks when the documentation says no more.
_QUALIFIERS = frozenset(
    "unspecified nos specified not site approach elsewhere classified organism part".split()
)
# Title words naming a circumstance a note states when it applies ("postprocedural septic
# shock", "congenital deformity of hip"): a code that needs one ranks after codes that do not,
# unless the phrase says it.
_CIRCUMSTANCES = frozenset(
    """postprocedural postoperative intraoperative congenital newborn neonatal perinatal
    pregnancy puerperium childbirth puerperal gestational maternal fetal drug induced
    periprosthetic prosthetic traumatic nontraumatic pathological stress birth""".split()
)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SUFFIXES = ("ies", "es", "us", "s", "ing", "ed", "ic", "al", "ive", "ion", "i", "y", "e")


@lru_cache(maxsize=65536)
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
    share: float = field(default=1.0, repr=False)  # of the code's wording the phrase explains

    def to_dict(self) -> dict:
        return {
            **hit_fields(self),
            "url": f"/code/{self.system}/{self.code}",
            "reason": self.reason,
        }


_WITH_CLAUSE = re.compile(r"\b(with|without)\b((?:(?!\b(?:of|with|without)\b)[^,;(\[])*)")
_NUMBERED = re.compile(r"\b([a-z]+)\s+([0-9][0-9a-z]?)\b")


def _clauses(text: str) -> dict[str, set[str]]:
    """The stems a text puts after "with" and after "without"."""
    out: dict[str, set[str]] = {"with": set(), "without": set()}
    for match in _WITH_CLAUSE.finditer(text.lower()):
        out[match.group(1)] |= {stem(w) for w in words(match.group(2)) if w not in STOPWORDS}
    return out


def contradicts(phrase: str, title: str) -> bool:
    """The title says "without" what the phrase names ("severe sepsis without septic shock"
    for "sepsis and septic shock"), or "with" what the phrase says is absent."""
    said, named = _clauses(phrase), _stems(phrase)
    titled = _clauses(title)
    if (titled["without"] & named) - said["without"]:
        return True
    return bool(titled["with"] & said["without"])


def numbers_agree(phrase: str, texts: list[str]) -> bool:
    """Every "word number" pair of the phrase ("type 2", "stage 4") stands together in one
    of the texts: "type 2 diabetes with stage" is not "Type 1 diabetes ..., Stage 2"."""
    pairs = _NUMBERED.findall(phrase.lower())
    if not pairs:
        return True
    lowered = [t.lower() for t in texts]
    return all(
        any(re.search(rf"\b{re.escape(w)}\W+{re.escape(n)}\b", t) for t in lowered)
        for w, n in pairs
    )


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
        # What a title says is absent ("without complications") is the default when a note
        # does not say; it is not a word the phrase left unexplained.
        absent = _clauses(text)["without"]
        significant = [
            w
            for w in words(_BRACKETED.sub(" ", text))
            if w not in STOPWORDS
            and w not in _QUALIFIERS
            and w != "without"
            and stem(w) not in absent
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
        phrase_words = set(words(phrase))
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
            if contradicts(phrase, record.title):
                continue
            if not numbers_agree(phrase, [record.title, *record.search_terms]):
                continue
            explained = explain(phrase, phrase_concepts, record)
            if explained is None:
                continue
            reason, extra, size = explained
            share = (size - extra) / size if size else 1.0
            if share < min_share:
                continue
            # Closest wording first, "unspecified" (the default when nothing more is said)
            # before a sibling as close; then codes a claim can carry; then the engine's order.
            title_words = set(words(record.title))
            unspecified = "unspecified" in title_words
            # With neither "with" nor "without" said, the code "without" is the default.
            without = "without" in title_words and "with" not in phrase_words
            circumstance = bool((title_words & _CIRCUMSTANCES) - phrase_words)
            rank = (
                circumstance,
                extra,
                not (unspecified or without),
                not record.billable,
                record.is_generated,
                position,
            )
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
                    share,
                )
            )
        found.sort(key=lambda c: c.rank)
        return found[:limit]

    def known_words(self, candidates: Iterable[str]) -> set[str]:
        """The words some title or alternative term uses, and the shorthand search expands."""
        wanted = set(candidates)
        typed = {w for key in synonyms() for w in key}
        # The index's vocabulary leaves out words under four characters; titles use short
        # words ("hip", "arm") and numbers ("type 2", "stage 3a"), so three-letter words and
        # numbers count (Case2Code keeps a number only after a word it knows).
        short = {
            w
            for w in wanted
            if w not in STOPWORDS
            and ((len(w) == 3 and w.isalpha()) or (len(w) <= 3 and w[0].isdigit()))
        }
        return self.index.known_words(wanted) | (wanted & typed) | short
