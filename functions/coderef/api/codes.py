"""One code: the public summary and the metered full page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from coderef.api.concurrency import side_by_side
from coderef.api.errors import error_body
from coderef.api.schemas import ERRORS, CodeSummary
from coderef.api.services import ServicesDep
from coderef.api.session import (
    GUEST_COOKIE,
    GUEST_COOKIE_DAYS,
    client_address,
    has_session_cookie,
    set_cookie,
    viewer_by_id,
)
from coderef.domain.errors import ViewLimitReached

router = APIRouter(prefix="/api/codes", tags=["codes"])
# The public summary has its own router: SearchFunction serves it, never the metered page.
summary_router = APIRouter(prefix="/api/codes", tags=["codes"])

SystemPath = Annotated[str, Path(max_length=20, description="icd10cm, icd10pcs, hcpcs or cpt")]
CodePath = Annotated[str, Path(max_length=20, description="A code, with or without its dot")]
OnDate = Annotated[
    dt.date | None,
    Query(alias="date", description="Answer from the release in force on this date (YYYY-MM-DD)"),
]


def _wall_message(services: ServicesDep, registered: bool) -> str:
    if registered:
        return "You have used all the code page views on your account."
    bonus = services.policy.signup_bonus_views
    return f"You have used your free code page view. Register for free to get {bonus} more."


@summary_router.get("/{system}/{code}/summary", response_model=CodeSummary, responses=ERRORS)
def code_summary(
    services: ServicesDep,
    response: Response,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return services.lookup.summary(system, code, on_date=on_date)


@router.get(
    "/{system}/{code}",
    responses={**ERRORS, 402: {"description": "No views left: the public summary and the meter"}},
)
def code_page(
    services: ServicesDep,
    request: Request,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
) -> JSONResponse:
    # Unknown codes are 404 and cost nothing, so the charge waits for the record; the session
    # does not, and is read beside it. One unlock opens a code in every loaded release.
    def find_record():
        return services.lookup.record(system, code, on_date)

    if has_session_cookie(request):
        record, viewer = side_by_side(find_record, lambda: viewer_by_id(request, services))
    else:
        record, viewer = find_record(), viewer_by_id(request, services)
    headers = {"Cache-Control": "private, no-store"}
    try:
        charge = services.view_meter.charge(
            viewer, record.system, record.key, client_address(request, services)
        )
    except ViewLimitReached as wall:
        response = JSONResponse(
            {
                **error_body(wall.code, _wall_message(services, viewer.is_registered)),
                "summary": services.lookup.summary_of(record),
                "meter": wall.details["meter"].to_public(),
            },
            status_code=402,
            headers=headers,
        )
        if wall.details.get("new_guest_token"):
            set_cookie(
                response, request, GUEST_COOKIE, wall.details["new_guest_token"], GUEST_COOKIE_DAYS
            )
        return response
    page = services.lookup.page_of(record, registered=viewer.is_registered)
    page["meter"] = charge.meter.to_public(charged=charge.charged)
    response = JSONResponse(page, headers=headers)
    if charge.new_guest_token:
        set_cookie(response, request, GUEST_COOKIE, charge.new_guest_token, GUEST_COOKIE_DAYS)
    return response
