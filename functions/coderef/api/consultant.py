"""CaseConsultant on the site: the consultant address and retention notice, a member's
threads (newest first, each deletable) and the form that asks a question."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from coderef.api.errors import error_body
from coderef.api.presenters.consultant import asked_body, thread_body, thread_detail_body
from coderef.api.schemas import ERRORS
from coderef.api.schemas_consultant import (
    AskedResponse,
    ConsultantInfo,
    ThreadDetail,
    ThreadList,
)
from coderef.api.services import ServicesDep
from coderef.api.session import SameOrigin, ViewerDep
from coderef.errors import NotSignedIn

router = APIRouter(prefix="/api/consultant", tags=["consultant"], dependencies=[SameOrigin])

ThreadId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="A thread's id")]

MEMBER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"description": "Not signed in: the consultant is for registered accounts"},
    403: {"description": "The account's email address is not confirmed yet"},
    404: {"description": "No such thread of this member"},
    429: {"description": "Daily question limit reached"},
}


class AskBody(BaseModel):
    question: str = Field(max_length=4000, description="The question, up to 2000 characters")
    ask_human: bool = Field(default=False, description="Send it to a coder, not the engine")


def _member(viewer: Any) -> Any:
    if viewer.user is None:
        raise NotSignedIn("CaseConsultant is for registered accounts. Register for free or log in.")
    return viewer.user


@router.get("", response_model=ConsultantInfo)
def info(services: ServicesDep) -> dict:
    """The consultant address and the limits, shown before anyone writes."""
    settings = services.settings
    return {
        "address": settings.consult_address,
        "retention_days": settings.consult_retention_days,
        "questions_per_day": settings.consult_questions_per_day,
        "site_url": settings.public_url,
    }


@router.get("/threads", response_model=ThreadList, responses=MEMBER_ERRORS)
def threads(services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    """The member's threads, newest first."""
    response.headers["Cache-Control"] = "private, no-store"
    user = _member(viewer)
    return {"threads": [thread_body(t) for t in services.consultant.threads(user)]}


@router.post("/threads", response_model=AskedResponse, status_code=201, responses=MEMBER_ERRORS)
def ask(body: AskBody, services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    """Ask a question: answered from the loaded code sets (or queued for a coder), shown here
    and mailed to the member's address."""
    response.headers["Cache-Control"] = "private, no-store"
    user = _member(viewer)
    return asked_body(services.consultant.ask_on_site(user, body.question, body.ask_human))


@router.get("/threads/{thread_id}", response_model=ThreadDetail, responses=MEMBER_ERRORS)
def thread(
    thread_id: ThreadId, services: ServicesDep, viewer: ViewerDep, response: Response
) -> dict:
    response.headers["Cache-Control"] = "private, no-store"
    return thread_detail_body(*services.consultant.thread_of(_member(viewer), thread_id))


@router.delete("/threads/{thread_id}", status_code=204, responses=MEMBER_ERRORS)
def delete(thread_id: ThreadId, services: ServicesDep, viewer: ViewerDep) -> Response:
    """Delete a thread and every message in it, now."""
    services.consultant.delete(_member(viewer), thread_id)
    return Response(status_code=204)


# Two routes share each of these paths. Starlette answers another method with the Allow of
# the first route only; these answer it with both.
_OTHER_METHODS = ("PUT", "PATCH", "OPTIONS", "TRACE")


def _not_allowed(allowed: str):
    def refuse() -> JSONResponse:
        return JSONResponse(
            error_body("method_not_allowed", f"Use {allowed.replace(', ', ' or ')} here."),
            405,
            headers={"Allow": allowed},
        )

    return refuse


router.add_api_route(
    "/threads",
    _not_allowed("GET, POST"),
    methods=[*_OTHER_METHODS, "DELETE"],
    include_in_schema=False,
)
router.add_api_route(
    "/threads/{thread_id}",
    _not_allowed("GET, DELETE"),
    methods=[*_OTHER_METHODS, "POST"],
    include_in_schema=False,
)
