"""Response shapes, for the OpenAPI document and for checking what leaves the API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """A response body. Its validator is built on first use, not when the class is defined:
    a Lambda function builds only the models its routes declare (cold start)."""

    model_config = ConfigDict(defer_build=True)


class ErrorDetail(Out):
    code: str
    message: str


class ErrorResponse(Out):
    error: ErrorDetail


class SearchHit(Out):
    system: str
    code: str
    title: str
    billable: bool
    kind: str


class SearchResponse(Out):
    query: str
    total: int
    results: list[SearchHit]
    did_you_mean: str | None = None


class AncestorOut(Out):
    code: str
    title: str
    kind: str


class ReleaseOut(Out):
    id: str
    name: str
    source: str
    effective_from: str | None = None
    effective_to: str | None = None


class LoadedReleaseOut(ReleaseOut):
    live: bool
    records: int


class CodeSummary(Out):
    system: str
    system_name: str
    code: str
    title: str
    billable: bool
    kind: str
    ancestors: list[AncestorOut]
    release: ReleaseOut
    notice: str | None = None  # the licence notice a page must carry (CPT, CDT dental codes)


class SystemOut(Out):
    id: str
    name: str
    publisher: str
    licence: str
    releases: list[LoadedReleaseOut]  # newest first; one is live


class ChangedCode(Out):
    code: str
    title: str
    billable: bool
    kind: str


class RevisedCode(ChangedCode):
    changed: list[str]  # title, description, billable
    before: dict[str, str | bool]


class ChangeCounts(Out):
    added: int
    deleted: int
    revised: int


class ChangesResponse(Out):
    system: str
    from_: ReleaseOut = Field(alias="from")
    to: ReleaseOut
    counts: ChangeCounts
    added: list[ChangedCode]
    deleted: list[ChangedCode]
    revised: list[RevisedCode]


class SystemsResponse(Out):
    systems: list[SystemOut]


class HealthResponse(Out):
    status: str
    systems: list[str]


# -- the code page ------------------------------------------------------------------------


class Locked(Out):
    """Stands in for a section a guest does not receive."""

    locked: Literal[True]
    reason: str  # "register"


class PlainLanguage(Out):
    text: str
    source: str


class AxisOut(Out):
    position: int
    name: str
    value: str
    label: str
    definition: str | None = None


class AttributeOut(Out):
    id: str
    label: str
    value: str
    meaning: str


class HistoryStepOut(Out):
    release: ReleaseOut
    status: Literal["present", "added", "revised", "unchanged", "deleted", "absent"]
    changed: list[str] | None = None
    before: dict[str, str | bool] | None = None
    title: str | None = None  # absent where the code is not in that release


class NoteOut(Out):
    kind: str
    label: str
    items: list[str]


class InheritedNoteOut(NoteOut):
    from_: str = Field(alias="from")  # the code or grouping the note is written on


class SeventhCharacterOut(Out):
    char: str
    meaning: str
    code: str | None = None


class MeterOut(Out):
    remaining: int | None  # null on the unlimited plan
    plan: str  # guest | free | unlimited
    charged: bool  # this request took a view


class CodePageResponse(CodeSummary):
    """The full page. For a guest the sections for registered accounts are lock markers."""

    description: str
    plain_language: PlainLanguage
    axes: list[AxisOut]
    attributes: list[AttributeOut]
    history: list[HistoryStepOut]
    notes: list[NoteOut] | Locked
    inherited_notes: list[InheritedNoteOut] | Locked
    seventh_characters: list[SeventhCharacterOut] | Locked
    children: list[ChangedCode] | Locked
    related: list[ChangedCode] | Locked
    meter: MeterOut


class ViewWallResponse(ErrorResponse):
    """402: no views left. The public summary and the meter come with the error."""

    summary: CodeSummary
    meter: MeterOut


# -- accounts -------------------------------------------------------------------------------


class UserOut(Out):
    email: str
    plan: str
    created_at: str
    email_confirmed: bool


class SignedInOut(Out):
    user: UserOut
    meter: MeterOut


class StatusOut(Out):
    status: str


class UnlockedCode(Out):
    system: str
    code: str
    title: str


class MeResponse(Out):
    user: UserOut | None  # null for a guest
    meter: MeterOut
    unlocked: list[UnlockedCode]


# -- guidelines -----------------------------------------------------------------------------


class GuidelineSectionOut(Out):
    section: str
    group: str
    title: str
    url: str


class GuidelineSourceOut(Out):
    id: str
    name: str
    publisher: str
    origin: str
    sections: list[GuidelineSectionOut]


class GuidelineSourcesResponse(Out):
    sources: list[GuidelineSourceOut]


class GuidelinePassageOut(Out):
    source: str
    source_name: str
    section: str
    group: str
    title: str
    text: str
    url: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed input"},
    404: {"model": ErrorResponse, "description": "Not found"},
    503: {"model": ErrorResponse, "description": "Temporarily unavailable"},
}
