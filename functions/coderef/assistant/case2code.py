"""Case2Code: from a case note to candidate codes, phrase by phrase.

The note is read (assistant/case_notes.py), its clinical phrases are found by asking the
candidate finder for the longest runs of words that some code matches in full, and every
phrase comes back with its place in the note, its status, its side and its candidates.
Denied phrases are reported as excluded and get no codes. Nothing is stored or logged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coderef.assistant.answers import code_url
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
from coderef.assistant.coding_rules import FAMILY_HISTORY, PERSONAL_HISTORY, Classification
from coderef.assistant.ports import CandidateSource
from coderef.catalog.codes import SYSTEMS, resolve_system
from coderef.catalog.lookup import release_dict
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, SeventhCharacter
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
    ) -> dict[str, Any]:
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
        findings: list[dict[str, Any]] = []
        excluded: list[dict[str, Any]] = []
        current: list[tuple[dict[str, Any], list[Candidate]]] = []
        for (first, last, found), said in zip(spans, assertions, strict=True):
            words = note.words[first : last + 1]
            start, end = words[0].start, words[-1].end
            place = {"text": text[start:end], "start": start, "end": end}
            is_procedure = found[0].system == "icd10pcs"
            side = _laterality(note, first, last)
            base = {**place, "kind": "procedure" if is_procedure else "condition"}
            base.update({"cue": said.cue, "section": said.section, "laterality": side})
            if said.status in (NEGATED, HYPOTHETICAL):
                excluded.append({**base, "status": said.status, "reason": _EXCLUDED[said.status]})
                continue
            if is_procedure and said.status in (HISTORY, FAMILY):
                excluded.append(
                    {**base, "status": "past_procedure", "reason": _EXCLUDED["past_procedure"]}
                )
                continue
            kept = self._kept(found, side)
            if said.status in (HISTORY, FAMILY):
                ranked = self._history(said.status, place["text"], kept, is_open)
                finding = {**base, "status": said.status, "candidates": ranked}
                if not ranked:
                    finding["note"] = _NO_HISTORY_CODE
                findings.append(finding)
                continue
            if said.status == UNCERTAIN and setting == "outpatient":
                excluded.append({**base, "status": UNCERTAIN, "reason": _EXCLUDED["uncertain"]})
                continue
            ranked = [self._item(c, note, is_open) for c in kept[:CANDIDATES]]
            if not ranked:
                continue
            finding = {**base, "status": said.status, "candidates": ranked}
            if said.status == UNCERTAIN:
                finding["note"] = _INPATIENT_UNCERTAIN
            if said.section in HISTORY_SECTIONS:
                finding["note"] = _CHRONIC
            findings.append(finding)
            if not is_procedure:
                current.append((finding, kept))
        coding_sets = self._coding_sets(current, is_open)
        releases = {r.system: r for r in self.catalog.releases()}
        encounter = note.encounter
        return {
            "systems": chosen,
            "setting": setting,
            "encounter": (
                {
                    "type": encounter.type,
                    "text": text[encounter.start : encounter.end],
                    "start": encounter.start,
                    "end": encounter.end,
                }
                if encounter
                else None
            ),
            "findings": findings,
            "coding_sets": coding_sets,
            "excluded": excluded,
            "message": None if findings or excluded else _NOTHING,
            "releases": [
                {**release_dict(releases[s], releases[s].id), "system": s}
                for s in chosen
                if s in releases
            ],
        }

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

    def _item(self, cand: Candidate, note: ReadNote, is_open: Opened) -> dict[str, Any]:
        item = cand.to_dict()
        record = cand.record
        if record.seventh_characters and not record.is_generated:
            seventh = _seventh(record, note, is_open(record.system, record.key))
            item["seventh_character"] = seventh
            if len(seventh["chosen"]) == 1:
                # The encounter names the 7th character: the full code is the candidate.
                full = seventh["chosen"][0]
                item.update(
                    {
                        "code": full["code"],
                        "url": full["url"],
                        "title": f"{record.title}, {full['meaning'].lower()}",
                        "stem": record.code,
                        "reason": f"{cand.reason} 7th character {full['char']}: "
                        f"{full['meaning']}, from the encounter the note states.",
                    }
                )
        return item

    def _history(
        self, status: str, phrase: str, kept: list[Candidate], is_open: Opened
    ) -> list[dict[str, Any]]:
        """A past or a relative's condition: its history code, never the condition's own. The
        history codes that name the condition in their own wording come first; then those the
        condition's titles and the classification's notes lead to."""
        heads = PERSONAL_HISTORY if status == HISTORY else FAMILY_HISTORY
        label = "personal history of" if status == HISTORY else "family history of"
        named = [
            (c.record, c.reason, None)
            for c in self.candidates.find(f"{label} {phrase}", system="icd10cm", limit=3)
            if c.key[:3] in heads and c.billable
        ]
        out = []
        seen: set[str] = set()
        for record, reason, note in named + self.rules.history_codes(status, phrase, kept):
            if record.key in seen:
                continue
            seen.add(record.key)
            out.append(
                {
                    "system": record.system,
                    "code": record.code,
                    "title": record.title,
                    "billable": record.billable,
                    "kind": record.kind,
                    "url": code_url(record.system, record.code),
                    "reason": reason,
                    "note": note.to_dict() if note else None,
                }
            )
        return out[:CANDIDATES]

    def _coding_sets(
        self, current: list[tuple[dict[str, Any], list[Candidate]]], is_open: Opened
    ) -> list[dict[str, Any]]:
        """Pairs of current conditions the classification links, as ordered sets; a
        combination code that replaces a separate one moves to the top of its finding."""
        tops, seen_codes = [], set()
        for f, kept in current:
            # A condition named twice is linked once.
            if kept and f["candidates"] and kept[0].key not in seen_codes:
                seen_codes.add(kept[0].key)
                tops.append((f, kept[0].record))
        records = [r for _, r in tops]
        sets: list[dict[str, Any]] = []
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
                codes = []
                for record, reason, instruction in zip(
                    linked.codes, linked.reasons, linked.notes, strict=True
                ):
                    codes.append(
                        {
                            "system": record.system,
                            "code": record.code,
                            "title": record.title,
                            "billable": record.billable,
                            "url": code_url(record.system, record.code),
                            "reason": reason,
                            "note": instruction.to_dict() if instruction else None,
                        }
                    )
                sets.append({"findings": [f_a["text"], f_b["text"]], "codes": codes})
                for finding in (f_a, f_b):
                    replaced = linked.replaces.get(finding["candidates"][0]["code"])
                    if replaced:
                        combo = next(c for c in codes if c["code"] == replaced)
                        finding["candidates"].insert(0, {**combo, "kind": "code"})
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


def _seventh(record: CodeRecord, note: ReadNote, opened: bool = True) -> dict[str, Any]:
    """The 7th character the note's encounter calls for, and every option when the asker has
    unlocked the code (a locked code's table stays on its page)."""
    table = record.seventh_characters
    encounter = note.encounter.type if note.encounter else None

    def option(s: SeventhCharacter) -> dict[str, Any]:
        return {
            "char": s.char,
            "meaning": s.meaning,
            "code": s.code,
            "url": code_url(record.system, s.code) if s.code else None,
        }

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
    return {
        "encounter": encounter,
        "chosen": [option(s) for s in chosen[:1]],
        "options": [option(s) for s in table] if opened else [],
        "locked": not opened,
        "note": _seventh_note(record, encounter, bool(chosen))
        + ("" if opened else " Open the code page for its 7th-character table."),
    }


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
