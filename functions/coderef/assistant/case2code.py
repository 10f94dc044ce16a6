"""Case2Code: from a case note to candidate codes, phrase by phrase.

The note is read (assistant/case_notes.py), its clinical phrases are found by asking the
candidate finder for the longest runs of words that some code matches in full, and every
phrase comes back with its place in the note, its status, its side and its candidates.
Denied phrases are reported as excluded and get no codes. Nothing is stored or logged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderef.assistant.answers import LinkedCode
from coderef.assistant.case_notes import (
    LATERALITY,
    MAX_NOTE_CHARS,
    ReadNote,
    Word,
    read_note,
)
from coderef.assistant.clinical_text import (
    FAMILY,
    HISTORY,
    HISTORY_SECTIONS,
    HYPOTHETICAL,
    NEGATED,
    PRESENT,
    UNCERTAIN,
    assert_findings,
)
from coderef.assistant.coding_rules import (
    FAMILY_HISTORY,
    PERSONAL_HISTORY,
    Classification,
    Instruction,
)
from coderef.assistant.ports import CandidateSource
from coderef.catalog.codes import SYSTEMS, resolve_system
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, Release, SeventhCharacter
from coderef.errors import InvalidInput, NoteTooLong, UnknownSystem

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate

Opened = Callable[[str, str], bool]
MAX_SPAN = 7  # words in one phrase
_EXCLUDED = {
    NEGATED: "The note denies it: nothing is coded.",
    HYPOTHETICAL: "Said as a possibility to watch for, not a finding: nothing is coded.",
    "past_procedure": "Done before this visit: a past procedure is never coded as this visit's.",
    UNCERTAIN: "Uncertain (“rule out”, “possible”): an outpatient note codes the signs and "
    "symptoms documented instead, never the uncertain diagnosis.",
}
_EXCLUDED["uncertain"] = _EXCLUDED[UNCERTAIN]
_INPATIENT_UNCERTAIN = (
    "Uncertain at discharge: an inpatient record codes it as if established (guideline "
    "II.H); confirm it is still uncertain at discharge."
)
_CHRONIC = (
    "Listed in the past medical history: a chronic condition still treated or affecting "
    "care is coded as current."
)
_NO_HISTORY_CODE = (
    "Not current: no history code in the loaded release names it, and its own code is not offered."
)
_NOTHING = "The note names no condition or procedure found in the loaded code sets."
_INPATIENT = re.compile(
    r"\b(admitted|admission|discharge summary|discharged|inpatient|hospital day|"
    r"hospital course)\b",
    re.I,
)
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
    negative positive well healing family discharge summary admitted blood stable labs""".split()
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
    """The 7th character the note's encounter calls for (at most one), and every option when
    the asker has unlocked the code (a locked code's table stays on its page)."""

    encounter: str | None
    chosen: list[SeventhCharacter]
    options: list[SeventhCharacter]  # empty for a locked code
    note: str  # how the choice was made, or why none was
    locked: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A code offered for a finding: a search candidate (with its 7th character when it needs
    one: the full code when the encounter names it), or a code the classification leads to (a
    history code, a combination code) with the note it follows."""

    record: CodeRecord
    reason: str
    candidate: Candidate | None = None
    seventh: SeventhChoice | None = None  # for a stem that needs a 7th character
    full: SeventhCharacter | None = None  # the 7th character the encounter names
    note: Instruction | None = None

    @property
    def code(self) -> str:
        return (self.full.code or self.record.code) if self.full else self.record.code

    @property
    def title(self) -> str:
        if self.full:
            return f"{self.record.title}, {self.full.meaning.lower()}"
        return self.record.title


@dataclass(frozen=True)
class Excluded:
    """A phrase reported and never coded: denied, hypothetical, a past procedure, or
    uncertain in an outpatient note."""

    text: str
    start: int
    end: int
    kind: str  # condition | procedure
    status: str
    cue: str | None
    section: str | None
    laterality: str | None
    reason: str


@dataclass(frozen=True)
class Finding:
    text: str  # as written in the note
    start: int
    end: int
    kind: str  # condition | procedure
    status: str
    cue: str | None
    section: str | None
    laterality: str | None
    suggestions: list[Suggestion]
    note: str | None = None  # how its status changes the coding (history, uncertain...)


@dataclass(frozen=True)
class CodingSet:
    """Codes the classification reports together for two findings, in order."""

    findings: list[str]  # the findings' text
    codes: list[LinkedCode]


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
    setting: str  # inpatient | outpatient: as given, or read from the note
    encounter: Encounter | None
    findings: list[Finding]
    coding_sets: list[CodingSet]
    excluded: list[Excluded]
    message: str | None  # when the note names nothing found
    releases: list[Release]  # the live release of each system read against


class Case2Code:
    def __init__(self, catalog: CodeCatalog, candidates: CandidateSource) -> None:
        self.catalog = catalog
        self.candidates = candidates
        self.rules = Classification(catalog)

    def check(self, text: str) -> None:
        if not text or not text.strip():
            raise InvalidInput("Paste a case note to read.", field="text")
        if len(text) > MAX_NOTE_CHARS:
            raise NoteTooLong(
                f"A case note can be at most {MAX_NOTE_CHARS} characters; this one has "
                f"{len(text)}. Split it and read each part."
            )
        letters = [c for c in text if c.isalpha()]
        if not letters or sum(c.isascii() for c in letters) < 0.8 * len(letters):
            raise InvalidInput(
                "Case2Code reads case notes written in English; this text has too few English "
                "letters to read.",
                field="text",
            )

    def suggest(
        self,
        text: str,
        systems: list[str] | None = None,
        setting: str | None = None,
        opened: Opened | None = None,
    ) -> Reading:
        """Findings, procedures and coding sets for a note. `opened(system, key)` says whether
        the asker has unlocked a code: for a locked one only the lines that decide this note
        are given (the chosen 7th character, the note a coding set follows), never its whole
        table or notes. Left out, every code is open (the CLI and benchmarks)."""
        self.check(text)
        chosen = _systems(systems)
        system_filter = chosen[0] if len(chosen) == 1 else None
        is_open: Opened = opened or (lambda system, key: True)
        setting = _setting(text, setting)
        note = read_note(text)
        known = self._known(note)
        cache: dict[str, list[Candidate]] = {}

        def look_up(phrase: str) -> list[Candidate]:
            if phrase not in cache:
                cache[phrase] = self.candidates.find(
                    phrase, system=system_filter, limit=CANDIDATES * 2, depth=20, min_share=0.5
                )
            return cache[phrase]

        chunks = _merged(note, _chunks(note, known), look_up)
        spans = [found for chunk in chunks for found in _phrases(note, chunk, look_up)]
        assertions = assert_findings(
            text, [(note.words[f].start, note.words[last].end) for f, last, _ in spans]
        )
        findings: list[Finding] = []
        excluded: list[Excluded] = []
        current: list[tuple[Finding, list[Candidate]]] = []
        for (first, last, found), said in zip(spans, assertions, strict=True):
            words = note.words[first : last + 1]
            start, end = words[0].start, words[-1].end
            phrase = text[start:end]
            is_procedure = SYSTEMS[found[0].system].describes == "procedures"
            kind = "procedure" if is_procedure else "condition"
            side = _laterality(note, first, last)

            where = (phrase, start, end, kind)
            heard = (said.cue, said.section, side)
            if said.status in (NEGATED, HYPOTHETICAL):
                excluded.append(Excluded(*where, said.status, *heard, _EXCLUDED[said.status]))
                continue
            if is_procedure and said.status in (HISTORY, FAMILY):
                excluded.append(
                    Excluded(*where, "past_procedure", *heard, _EXCLUDED["past_procedure"])
                )
                continue
            kept = self._kept(found, side)
            if said.status in (HISTORY, FAMILY):
                ranked = self._history(said.status, phrase, kept)
                findings.append(
                    Finding(
                        phrase,
                        start,
                        end,
                        kind,
                        said.status,
                        said.cue,
                        said.section,
                        side,
                        ranked,
                        None if ranked else _NO_HISTORY_CODE,
                    )
                )
                continue
            if said.status == UNCERTAIN and setting == "outpatient":
                excluded.append(Excluded(*where, UNCERTAIN, *heard, _EXCLUDED["uncertain"]))
                continue
            ranked = [self._item(c, note, is_open) for c in kept[:CANDIDATES]]
            if not ranked:
                continue
            note_text = None
            if said.status == UNCERTAIN:
                note_text = _INPATIENT_UNCERTAIN
            if said.section in HISTORY_SECTIONS:
                note_text = _CHRONIC
            finding = Finding(
                phrase,
                start,
                end,
                kind,
                said.status,
                said.cue,
                said.section,
                side,
                ranked,
                note_text,
            )
            findings.append(finding)
            if not is_procedure:
                current.append((finding, kept))
        coding_sets = self._coding_sets(current)
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
            setting=setting,
            encounter=encounter,
            findings=findings,
            coding_sets=coding_sets,
            excluded=excluded,
            message=None if findings or excluded else _NOTHING,
            releases=[releases[s] for s in chosen if s in releases],
        )

    # -- internals -----------------------------------------------------------------------
    def _known(self, note: ReadNote) -> set[int]:
        """Indexes of the note's words that some code's wording uses (shorthand expanded)."""
        vocabulary = self.candidates.known_words(w for word in note.words for w in word.words)
        known = {
            index
            for index, word in enumerate(note.words)
            if word.text not in _FILLER
            and (word.text in _JOINERS or any(w in vocabulary for w in word.words))
        }
        # A number belongs to the word before it ("type 2", "stage 3a"), not on its own.
        return {
            i
            for i in known
            if not note.words[i].text[0].isdigit()
            or (i - 1 in known and note.words[i - 1].text.isalpha())
        }

    def _kept(self, found: list[Candidate], side: str | None) -> list[Candidate]:
        other_side = {"left": "right", "right": "left"}.get(side or "")
        kept = [c for c in found if not (other_side and other_side in _title_words(c.title))]
        # Stems whose full code (with 7th character) is also listed: show the stem once.
        keys = {c.key for c in kept}
        kept = [c for c in kept if not (c.record.is_generated and c.record.parent in keys)]
        if side:
            kept.sort(key=lambda c: side not in _title_words(c.title))
        return kept

    def _item(self, cand: Candidate, note: ReadNote, is_open: Opened) -> Suggestion:
        record = cand.record
        if not record.seventh_characters or record.is_generated:
            return Suggestion(record, cand.reason, candidate=cand)
        seventh = _seventh(record, note, is_open(record.system, record.key))
        if len(seventh.chosen) != 1:
            return Suggestion(record, cand.reason, candidate=cand, seventh=seventh)
        # The encounter names the 7th character: the full code is the candidate.
        full = seventh.chosen[0]
        reason = (
            f"{cand.reason} 7th character {full.char}: {full.meaning}, from the encounter the "
            "note states."
        )
        return Suggestion(record, reason, candidate=cand, seventh=seventh, full=full)

    def _history(self, status: str, phrase: str, kept: list[Candidate]) -> list[Suggestion]:
        """A past or a relative's condition: its history code, never the condition's own. The
        history codes that name the condition in their own wording come first; then those the
        condition's titles and the classification's notes lead to."""
        heads = PERSONAL_HISTORY if status == HISTORY else FAMILY_HISTORY
        label = "personal history of" if status == HISTORY else "family history of"
        named: list[tuple[CodeRecord, str, Instruction | None]] = [
            (c.record, c.reason, None)
            for c in self.candidates.find(f"{label} {phrase}", system="icd10cm", limit=3)
            if c.key[:3] in heads and c.billable
        ]
        out: list[Suggestion] = []
        seen: set[str] = set()
        for record, reason, note in named + self.rules.history_codes(status, phrase, kept):
            if record.key in seen:
                continue
            seen.add(record.key)
            out.append(Suggestion(record, reason, note=note))
        return out[:CANDIDATES]

    def _coding_sets(self, current: list[tuple[Finding, list[Candidate]]]) -> list[CodingSet]:
        """Pairs of current conditions the classification links, as ordered sets; a
        combination code that replaces a separate one moves to the top of its finding."""
        tops: list[tuple[Finding, CodeRecord]] = []
        seen_codes: set[str] = set()
        for f, kept in current:
            # A condition named twice is linked once.
            if kept and f.suggestions and kept[0].key not in seen_codes:
                seen_codes.add(kept[0].key)
                tops.append((f, kept[0].record))
        records = [r for _, r in tops]
        sets: list[CodingSet] = []
        used: set[int] = set()
        for i, (f_a, a) in enumerate(tops):
            for j in range(i + 1, len(tops)):
                if i in used or j in used:
                    continue
                f_b, b = tops[j]
                others = [r for k, r in enumerate(records) if k not in (i, j)]
                linked = self.rules.link(a, b, others)
                if linked is None:
                    continue
                used |= {i, j}
                codes = [
                    LinkedCode(record, reason, instruction)
                    for record, reason, instruction in zip(
                        linked.codes, linked.reasons, linked.notes, strict=True
                    )
                ]
                sets.append(CodingSet([f_a.text, f_b.text], codes))
                for finding in (f_a, f_b):
                    replaced = linked.replaces.get(finding.suggestions[0].code)
                    if replaced:
                        combo = next(c for c in codes if c.record.code == replaced)
                        finding.suggestions.insert(
                            0, Suggestion(combo.record, combo.reason, note=combo.note)
                        )
        return sets


def _title_words(title: str) -> set[str]:
    return set(re.findall(r"[a-z]+", title.lower()))


def _systems(systems: list[str] | None) -> list[str]:
    if not systems:
        return list(SYSTEMS)
    try:
        return list(dict.fromkeys(resolve_system(s).id for s in systems))
    except UnknownSystem as exc:
        raise InvalidInput(exc.message, field="systems") from None


def _setting(text: str, setting: str | None) -> str:
    if setting in ("inpatient", "outpatient"):
        return setting
    if setting:
        raise InvalidInput("setting is inpatient or outpatient.", field="setting")
    return "inpatient" if _INPATIENT.search(text) else "outpatient"


def _chunks(note: ReadNote, known: set[int]) -> list[list[int]]:
    """Runs of known words, broken at commas and clause ends."""
    chunks: list[list[int]] = []
    current: list[int] = []
    for index in range(len(note.words)):
        if index not in known or index in note.breaks:
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


# Two findings joined by "and"/"or" are two findings; the coding sets link them if the
# classification does ("hypertension and chronic kidney disease" -> I12.9 + N18.x).
_LISTING = frozenset({"and", "or"})


def _phrases(note: ReadNote, chunk: list[int], look_up):
    """The longest runs of the chunk that some code matches in full, left to right."""
    i = 0
    while i < len(chunk):
        for j in range(min(len(chunk), i + MAX_SPAN), i, -1):
            span = [note.words[k] for k in chunk[i:j]]
            if not (_content(span[0]) and _content(span[-1])):
                continue
            if any(w.text in _LISTING for w in span):
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
            if len(span) == 1:
                # One word alone ("hip") must be most of a code's wording to be a finding.
                found = [c for c in found if c.share > 0.5]
            if found:
                yield chunk[i], chunk[j - 1], found
                i = j
                break
        else:
            i += 1


def _exact(found: list[Candidate]) -> bool:
    return bool(found) and not found[0].rank[0] and found[0].rank[1] == 0


def _merged(note: ReadNote, chunks: list[list[int]], look_up) -> list[list[int]]:
    """Runs a comma splits that one title names whole ("major depressive disorder, single
    episode, moderate") are read as one."""
    out: list[list[int]] = []
    for chunk in chunks:
        if out and chunk[0] == out[-1][-1] + 1:
            previous = out[-1]
            if note.words[previous[0]].clause == note.words[chunk[-1]].clause:
                merged = previous + chunk
                if _exact(look_up(" ".join(note.words[k].text for k in merged))):
                    out[-1] = merged
                    continue
        out.append(chunk)
    return out


def _laterality(note: ReadNote, first: int, last: int) -> str | None:
    clause = note.words[first].clause
    for k in [*range(first, last + 1), first - 1, first - 2]:
        if 0 <= k < len(note.words) and note.words[k].clause == clause:
            side = LATERALITY.get(note.words[k].text)
            if side:
                return side
    return None


def _seventh(record: CodeRecord, note: ReadNote, opened: bool = True) -> SeventhChoice:
    """The 7th character the note's encounter calls for, and every option when the asker has
    unlocked the code (a locked code's table stays on its page)."""
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
        options=list(table) if opened else [],
        note=_seventh_note(record, encounter, bool(chosen))
        + ("" if opened else " Open the code page for its 7th-character table."),
        locked=not opened,
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
