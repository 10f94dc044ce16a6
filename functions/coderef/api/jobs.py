"""CareerCenter over HTTP: search, job pages (410 with similar jobs once expired), posting and
editing one's own posts, reports, and saved searches. The rules live in coderef.jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from coderef.api.errors import error_body
from coderef.api.services import Services, ServicesDep
from coderef.api.session import SameOrigin, ViewerDep, client_address
from coderef.errors import NotSignedIn
from coderef.jobs import model
from coderef.jobs.model import JobPost
from coderef.jobs.service import JobGone

router = APIRouter(tags=["jobs"])
_write = [SameOrigin]
_R401 = {401: {"description": "Not signed in"}}
_R404 = {404: {"description": "No such job (or not yours)"}}
_R403 = {403: {"description": "Sent from another site"}}


class JobIn(BaseModel):
    """A job post as an employer writes it. Every field is checked by the board, which names
    the field it refuses (a 400); on PATCH, only the fields sent change."""

    title: str | None = Field(default=None, max_length=1000)
    organization: str | None = Field(default=None, max_length=1000)
    organization_website: str | None = Field(default=None, max_length=1000)
    arrangement: str | None = Field(default=None, examples=["remote"])
    city: str | None = Field(default=None, max_length=1000)
    state: str | None = Field(default=None, max_length=20, examples=["TX"])
    employment_type: str | None = Field(default=None, examples=["full-time"])
    credentials_required: list[str] | None = Field(default=None, examples=[["CPC"]])
    credentials_preferred: list[str] | None = None
    specialties: list[str] | None = Field(default=None, examples=[["outpatient"]])
    experience: str | None = Field(default=None, examples=["mid"])
    salary_min: int | str | None = Field(default=None, examples=[55000])
    salary_max: int | str | None = Field(default=None, examples=[65000])
    salary_period: str | None = Field(default=None, examples=["year"])
    description: str | None = Field(default=None, max_length=12_000)
    apply: str | None = Field(default=None, max_length=1000)
    expires_in_days: int | str | None = Field(default=None, examples=[60])


class JobOut(BaseModel):
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


class JobList(BaseModel):
    jobs: list[JobOut]
    total: int
    limit: int
    offset: int


class JobPage(BaseModel):
    job: OwnJobOut | JobOut
    description_html: str  # the Markdown description, rendered and sanitised
    json_ld: dict[str, Any]  # schema.org JobPosting
    url: str


class JobGoneBody(BaseModel):
    error: dict[str, Any]
    similar: list[JobOut]


class OwnJobs(BaseModel):
    jobs: list[OwnJobOut]
    employer: dict[str, str] | None  # the last post's organisation, for the next one


class ReportOut(BaseModel):
    received: bool


class Options(BaseModel):
    arrangements: list[str]
    employment_types: list[str]
    experience_levels: list[str]
    salary_periods: list[str]
    credentials: list[str]
    specialties: list[str]
    states: list[str]
    default_expiry_days: int
    max_expiry_days: int


class AlertIn(BaseModel):
    q: str | None = Field(default=None, max_length=1000)
    arrangement: str | None = None
    state: str | None = None
    credential: str | None = None
    specialty: str | None = None
    salary_min: int | None = None
    posted_within_days: int | None = None


class AlertOut(BaseModel):
    id: str
    filters: dict[str, Any]
    created_at: str
    last_sent_at: str


class AlertList(BaseModel):
    alerts: list[AlertOut]


def _out(job: JobPost) -> dict[str, Any]:
    record = job.to_record()
    return {**record, "listed_at": job.listed_at}


def _member(services: Services, viewer: Any) -> tuple[str, str]:
    if viewer.user is None:
        raise NotSignedIn("Log in to post jobs and save searches.")
    return viewer.user.id, viewer.user.email


@router.get("/api/job-options", response_model=Options)
def options(response: Response) -> dict:
    """The values each choice of a post and a search accepts."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    return {
        "arrangements": list(model.ARRANGEMENTS),
        "employment_types": list(model.EMPLOYMENT_TYPES),
        "experience_levels": list(model.EXPERIENCE_LEVELS),
        "salary_periods": list(model.SALARY_PERIODS),
        "credentials": list(model.CREDENTIALS),
        "specialties": list(model.SPECIALTIES),
        "states": list(model.US_STATES),
        "default_expiry_days": model.DEFAULT_EXPIRY_DAYS,
        "max_expiry_days": model.MAX_EXPIRY_DAYS,
    }


@router.get("/api/jobs", response_model=JobList)
def search_jobs(
    services: ServicesDep,
    response: Response,
    q: str | None = Query(default=None, max_length=1000),
    arrangement: str | None = None,
    state: str | None = None,
    credential: str | None = None,
    specialty: str | None = None,
    salary_min: int | None = None,
    posted_within_days: int | None = None,
    sort: str | None = Query(default=None, description="newest (default) or best"),
    limit: int = 20,
    offset: int = 0,
) -> dict:
    """Open jobs matching every word of `q` and every filter, newest or best match first."""
    query = model.make_query(
        q, arrangement, state, credential, specialty, salary_min, posted_within_days, sort,
        limit, offset,
    )  # fmt: skip
    jobs, total = services.job_board.search(query)
    # Not cached: a post must leave the board the moment it expires, closes or is reported.
    response.headers["Cache-Control"] = "no-cache"
    return {"jobs": [_out(j) for j in jobs], "total": total, "limit": query.limit,
            "offset": query.offset}  # fmt: skip


@router.get("/api/me/jobs", response_model=OwnJobs, responses=_R401)
def my_jobs(services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    """The signed-in member's posts, with their moderation status."""
    response.headers["Cache-Control"] = "private, no-store"
    member_id, _ = _member(services, viewer)
    employer = services.job_board.last_employer(member_id)
    return {
        "jobs": [_out(j) for j in services.job_board.mine(member_id)],
        "employer": {"organization": employer[0], "organization_website": employer[1]}
        if employer
        else None,
    }


@router.get(
    "/api/jobs/{job_id}",
    response_model=JobPage,
    responses={
        410: {"model": JobGoneBody, "description": "Expired or closed, with similar"},
        **_R404,
    },
)
def job_page(job_id: str, services: ServicesDep, viewer: ViewerDep, response: Response) -> Any:
    """One job: open to all; pending or rejected to its employer only; 410 once expired."""
    board = services.job_board
    member_id = viewer.user.id if viewer.user else None
    try:
        job = board.public_job(job_id[:64], member_id)
    except JobGone as gone:
        return JSONResponse(
            {
                **error_body(gone.code, gone.message),
                "similar": [JobOut(**_out(j)).model_dump() for j in gone.similar],
            },
            status_code=410,
            headers={"Cache-Control": "no-cache"},
        )
    own = job.employer_id == member_id
    response.headers["Cache-Control"] = "private, no-store" if own else "no-cache"
    return {
        "job": OwnJobOut(**_out(job)) if own else JobOut(**_out(job)),
        "description_html": board.description_html(job),
        "json_ld": board.json_ld(job),
        "url": board.job_url(job),
    }


@router.post(
    "/api/jobs",
    status_code=202,
    response_model=OwnJobOut,
    dependencies=_write,
    responses={**_R401, **_R403},
)
def post_job(body: JobIn, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Submit a post: it waits for review (pending) and is listed once approved."""
    member_id, email = _member(services, viewer)
    job = services.job_board.post(member_id, email, body.model_dump())
    return _out(job)


@router.patch(
    "/api/jobs/{job_id}",
    response_model=OwnJobOut,
    dependencies=_write,
    responses={**_R401, **_R403, **_R404},
)
def edit_job(job_id: str, body: JobIn, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Change one's own post; it goes back to review."""
    member_id, _ = _member(services, viewer)
    board = services.job_board
    current = board._own(member_id, job_id[:64])
    record = current.to_record()
    merged = {k: record.get(k) for k in JobIn.model_fields} | body.model_dump(exclude_unset=True)
    if "expires_in_days" not in body.model_fields_set:
        merged["expires_in_days"] = None  # the default again, from now
    return _out(board.update(member_id, current.id, merged))


@router.delete(
    "/api/jobs/{job_id}",
    response_model=OwnJobOut,
    dependencies=_write,
    responses={**_R401, **_R403, **_R404},
)
def close_job(job_id: str, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Close one's own post: it leaves the board, and its page answers 410."""
    member_id, _ = _member(services, viewer)
    return _out(services.job_board.close(member_id, job_id[:64]))


@router.post(
    "/api/jobs/{job_id}/report",
    response_model=ReportOut,
    dependencies=_write,
    responses={**_R403, **_R404},
)
def report_job(job_id: str, request: Request, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Report a post; three different reporters send it back to review."""
    reporter = f"u:{viewer.user.id}" if viewer.user else f"a:{client_address(request, services)}"
    services.job_board.report(job_id[:64], reporter)
    return {"received": True}


def _alert_out(alert: Any) -> dict:
    return {
        "id": alert.id,
        "filters": alert.filters,
        "created_at": alert.created_at,
        "last_sent_at": alert.last_sent_at,
    }


@router.get("/api/me/job-alerts", response_model=AlertList, responses=_R401)
def list_alerts(services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    response.headers["Cache-Control"] = "private, no-store"
    member_id, _ = _member(services, viewer)
    return {"alerts": [_alert_out(a) for a in services.job_board.alerts_of(member_id)]}


@router.post(
    "/api/me/job-alerts",
    status_code=201,
    response_model=AlertOut,
    dependencies=_write,
    responses={**_R401, **_R403},
)
def save_alert(body: AlertIn, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Save a search: a daily digest mail lists the new jobs matching it."""
    member_id, email = _member(services, viewer)
    alert, _token = services.job_board.save_alert(
        member_id, email, body.model_dump(exclude_none=True)
    )
    return _alert_out(alert)


@router.delete(
    "/api/me/job-alerts/{alert_id}",
    status_code=204,
    response_class=Response,
    dependencies=_write,
    responses={**_R401, **_R403, 404: {"description": "No such saved search"}},
)
def delete_alert(alert_id: str, services: ServicesDep, viewer: ViewerDep) -> Response:
    member_id, _ = _member(services, viewer)
    services.job_board.delete_alert(member_id, alert_id[:64])
    return Response(status_code=204)


_GONE_LINK = {404: {"description": "Unknown or used unsubscribe link"}}


@router.post(
    "/api/job-alerts/{alert_id}/unsubscribe",
    status_code=204,
    response_class=Response,
    responses=_GONE_LINK,
)
@router.get(
    "/api/job-alerts/{alert_id}/unsubscribe",
    status_code=204,
    response_class=Response,
    responses=_GONE_LINK,
)
def unsubscribe(
    alert_id: str, services: ServicesDep, token: str = Query(max_length=200)
) -> Response:
    """One-click unsubscribe from a digest mail (the link's token proves the mail was yours)."""
    services.job_board.unsubscribe(alert_id[:64], token)
    return Response(status_code=204)
