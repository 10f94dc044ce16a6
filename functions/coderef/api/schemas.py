"""Response shapes, for the OpenAPI document and for checking what leaves the API."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

# The error statuses most routes document live in documented.py, without a model: FastAPI built
# a validator of ErrorResponse for each of them on every route at cold start. Still importable
# from here.
from coderef.api.documented import ERRORS as ERRORS

# The base class, the error body and the account bodies have modules of their own, so a
# function whose routes declare only those (CodePageFunction's /api/me, AuthFunction) does not
# define every model below at cold start; all are still importable from here.
from coderef.api.schemas_accounts import MeResponse as MeResponse
from coderef.api.schemas_accounts import MeterOut as MeterOut
from coderef.api.schemas_accounts import SignedInOut as SignedInOut
from coderef.api.schemas_accounts import StatusOut as StatusOut
from coderef.api.schemas_accounts import UnlockedCode as UnlockedCode
from coderef.api.schemas_accounts import UserOut as UserOut
from coderef.api.schemas_base import ErrorDetail as ErrorDetail
from coderef.api.schemas_base import ErrorResponse as ErrorResponse
from coderef.api.schemas_base import Out as Out


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


class CodeReleaseOut(ReleaseOut):
    """The release a code's text comes from, and whether it is in force (catalog/releases.py
    standing)."""

    today: str | None = None
    in_force_today: bool | None = None
    in_force_release: ReleaseOut | None = None  # the loaded release in force today, if any
    asked_date: str | None = None
    covers_asked_date: bool | None = None
    # each problem in a sentence: not in force today, date not covered
    warnings: list[str] = []  # noqa: RUF012 (a pydantic field: copied for each instance)


class CodeSummary(Out):
    system: str
    system_name: str
    code: str
    title: str
    billable: bool
    kind: str
    ancestors: list[AncestorOut]
    release: CodeReleaseOut
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
    """Stands in for a section a guest does not receive: only its size."""

    locked: Literal[True]
    reason: str  # "register"
    count: int  # entries in the section (notes count their items); 0 when it is empty


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


class CrosswalkRowOut(Out):
    """One GEM row: an ICD-9-CM code ("" when nothing corresponds) and its flags."""

    code: str
    title: str
    flags: list[Literal["approximate", "no_map", "combination"]]
    scenario: int  # in a combination, which alternative this row belongs to
    choice_list: int  # in a scenario, the list this code is one choice from


class CrosswalkDirectionOut(Out):
    direction: Literal["from_icd9", "to_icd9"]
    label: str
    rows: list[CrosswalkRowOut]


class CrosswalksResponse(Out):
    """ICD-9-CM equivalents of a code (CMS GEMs), both directions, every flag explained."""

    system: str
    system_name: str
    code: str
    title: str
    release: str  # the id of the release the code's record is from
    source: str  # the CMS files, as the package that carries them
    directions: list[CrosswalkDirectionOut]
    flags_explained: dict[str, str]


class HistoryStepOut(Out):
    release: ReleaseOut
    status: Literal["present", "added", "revised", "unchanged", "deleted", "absent"]
    changed: list[str] | None = None
    before: dict[str, str | bool] | None = None  # the changed fields, as they were
    after: dict[str, str | bool] | None = None  # the changed fields, as they became
    title: str | None = None  # absent where the code is not in that release


class NoteOut(Out):
    """One kind of note written on one level (catalog/notes.py NoteGroup): the code's own
    notes carry the code itself as their level."""

    kind: str
    label: str
    meaning: str  # what the note type asks of a coder
    items: list[str]
    from_: str = Field(alias="from")  # the code or grouping the note is written on
    level: str  # that level's kind: code | subcategory | category | block | chapter
    from_title: str


class InheritedNoteOut(NoteOut):
    """A note of a level above the code; it binds the code too."""


class SeventhCharacterOut(Out):
    char: str
    meaning: str
    code: str | None = None
    clarifications: list[str]  # further wording the source gives for the value


class CodePageResponse(CodeSummary):
    """The full page. For a guest the sections for registered accounts are lock markers."""

    description: str
    plain_language: PlainLanguage
    axes: list[AxisOut]
    attributes: list[AttributeOut]
    crosswalks: list[CrosswalkDirectionOut]  # ICD-9-CM equivalents (GEMs); empty for none
    history: list[HistoryStepOut]
    notes: list[NoteOut] | Locked
    inherited_notes: list[InheritedNoteOut] | Locked
    seventh_characters: list[SeventhCharacterOut] | Locked
    children: list[ChangedCode]  # the free code tree (issue 17): never locked
    related: list[ChangedCode] | Locked
    # Codes the notes name that the release lacks (registered readers only): linked to search
    absent_codes: list[str] | None = None
    meter: MeterOut


class ViewWallResponse(ErrorResponse):
    """402: no views left. The public summary and the meter come with the error."""

    summary: CodeSummary
    meter: MeterOut


# -- accounts: api/schemas_accounts.py ------------------------------------------------------


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
