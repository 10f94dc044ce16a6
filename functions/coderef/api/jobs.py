"""CareerCenter over HTTP: search, job pages (410 with similar jobs once expired), posting and
editing one's own posts, reports, and saved searches. The rules live in coderef.jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from coderef.api.presenters.jobs import (
    alert_body,
    alert_list_body,
    gone_body,
    job_list_body,
    job_page_body,
    options_body,
    own_job_body,
    own_jobs_body,
)
from coderef.api.schemas_jobs import (
    AlertList,
    AlertOut,
    JobGoneBody,
    JobList,
    JobPage,
    Options,
    OwnJobOut,
    OwnJobs,
    ReportOut,
)
from coderef.api.services import Services, ServicesDep
from coderef.api.session import SameOrigin, ViewerDep, client_address
from coderef.errors import NotSignedIn
from coderef.jobs import model
from coderef.jobs.service import JobGone

router = APIRouter(tags=["jobs"])
_write = [SameOrigin]
Responses = dict[int | str, dict[str, Any]]
_R401: Responses = {401: {"description": "Not signed in"}}
_R404: Responses = {404: {"description": "No such job (or not yours)"}}
_R403: Responses = {403: {"description": "Sent from another site"}}


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


class AlertIn(BaseModel):
    q: str | None = Field(default=None, max_length=1000)
    arrangement: str | None = None
    state: str | None = None
    credential: str | None = None
    specialty: str | None = None
    salary_min: int | None = None
    posted_within_days: int | None = None


def _member(services: Services, viewer: Any) -> tuple[str, str]:
    if viewer.user is None:
        raise NotSignedIn("Log in to post jobs and save searches.")
    return viewer.user.id, viewer.user.email


@router.get("/api/job-options", response_model=Options)
def options(response: Response) -> dict:
    """The values each choice of a post and a search accepts."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    return options_body()


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
    return job_list_body(jobs, total, query)


@router.get("/api/me/jobs", response_model=OwnJobs, responses=_R401)
def my_jobs(services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    """The signed-in member's posts, with their moderation status."""
    response.headers["Cache-Control"] = "private, no-store"
    member_id, _ = _member(services, viewer)
    employer = services.job_board.last_employer(member_id)
    return own_jobs_body(services.job_board.mine(member_id), employer)


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
            gone_body(gone.code, gone.message, gone.similar),
            status_code=410,
            headers={"Cache-Control": "no-cache"},
        )
    own = job.employer_id == member_id
    response.headers["Cache-Control"] = "private, no-store" if own else "no-cache"
    return job_page_body(board, job, own)


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
    return own_job_body(job)


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
    current = board.own(member_id, job_id[:64])
    record = current.to_record()
    merged = {k: record.get(k) for k in JobIn.model_fields} | body.model_dump(exclude_unset=True)
    if "expires_in_days" not in body.model_fields_set:
        merged["expires_in_days"] = None  # the default again, from now
    return own_job_body(board.update(member_id, current.id, merged))


@router.delete(
    "/api/jobs/{job_id}",
    response_model=OwnJobOut,
    dependencies=_write,
    responses={**_R401, **_R403, **_R404},
)
def close_job(job_id: str, services: ServicesDep, viewer: ViewerDep) -> dict:
    """Close one's own post: it leaves the board, and its page answers 410."""
    member_id, _ = _member(services, viewer)
    return own_job_body(services.job_board.close(member_id, job_id[:64]))


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


@router.get("/api/me/job-alerts", response_model=AlertList, responses=_R401)
def list_alerts(services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    response.headers["Cache-Control"] = "private, no-store"
    member_id, _ = _member(services, viewer)
    return alert_list_body(services.job_board.alerts_of(member_id))


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
    return alert_body(alert)


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


_GONE_LINK: Responses = {404: {"description": "Unknown or used unsubscribe link"}}


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
