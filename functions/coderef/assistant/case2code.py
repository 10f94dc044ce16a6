"""Case2Code: from a case note to candidate codes, phrase by phrase.

The note is read (assistant/case_notes.py), its clinical phrases are found by asking the
candidate finder for the longest runs of words that some code matches in full, and every
phrase comes back with its place in the note, its status, its side and its candidates.
Denied phrases are reported as excluded and get no codes. Nothing is stored or logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderef.assistant.case_notes import (
    LATERALITY,
    MAX_NOTE_CHARS,
    NEGATED,
    PRESENT,
    ReadNote,
    Word,
    read_note,
)
from coderef.assistant.ports import CandidateSource
from coderef.catalog.codes import SYSTEMS, resolve_system
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, Release, SeventhCharacter
from coderef.errors import InvalidInput, NoteTooLong, UnknownSystem

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate

MAX_SPAN = 7  # words in one phrase
CANDIDATES = 5
# Words that join a phrase's words ("fracture of the right wrist") but never start or end one.
_JOINERS = frozenset("of with and or in to the a an on at due from".split())
# Words of a note that are about the visit, not the patient's conditions.
_FILLER = frozenset(
    """patient year years old month months week weeks day days hour hours ago male female man
    woman boy girl m f presents presented presenting reports reported complains complaining
    states stated endorses admits noted notes today yesterday tonight since x visit clinic
    seen here his her he she they their this that is was were are be been has have had will
    would also then since while after before during over about approximately approx per
    status post history follow up initial subsequent encounter evaluation exam physical
    assessment plan hpi ros vitals vital signs mg ml bid tid daily pain-free
    rule out possible probable suspected likely questionable concern closed ruled underwent
    negative positive well healing""".split()
)
_PLACE_WORDS = frozenset("to into toward towards radiating radiates".split())
_SKIP_BACK = frozenset("the a an his her their left right bilateral both".split())
# Words that qualify a finding but are not one by themselves.
_QUALIFIERS = frozenset(
    """left right bilateral both acute chronic mild moderate severe recurrent new old
    unspecified other type intermittent worsening worse persistent""".split()
)


@dataclass(frozen=True)
class SeventhChoice:
    """The 7th character the note's encounter calls for (at most one), and every option."""

    encounter: str | None
    chosen: list[SeventhCharacter]
    options: list[SeventhCharacter]
    note: str  # how the choice was made, or why none was


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    seventh: SeventhChoice | None = None  # for a stem that needs a 7th character


@dataclass(frozen=True)
class Excluded:
    """A denied phrase: reported, never coded."""

    text: str
    start: int
    end: int
    status: str
    cue: str | None


@dataclass(frozen=True)
class Finding:
    text: str  # as written in the note
    start: int
    end: int
    kind: str  # condition | procedure
    status: str
    cue: str | None
    laterality: str | None
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class Encounter:
    type: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Reading:
    """What Case2Code read in a note."""

    systems: list[str]
    encounter: Encounter | None
    findings: list[Finding]
    excluded: list[Excluded]
    releases: list[Release]  # the live release of each system read against


class Case2Code:
    def __init__(self, catalog: CodeCatalog, candidates: CandidateSource) -> None:
        self.catalog = catalog
        self.candidates = candidates

    def check(self, text: str) -> None:
        if not text or not text.strip():
            raise InvalidInput("Paste a case note to read.", field="text")
        if len(text) > MAX_NOTE_CHARS:
            raise NoteTooLong(
                f"A case note can be at most {MAX_NOTE_CHARS} characters; this one has "
                f"{len(text)}. Split it and read each part."
            )

    def suggest(self, text: str, systems: list[str] | None = None) -> Reading:
        self.check(text)
        chosen = _systems(systems)
        system_filter = chosen[0] if len(chosen) == 1 else None
        note = read_note(text)
        known = self._known(note)
        cache: dict[str, list[Candidate]] = {}

        def look_up(phrase: str) -> list[Candidate]:
            if phrase not in cache:
                cache[phrase] = self.candidates.find(
                    phrase, system=system_filter, limit=CANDIDATES * 2, depth=20, min_share=0.6
                )
            return cache[phrase]

        findings: list[Finding] = []
        excluded: list[Excluded] = []
        for chunk in _chunks(note, known):
            for first, last, found in _phrases(note, chunk, look_up):
                words = note.words[first : last + 1]
                start, end = words[0].start, words[-1].end
                status = words[0].status
                if status == NEGATED:
                    excluded.append(Excluded(text[start:end], start, end, NEGATED, words[0].cue))
                    continue
                side = _laterality(note, first, last)
                ranked = self._ranked(found, side, note)
                if not ranked:
                    continue
                system = ranked[0].candidate.system
                findings.append(
                    Finding(
                        text=text[start:end],
                        start=start,
                        end=end,
                        kind=(
                            "procedure"
                            if SYSTEMS[system].describes == "procedures"
                            else "condition"
                        ),
                        status=status,
                        cue=words[0].cue or None,
                        laterality=side,
                        suggestions=ranked,
                    )
                )
        releases = {r.system: r for r in self.catalog.releases()}
        found_encounter = note.encounter
        encounter = (
            Encounter(
                found_encounter.type,
                text[found_encounter.start : found_encounter.end],
                found_encounter.start,
                found_encounter.end,
            )
            if found_encounter
            else None
        )
        return Reading(
            systems=chosen,
            encounter=encounter,
            findings=findings,
            excluded=excluded,
            releases=[releases[s] for s in chosen if s in releases],
        )

    # -- internals -----------------------------------------------------------------------
    def _known(self, note: ReadNote) -> set[int]:
        """Indexes of the note's words that some code's wording uses (shorthand expanded)."""
        vocabulary = self.candidates.known_words(w for word in note.words for w in word.words)
        return {
            index
            for index, word in enumerate(note.words)
            if word.text not in _FILLER
            and (word.text in _JOINERS or any(w in vocabulary for w in word.words))
        }

    def _ranked(self, found: list[Candidate], side: str | None, note: ReadNote) -> list[Suggestion]:
        kept = []
        other_side = {"left": "right", "right": "left"}.get(side or "")
        for cand in found:
            if other_side and other_side in _title_words(cand.title):
                continue  # the note says the other side
            kept.append(cand)
        # Stems whose full code (with 7th character) is also listed: show the stem once.
        keys = {c.key for c in kept}
        kept = [c for c in kept if not (c.record.is_generated and c.record.parent in keys)]
        if side:
            kept.sort(key=lambda c: side not in _title_words(c.title))
        return [
            Suggestion(
                cand,
                _seventh(cand.record, note)
                if cand.record.seventh_characters and not cand.record.is_generated
                else None,
            )
            for cand in kept[:CANDIDATES]
        ]


def _title_words(title: str) -> set[str]:
    return set(re.findall(r"[a-z]+", title.lower()))


def _systems(systems: list[str] | None) -> list[str]:
    if not systems:
        return list(SYSTEMS)
    try:
        return list(dict.fromkeys(resolve_system(s).id for s in systems))
    except UnknownSystem as exc:
        raise InvalidInput(exc.message, field="systems") from None


def _chunks(note: ReadNote, known: set[int]) -> list[list[int]]:
    """Runs of known words, broken at commas, clause ends and changes of status."""
    chunks: list[list[int]] = []
    current: list[int] = []
    for index, word in enumerate(note.words):
        if (
            index not in known
            or index in note.breaks
            or (current and note.words[current[-1]].status != word.status)
        ):
            if current:
                chunks.append(current)
            current = []
        if index in known:
            current.append(index)
    if current:
        chunks.append(current)
    return chunks


def _content(word: Word) -> bool:
    return word.text not in _JOINERS


def _phrases(note: ReadNote, chunk: list[int], look_up):
    """The longest runs of the chunk that some code matches in full, left to right."""
    i = 0
    while i < len(chunk):
        for j in range(min(len(chunk), i + MAX_SPAN), i, -1):
            span = [note.words[k] for k in chunk[i:j]]
            if not (_content(span[0]) and _content(span[-1])):
                continue
            if all(
                part in _QUALIFIERS or not any(c.isalpha() for c in part)
                for w in span
                if _content(w)
                for part in w.words
            ):
                continue
            k = chunk[i] - 1
            while k >= 0 and note.words[k].text in _SKIP_BACK:
                k -= 1
            if k >= 0 and note.words[k].text in _PLACE_WORDS:
                continue  # "radiating to the left arm": where a finding goes, not a finding
            found = look_up(" ".join(w.text for w in span))
            if found:
                yield chunk[i], chunk[j - 1], found
                i = j
                break
        else:
            i += 1


def _laterality(note: ReadNote, first: int, last: int) -> str | None:
    clause = note.words[first].clause
    for k in [*range(first, last + 1), first - 1, first - 2]:
        if 0 <= k < len(note.words) and note.words[k].clause == clause:
            side = LATERALITY.get(note.words[k].text)
            if side:
                return side
    return None


def _seventh(record: CodeRecord, note: ReadNote) -> SeventhChoice:
    """The 7th character the note's encounter calls for, or every option when it says none."""
    table = record.seventh_characters
    encounter = note.encounter.type if note.encounter else None

    chosen: list[SeventhCharacter] = []
    if encounter:
        chosen = [s for s in table if s.meaning.lower().startswith(encounter)]
        refine = [note.healing] if note.healing else []
        refine.append("open" if note.open_fracture else "closed")
        for word in refine:
            narrower = [s for s in chosen if word in s.meaning.lower()]
            if narrower:
                chosen = narrower
        if encounter == "subsequent" and not note.healing and len(chosen) > 1:
            routine = [s for s in chosen if "routine healing" in s.meaning.lower()]
            chosen = routine or chosen
    return SeventhChoice(
        encounter=encounter,
        chosen=chosen[:1],
        options=list(table),
        note=_seventh_note(record, encounter, bool(chosen)),
    )


def _seventh_note(record: CodeRecord, encounter: str | None, chosen: bool) -> str:
    if chosen:
        return "Chosen from the encounter the note states."
    if encounter:
        return (
            f"No 7th character of {record.code} fits the {encounter} encounter the note "
            "states; choose one from the options."
        )
    return "The note does not say which encounter this is; choose the 7th character."


__all__ = ["PRESENT", "Case2Code"]
