"""Response shapes of CasePilot and Case2Code (imported by their routers only, so the other
functions do not build them at cold start)."""

from __future__ import annotations

from typing import Literal

from coderef.api.schemas import AncestorOut, Out, ReleaseOut


class CodeLink(Out):
    system: str
    code: str
    title: str
    billable: bool
    kind: str
    url: str


class CandidateOut(CodeLink):
    reason: str  # why the code matched, quoting its wording


class SeventhOption(Out):
    char: str
    meaning: str
    code: str | None
    url: str | None


class CharacterOut(SeventhOption):
    matches: bool  # the encounter the question names


class AxisBrief(Out):
    position: int
    name: str
    value: str
    label: str


class CodeCard(Out):
    system: str
    system_name: str
    code: str
    title: str
    description: str
    billable: bool
    kind: str
    url: str
    plain_language: str
    ancestors: list[AncestorOut]
    axes: list[AxisBrief]
    release: ReleaseOut


class ScopeNote(Out):
    kind: str
    label: str
    text: str
    on: str
    level: str
    names_other: bool


class RelationOut(Out):
    kind: str
    label: str
    text: str
    on: str
    code: str
    covers: str


class NcciEdits(Out):
    loaded: bool
    message: str


class PassageOut(Out):
    source: str
    source_name: str
    section: str
    group: str
    title: str
    text: str
    url: str


class MissingOut(Out):
    written: str
    systems: list[str]
    message: str
    near: list[CodeLink]  # codes close to what was written


class InstructionNote(Out):
    """A note of the classification a code follows: code first, use additional code..."""

    kind: str
    label: str
    text: str
    on: str


class SearchLink(Out):
    code: str
    url: str


class InstructionOut(InstructionNote):
    codes: list[SearchLink]  # the codes the note names, as site searches


class LinkedCodeOut(Out):
    """A code of a coding set (or a history code): why it is there and the note it follows."""

    system: str
    code: str
    title: str
    billable: bool
    url: str
    reason: str
    note: InstructionNote | None


class NotLoadedOut(Out):
    system: str
    name: str
    message: str  # what an operator loads to answer it


class RootOperationOut(Out):
    label: str
    definition: str


class Icd9TargetOut(Out):
    system: str
    code: str
    title: str
    url: str
    approximate: bool
    combination: bool
    scenario: int
    choice_list: int


class Icd9CodeOut(Out):
    code: str
    procedure: bool
    title: str
    no_map: bool
    target_system: str
    source: str  # the CMS GEM file and who carries it
    targets: list[Icd9TargetOut]


class Icd9Brief(Out):
    code: str
    title: str


class NotIcd9Out(Out):
    written: str
    procedure: bool
    under: list[Icd9Brief]  # the complete codes of a category asked about


class CrosswalkAnswerOut(Out):
    """crosswalk: ICD-9-CM codes to ICD-10 by CMS's forward GEMs."""

    available: bool
    icd9: list[Icd9CodeOut]
    not_icd9: list[NotIcd9Out]
    flags: dict[str, str]  # what each GEM flag means


class AnswerDetails(Out):
    """The structured part of an answer; which fields appear depends on the question's kind."""

    codes: list[CodeCard] | None = None
    notes: dict[str, list[ScopeNote]] | None = None  # compare, together: by code
    relations: list[RelationOut] | None = None
    shared_ancestor: AncestorOut | None = None
    verdict: str | None = None  # together
    ncci_edits: NcciEdits | None = None
    asked: list[str] | None = None  # seventh_character: the encounter words asked about
    full_code_of: str | None = None
    locked: bool | None = None  # seventh_character: only the asked characters of a locked code
    characters: list[CharacterOut] | None = None
    coding_set: list[LinkedCodeOut] | None = None  # codes reported together, in order
    instructions: list[InstructionOut] | None = None  # sequence: the notes that govern a code
    not_loaded: list[NotLoadedOut] | None = None  # code_set_not_loaded
    topic: str | None = None  # codes_for
    candidates: list[CandidateOut] | None = None
    passages: list[PassageOut] | None = None
    root_operations: list[RootOperationOut] | None = None  # guideline: PCS root operations
    missing: list[MissingOut] | None = None
    crosswalk: CrosswalkAnswerOut | None = None


class SourceOut(Out):
    """A source an answer rests on: a code, a guideline section or a release."""

    kind: Literal["code", "guideline", "release"]
    url: str
    system: str | None = None
    code: str | None = None
    title: str | None = None
    release: str | None = None
    source: str | None = None
    section: str | None = None
    label: str | None = None
    id: str | None = None
    name: str | None = None


class Link(Out):
    label: str
    url: str


class AskResponse(Out):
    question: str
    kind: str
    answered: bool
    answer: str
    details: AnswerDetails
    sources: list[SourceOut]
    suggestions: list[Link]  # where to look instead, when the answer is not found
    composer: str  # which composer wrote the prose


class SeventhChoiceOut(Out):
    encounter: str | None
    chosen: list[SeventhOption]
    options: list[SeventhOption]  # empty for a locked code: its table stays on its page
    locked: bool
    note: str


class SuggestedCode(CandidateOut):
    """A search candidate, or a code the classification leads to (a history code, a
    combination code), which carries the note it follows."""

    seventh_character: SeventhChoiceOut | None = None
    stem: str | None = None  # when the encounter named the 7th character: the full code's stem
    note: InstructionNote | None = None


class Place(Out):
    text: str
    start: int
    end: int


class FindingOut(Place):
    kind: Literal["condition", "procedure"]
    status: str
    cue: str | None
    section: str | None  # the note's section it was read in
    laterality: str | None
    candidates: list[SuggestedCode]
    note: str | None = None  # how its status changes the coding (history, uncertain...)


class ExcludedOut(Place):
    kind: Literal["condition", "procedure"]
    status: str
    cue: str | None
    section: str | None
    laterality: str | None
    reason: str  # why nothing is coded


class CodingSetOut(Out):
    findings: list[str]  # the findings' text
    codes: list[LinkedCodeOut]


class EncounterOut(Place):
    type: str


class SystemRelease(ReleaseOut):
    system: str


class Case2CodeResponse(Out):
    systems: list[str]
    setting: Literal["inpatient", "outpatient"]  # as asked, or read from the note
    encounter: EncounterOut | None
    findings: list[FindingOut]
    coding_sets: list[CodingSetOut]
    excluded: list[ExcludedOut]
    message: str | None  # when the note names nothing found
    releases: list[SystemRelease]


__all__ = ["AskResponse", "Case2CodeResponse"]
