"""One code: the public summary and the metered full page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from coderef.api.errors import error_body
from coderef.api.schemas import ERRORS, CodeSummary
from coderef.api.services import ServicesDep
from coderef.api.session import (
    GUEST_COOKIE,
    GUEST_COOKIE_DAYS,
    SESSION_COOKIE,
    claimed_viewer,
    clear_cookie,
    client_address,
    set_cookie,
)
from coderef.catalog.crosswalks import crosswalks_of

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


@summary_router.get("/{system}/{code}/crosswalks", responses=ERRORS)
def code_crosswalks(
    services: ServicesDep,
    response: Response,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
) -> dict:
    """ICD-9-CM equivalents of an ICD-10-CM or ICD-10-PCS code (CMS GEMs), both directions
    where CMS published both, each row's flags explained. Public, like the summary."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return crosswalks_of(services.lookup.record(system, code, on_date))


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
    # The record and the charge, side by side when the index knows the code (domain/
    # code_pages.py). One unlock opens a code in every loaded release.
    viewer = claimed_viewer(request, services)
    opened = services.code_pages.open(
        viewer, system, code, on_date, lambda: client_address(request, services)
    )
    record, paid = opened.record, opened.paid
    registered = viewer.is_registered and not paid.session_ended
    headers = {"Cache-Control": "private, no-store"}
    if paid.wall:
        response = JSONResponse(
            {
                **error_body(paid.wall.code, _wall_message(services, registered)),
                "summary": services.lookup.summary_of(record),
                "meter": paid.wall.details["meter"].to_public(),
            },
            status_code=402,
            headers=headers,
        )
        new_guest_token = paid.wall.details.get("new_guest_token")
    else:
        assert paid.charge is not None
        page = services.lookup.page_of(record, registered=registered)
        page["meter"] = paid.charge.meter.to_public(charged=paid.charge.charged)
        response = JSONResponse(page, headers=headers)
        new_guest_token = paid.charge.new_guest_token
    if new_guest_token:
        set_cookie(response, request, GUEST_COOKIE, new_guest_token, GUEST_COOKIE_DAYS)
    if paid.session_ended:
        clear_cookie(response, request, SESSION_COOKIE)
    return response
