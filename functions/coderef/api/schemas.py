"""Response shapes, for the OpenAPI document and for checking what leaves the API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class SearchHit(BaseModel):
    system: str
    code: str
    title: str
    billable: bool
    kind: str


class SearchResponse(BaseModel):
    query: str
    total: int
    results: list[SearchHit]
    did_you_mean: str | None = None


class AncestorOut(BaseModel):
    code: str
    title: str
    kind: str


class ReleaseOut(BaseModel):
    id: str
    name: str
    source: str
    effective_from: str | None = None
    effective_to: str | None = None


class LoadedReleaseOut(ReleaseOut):
    live: bool
    records: int


class CodeSummary(BaseModel):
    system: str
    system_name: str
    code: str
    title: str
    billable: bool
    kind: str
    ancestors: list[AncestorOut]
    release: ReleaseOut
    notice: str | None = None  # the licence notice a page must carry (CPT, CDT dental codes)


class SystemOut(BaseModel):
    id: str
    name: str
    publisher: str
    licence: str
    releases: list[LoadedReleaseOut]  # newest first; one is live


class ChangedCode(BaseModel):
    code: str
    title: str
    billable: bool
    kind: str


class RevisedCode(ChangedCode):
    changed: list[str]  # title, description, billable
    before: dict[str, str | bool]


class ChangeCounts(BaseModel):
    added: int
    deleted: int
    revised: int


class ChangesResponse(BaseModel):
    system: str
    from_: ReleaseOut = Field(alias="from")
    to: ReleaseOut
    counts: ChangeCounts
    added: list[ChangedCode]
    deleted: list[ChangedCode]
    revised: list[RevisedCode]


class SystemsResponse(BaseModel):
    systems: list[SystemOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed input"},
    404: {"model": ErrorResponse, "description": "Not found"},
    503: {"model": ErrorResponse, "description": "Temporarily unavailable"},
}
