"""Response shapes, for the OpenAPI document and for checking what leaves the API."""

from __future__ import annotations

from pydantic import BaseModel


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


class CodeSummary(BaseModel):
    system: str
    system_name: str
    code: str
    title: str
    billable: bool
    kind: str
    ancestors: list[AncestorOut]
    release: ReleaseOut


class SystemOut(BaseModel):
    id: str
    name: str
    publisher: str
    licence: str
    releases: list[ReleaseOut]


class SystemsResponse(BaseModel):
    systems: list[SystemOut]


ERRORS = {
    400: {"model": ErrorResponse, "description": "Malformed input"},
    404: {"model": ErrorResponse, "description": "Not found"},
    503: {"model": ErrorResponse, "description": "Temporarily unavailable"},
}
