"""Reading a free-text case note: words with their places, shorthand expanded, clauses, sides
and the encounter it states. What the note says about each finding (denied, uncertain, past,
a relative's) is medspaCy's to read: assistant/clinical_text.py.

Pure: no storage, no logging. The note text lives only in memory for one request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

MAX_NOTE_CHARS = 5000


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’/-][A-Za-z0-9]+)*(?:/(?![A-Za-z0-9]))?")
_CLAUSE_END = re.compile(r"[.;:!?\n]")
_LIST_BREAK = re.compile(r"[,()\[\]]")

_SIDE_LETTERS = {"R": "right", "L": "left"}
LATERALITY = {"left": "left", "right": "right", "bilateral": "bilateral", "both": "bilateral"}

_ENCOUNTERS = (
    ("sequela", re.compile(r"\b(sequela|sequelae|late effects?)\b", re.I)),
    (
        "subsequent",
        re.compile(
            r"\b(subsequent (encounter|visit)|follow[- ]?up|f/u|routine healing|recheck|"
            r"cast (check|change|removal)|suture removal|returns? for)\b",
            re.I,
        ),
    ),
    (
        "initial",
        re.compile(r"\b(initial (encounter|visit|evaluation)|new injury|active treatment)\b", re.I),
    ),
)
_DENIED_BEFORE = re.compile(r"\b(no|not|without|denies)\s+$", re.I)
_HEALING = re.compile(r"\b(routine healing|delayed healing|nonunion|non-union|malunion)\b", re.I)
_OPEN_FRACTURE = re.compile(r"\bopen (fracture|fx)\b|\bcompound fracture\b", re.I)


@lru_cache(maxsize=1)
def shorthand() -> dict[tuple[str, ...], tuple[str, ...]]:
    """case_note_terms.txt: shorthand (as words) -> what it stands for (as words)."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    text = resources.files("coderef.assistant").joinpath("case_note_terms.txt").read_text("utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"case_note_terms.txt line {number}: expected 'shorthand = words'")
        typed, meaning = (side.strip().lower() for side in line.split("=", 1))
        if not typed or not meaning:
            raise ValueError(f"case_note_terms.txt line {number}: empty side")
        table[tuple(typed.split())] = tuple(meaning.split())
    return table


@dataclass
class Word:
    """One word of the note as read: where it stands and what it stands for."""

    start: int
    end: int
    words: tuple[str, ...]  # lower case, shorthand expanded
    clause: int

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Encounter:
    type: str
    start: int
    end: int


@dataclass
class ReadNote:
    words: list[Word]
    breaks: set[int] = field(default_factory=set)  # word indexes a list break precedes
    encounter: Encounter | None = None
    healing: str | None = None
    open_fracture: bool = False


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def read_note(text: str) -> ReadNote:
    raw = _tokens(text)
    table = shorthand()
    longest = max((len(k) for k in table), default=1)
    words: list[Word] = []
    breaks: set[int] = set()
    clause = 0
    previous_end = 0
    i = 0
    while i < len(raw):
        start, _, _ = raw[i]
        gap = text[previous_end:start]
        if _CLAUSE_END.search(gap):
            clause += 1
        if _LIST_BREAK.search(gap) or _CLAUSE_END.search(gap):
            breaks.add(len(words))
        # The longest shorthand starting here (for example "lap chole" before "lap").
        for n in range(min(longest, len(raw) - i), 0, -1):
            typed = tuple(t[2].lower().replace("’", "'") for t in raw[i : i + n])
            if n > 1 and any(
                _CLAUSE_END.search(text[raw[k][1] : raw[k + 1][0]]) for k in range(i, i + n - 1)
            ):
                continue
            meaning = table.get(typed)
            # "R wrist", "L knee": a capital R or L before a word of the same clause is a side.
            if (
                n == 1
                and raw[i][2] in _SIDE_LETTERS
                and i + 1 < len(raw)
                and raw[i + 1][2].isalpha()
                and not _CLAUSE_END.search(text[raw[i][1] : raw[i + 1][0]])
            ):
                meaning = (_SIDE_LETTERS[raw[i][2]],)
            if meaning or n == 1:
                end = raw[i + n - 1][1]
                expanded = meaning or (typed[0],)
                words.append(Word(start, end, expanded, clause))
                previous_end = end
                i += n
                break
    note = ReadNote(words=words, breaks=breaks)
    _read_encounter(note, text)
    return note


def _read_encounter(note: ReadNote, text: str) -> None:
    found = [
        (match.start(), kind, match)
        for kind, pattern in _ENCOUNTERS
        for match in [pattern.search(text)]
        if match
    ]
    # An encounter stated as denied ("no follow-up needed") does not count.
    for _, kind, match in sorted(found, key=lambda f: f[0]):
        if _DENIED_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        note.encounter = Encounter(kind, match.start(), match.end())
        break
    healing = _HEALING.search(text)
    if healing:
        note.healing = healing.group(1).lower().replace("non-union", "nonunion")
    note.open_fracture = bool(_OPEN_FRACTURE.search(text))
