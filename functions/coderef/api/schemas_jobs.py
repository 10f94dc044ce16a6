"""Response shapes of CareerCenter (imported by its router only, so the other functions do not
build them at cold start)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from coderef.api.schemas import ErrorDetail, Out


class JobOut(Out):
    id: str
    title: str
    organization: str
    organization_website: str
    arrangement: str
    city: str | None
    state: str | None
    employment_type: str
    credentials_required: list[str]
    credentials_preferred: list[str]
    specialties: list[str]
    experience: str
    salary_min: int
    salary_max: int
    salary_period: str
    description: str
    apply: str
    listed_at: str
    expires_at: str


class OwnJobOut(JobOut):
    status: str = Field(examples=["pending"])
    reason: str | None = None  # why it was rejected or sent back to review
    posted_at: str


class JobList(Out):
    jobs: list[JobOut]
    total: int
    limit: int
    offset: int


class JobPage(Out):
    job: OwnJobOut | JobOut
    description_html: str  # the Markdown description, rendered and sanitised
    json_ld: dict[str, Any]  # schema.org JobPosting
    url: str


class JobGoneBody(Out):
    error: ErrorDetail
    similar: list[JobOut]


class EmployerOut(Out):
    organization: str
    organization_website: str


class OwnJobs(Out):
    jobs: list[OwnJobOut]
    employer: EmployerOut | None  # the last post's organisation, for the next one


class ReportOut(Out):
    received: bool


class Options(Out):
    arrangements: list[str]
    employment_types: list[str]
    experience_levels: list[str]
    salary_periods: list[str]
    credentials: list[str]
    specialties: list[str]
    states: list[str]
    default_expiry_days: int
    max_expiry_days: int


class AlertOut(Out):
    id: str
    filters: dict[str, Any]
    created_at: str
    last_sent_at: str


class AlertList(Out):
    alerts: list[AlertOut]
