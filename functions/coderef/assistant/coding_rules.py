"""Coding conventions read from the classification itself, shared by Case2Code and CasePilot.

- Instructional notes: a code's own notes and those of every level above it (subcategory,
  category, block, chapter), read from the ancestors' own records, so the rules hold whether
  or not a record also carries them as inherited notes.
- Linked pairs ("with" convention, combination codes, sequencing): when one code's "Code first"
  or "Use additional code" note names the other, the pair is reported as an ordered set; when
  the note names a combination code in the other's category or block (N18.4's "Code first ...
  hypertensive chronic kidney disease (I12.-, I13.-)" for I10), the combination code replaces
  the separate code, its billable code chosen by the notes that name the rest of the set.
- History and family history: a past or a relative's condition goes to the personal history
  (Z85-Z87) or family history (Z80-Z84) code whose title the condition's own titles (the code,
  its category, block, chapter) account for; an Excludes note there that names the condition
  sends it where the classification says ("old myocardial infarction (I25.2)" at Z86.7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import NOTE_LABELS, CodeRecord
from coderef.catalog.references import referenced_spans, span_covers

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate

SEQUENCING = ("code_first", "use_additional_code", "code_also")
PERSONAL_HISTORY = ("Z85", "Z86", "Z87")
FAMILY_HISTORY = ("Z80", "Z81", "Z82", "Z83", "Z84")
# Title words that say what kind of history code it is, or qualify without naming a condition.
_GENERIC = frozenset(
    """personal family history of the and or in other unspecified specified certain nos
    without with status""".split()
)
_SUFFIXES = ("ies", "es", "us", "s", "ing", "ed", "ic", "al", "ive", "ion", "i", "y", "e")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem, enough to see that 'diabetic' and 'diabetes', 'calculi' and 'calculus',
    'hypertensive' and 'hypertension' are one word."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
    return word


def stems(text: str, drop: Iterable[str] = _GENERIC) -> set[str]:
    dropped = set(drop)
    return {stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in dropped}


@dataclass(frozen=True)
class Instruction:
    """One line of an instructional note, and where it is written."""

    kind: str
    text: str
    on: str  # the code (or block/chapter) whose note it is

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "label": NOTE_LABELS[self.kind],
            "text": self.text,
            "on": self.on,
        }

    def covers(self, key: str) -> bool:
        return any(span_covers(span, key) for span in referenced_spans(self.text))


@dataclass
class Linked:
    """Codes reported together in order, each with why it is there."""

    codes: list[CodeRecord]
    reasons: list[str]
    notes: list[Instruction | None]
    replaces: dict[str, str] = field(default_factory=dict)  # separate code -> combination code


class Classification:
    def __init__(self, catalog: CodeCatalog) -> None:
        self.catalog = catalog
        self._families: dict[tuple[str, ...], list[CodeRecord]] = {}
        # Per process: notes and links of a release do not change while it is loaded, and a
        # note names the same codes again and again.
        self._instructions: dict[tuple, list[Instruction]] = {}
        self._links: dict[tuple, Linked | None] = {}
        self._title_stems: dict[str, frozenset[str]] = {}

    # -- notes -----------------------------------------------------------------------------
    def instructions(
        self, record: CodeRecord, kinds: Sequence[str] = SEQUENCING
    ) -> list[Instruction]:
        """The record's notes of these kinds and those of every level above it, nearest first.
        The heading line of a list ("any associated:") is joined to each of its items."""
        cache_key = (record.system, record.key, record.release, tuple(kinds))
        if cache_key not in self._instructions:
            if len(self._instructions) > 20000:
                self._instructions.clear()
            self._instructions[cache_key] = self._read_instructions(record, kinds)
        return self._instructions[cache_key]

    def _read_instructions(self, record: CodeRecord, kinds: Sequence[str]) -> list[Instruction]:
        keys = [a.code.replace(".", "") for a in record.ancestors]
        found = self.catalog.get_many(record.system, keys) if keys else {}
        levels = [record] + [found[k] for k in reversed(keys) if k in found]
        out: list[Instruction] = []
        seen: set[tuple[str, str]] = set()
        for level in levels:
            for kind in kinds:
                items = level.notes.get(kind, [])
                head = items[0] if items and items[0].rstrip().endswith(":") else ""
                for item in items:
                    if item == head:
                        continue
                    text = f"{head} {item}" if head else item
                    if (kind, text) not in seen:
                        seen.add((kind, text))
                        out.append(Instruction(kind, text, level.code))
        return out

    def excludes(self, record: CodeRecord) -> list[Instruction]:
        return self.instructions(record, ("excludes1", "excludes2"))

    # -- linked pairs ----------------------------------------------------------------------
    def link(
        self, first: CodeRecord, second: CodeRecord, others: Sequence[CodeRecord] = ()
    ) -> Linked | None:
        """How the classification links two current conditions, or None when no note does."""
        if first.system != "icd10cm" or second.system != "icd10cm" or first.key == second.key:
            return None
        cache_key = (first.key, second.key, tuple(sorted(r.key for r in others)))
        if cache_key not in self._links:
            if len(self._links) > 20000:
                self._links.clear()
            self._links[cache_key] = self._link(first, second, others)
        return self._links[cache_key]

    def _link(
        self, first: CodeRecord, second: CodeRecord, others: Sequence[CodeRecord]
    ) -> Linked | None:
        for a, b in ((first, second), (second, first)):
            for note in self.instructions(b):
                if note.kind == "code_first" and note.covers(a.key):
                    return Linked(
                        [a, b],
                        [
                            f"{b.code}'s Code first note names {a.code}: it is sequenced first.",
                            _use(b),
                        ],
                        [note, None],
                    )
                if note.kind == "use_additional_code" and note.covers(a.key):
                    return Linked(
                        [b, a],
                        [_use(b), f"{b.code}'s Use additional code note names {a.code}."],
                        [None, note],
                    )
        for a, b in ((first, second), (second, first)):
            combined = self._combination(a, b, others)
            if combined:
                return combined
        return None

    def _combination(
        self, a: CodeRecord, b: CodeRecord, others: Sequence[CodeRecord]
    ) -> Linked | None:
        """A combination code that a note of b names in a's category or block."""
        a_block = _block(a)
        for note in self.instructions(b, ("code_first", "use_additional_code")):
            spans = referenced_spans(note.text)
            same_category = [s for s in spans if s[0][:3] == a.key[:3]]
            same_block = [s for s in spans if a_block and _in_block(s[0], a_block)]
            chosen = same_category or same_block
            if not chosen or any(span_covers(s, a.key) for s in chosen):
                continue
            options = [r for s in chosen for r in self._billable_under(a.system, s)]
            scored = []
            for option in options:
                notes = self.instructions(option, ("use_additional_code",))
                covered = [r for r in (b, *others) if any(n.covers(r.key) for n in notes)]
                if b not in covered:
                    continue
                scored.append((-len(covered), len(option.title), option, notes))
            if not scored:
                continue
            scored.sort(key=lambda s: s[:2])
            _, _, combo, combo_notes = scored[0]
            stage_note = next((n for n in combo_notes if n.covers(b.key)), None)
            first_reason = (
                f"Combination code: “with” presumes the link. {b.code}'s "
                f"{NOTE_LABELS[note.kind]} note names {combo.code[:3]}; {combo.code} replaces "
                f"{a.code}."
            )
            if note.kind == "code_first":
                return Linked(
                    [combo, b],
                    [first_reason, f"{combo.code}'s Use additional code note asks for {b.code}."],
                    [note, stage_note],
                    {a.code: combo.code},
                )
            return Linked([b, combo], [_use(b), first_reason], [None, note], {a.code: combo.code})
        return None

    def _billable_under(self, system: str, span: tuple[str, str]) -> list[CodeRecord]:
        first, last = span
        out: list[CodeRecord] = []
        frontier = [first] if first == last else [first, last]
        seen: set[str] = set()
        while frontier and len(seen) < 200:
            got = self.catalog.get_many(system, [k for k in frontier if k not in seen])
            seen.update(frontier)
            frontier = []
            for record in got.values():
                if record.billable and not record.is_generated:
                    out.append(record)
                frontier += [c for c in record.children if c not in seen]
        return out

    # -- history and family history ----------------------------------------------------------
    def history_codes(
        self, kind: str, phrase: str, current: Sequence[Candidate]
    ) -> list[tuple[CodeRecord, str, Instruction | None]]:
        """Personal (kind "history") or family ("family_history") history codes for a condition
        the note names, best first, each with its reason and the note it follows."""
        heads = PERSONAL_HISTORY if kind == "history" else FAMILY_HISTORY
        pool = [r for r in self._family_of(heads) if r.billable]
        if not pool or not current:
            return []
        label = "personal history" if kind == "history" else "family history"
        results: list[tuple[CodeRecord, str, Instruction | None]] = []
        # A history code "unspecified" is the last resort: a condition's block or chapter
        # usually names the specific one ("digestive organs" for colon cancer).
        specific = [z for z in pool if "unspecified" not in z.title.lower()]
        for cand in current[:2]:
            record = cand.record
            levels = [phrase, record.title] + [a.title for a in reversed(record.ancestors)]
            best = self._fit(levels, specific) or self._fit(levels, pool)
            if best is None:
                continue
            depth, z = best
            where = (
                "the condition's own title"
                if depth <= 1
                else "the title of its category, block or chapter"
            )
            reason = (
                f"The {label} of {record.code} ({record.title}): {z.code}'s title is "
                f"accounted for by {where}."
            )
            results.append((z, reason, None))
            if kind == "history":
                redirect = self._redirect(z, record)
                if redirect:
                    results.insert(len(results) - 1, redirect)
        seen: set[str] = set()
        unique = []
        for item in results:
            if item[0].key not in seen:
                seen.add(item[0].key)
                unique.append(item)
        return unique

    def _redirect(
        self, z: CodeRecord, record: CodeRecord
    ) -> tuple[CodeRecord, str, Instruction] | None:
        """An Excludes note at the history code that names this condition elsewhere."""
        wanted = stems(record.title) - {"acut", "unspecifi", "unspecified", "chronic"}
        for note in self.excludes(z):
            if wanted and wanted <= stems(note.text):
                keys = [s[0] for s in referenced_spans(note.text)]
                target = self.catalog.get(record.system, keys[0]) if keys else None
                if target is not None:
                    reason = (
                        f"The {NOTE_LABELS[note.kind]} note at {note.on} sends “{note.text}” to "
                        f"{target.code}: a past {record.title.lower()} is coded there."
                    )
                    return target, reason, note
        return None

    def _fit(
        self, levels: Sequence[str], pool: Sequence[CodeRecord]
    ) -> tuple[int, CodeRecord] | None:
        for z in pool:
            if z.key not in self._title_stems:
                words = stems(z.title) - {"person", "famil", "histor"}
                self._title_stems[z.key] = frozenset(words)
        return _fit(levels, pool, self._title_stems)

    def _family_of(self, heads: tuple[str, ...]) -> list[CodeRecord]:
        if heads not in self._families:
            out: list[CodeRecord] = []
            frontier = list(heads)
            while frontier:
                got = self.catalog.get_many("icd10cm", frontier)
                out += got.values()
                frontier = [c for r in got.values() for c in r.children]
            self._families[heads] = out
        return self._families[heads]


def _fit(
    levels: Sequence[str],
    pool: Sequence[CodeRecord],
    title_stems: dict[str, frozenset[str]],
) -> tuple[int, CodeRecord] | None:
    """The history code whose title words the condition's titles account for, at the most
    specific level where one does; the one naming the most words."""
    known: set[str] = set()
    for depth, text in enumerate(levels):
        known |= stems(text)
        fits = []
        for z in pool:
            words = title_stems[z.key]
            if words and words <= known:
                fits.append((-len(words), len(z.title), z))
        if fits:
            fits.sort(key=lambda f: f[:2])
            return depth, fits[0][2]
    return None


def _use(record: CodeRecord) -> str:
    return f"{record.code}: {record.title}."


def _block(record: CodeRecord) -> str | None:
    return next((a.code for a in record.ancestors if a.kind == "block"), None)


def _in_block(key: str, block: str) -> bool:
    first, _, last = block.partition("-")
    last = last or first
    return first <= key[:3] <= last
