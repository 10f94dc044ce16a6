"""One code: the public summary and the metered full page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from coderef.api.documented import ERRORS, documented
from coderef.api.errors import error_body
from coderef.api.presenters.accounts import meter_body
from coderef.api.presenters.catalog import crosswalks_body, page_body, summary_body
from coderef.api.responses import FastJSON
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
from coderef.catalog.systems import system_list
from coderef.errors import ForbiddenOrigin

router = APIRouter(prefix="/api/codes", tags=["codes"])
_SCHEMAS = "coderef.api.schemas"  # models documented lazily (api/documented.py)
# The public summary has its own router: SearchFunction serves it, never the metered page.
summary_router = APIRouter(prefix="/api/codes", tags=["codes"])

SystemPath = Annotated[str, Path(max_length=20, description=system_list())]
CodePath = Annotated[str, Path(max_length=20, description="A code, with or without its dot")]
OnDate = Annotated[
    dt.date | None,
    Query(
        alias="date",
        description="Answer from the release in force on this date (YYYY-MM-DD); when no "
        "loaded release covers it, from the nearest one, with a warning in release.warnings",
    ),
]
Strict = Annotated[
    bool,
    Query(description="With date: answer release_not_found when no loaded release covers it"),
]


def _wall_message(services: ServicesDep, registered: bool) -> str:
    if registered:
        return "You have used all the code page views on your account."
    bonus = services.policy.signup_bonus_views
    return f"You have used your free code page view. Register for free to get {bonus} more."


# async def, and the body a response of its own: the summary is one record read, a local SQLite
# read (or, on Lambda, where Mangum serves one request at a time, one DynamoDB Query), cheaper
# than a hop to the threadpool; the presenter's body goes out as built, held to CodeSummary by
# tests/api/test_response_models.py rather than validated again on every request.
@summary_router.get(
    "/{system}/{code}/summary",
    responses=ERRORS,
    openapi_extra=documented({200: f"{_SCHEMAS}:CodeSummary"}),
)
async def code_summary(
    services: ServicesDep,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
    strict: Strict = False,
) -> FastJSON:
    view = services.lookup.summary(system, code, on_date=on_date, strict=strict)
    return FastJSON(summary_body(view), headers={"Cache-Control": "public, max-age=300"})


@summary_router.get(
    "/{system}/{code}/crosswalks",
    responses=ERRORS,
    openapi_extra=documented({200: f"{_SCHEMAS}:CrosswalksResponse"}),
)
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
    return crosswalks_body(crosswalks_of(services.lookup.record(system, code, on_date)))


# The page and the wall are JSON responses built by the presenters: no second validation pass
# on every page view, and the models are documented without being built at cold start
# (api/documented.py); tests hold the bodies to them.
@router.get(
    "/{system}/{code}",
    responses={
        **ERRORS,
        402: {"description": "No views left: the public summary and the meter"},
        403: {"description": "Requested by another site (Sec-Fetch-Site: cross-site)"},
    },
    openapi_extra=documented(
        {200: f"{_SCHEMAS}:CodePageResponse", 402: f"{_SCHEMAS}:ViewWallResponse"}
    ),
)
async def code_page(
    services: ServicesDep,
    request: Request,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
    strict: Strict = False,
) -> FastJSON:
    def open_page() -> FastJSON:
        # A page of another site must not spend a member's views by linking or framing this
        # URL: browsers say where a request comes from, and a cross-site one is refused before
        # any charge (clients that send no Sec-Fetch-Site, like curl, are not browsers with
        # cookies to ride on).
        if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
            raise ForbiddenOrigin(
                "Code pages open only from CodeRef itself. Open this code from CodeRef's search."
            )
        if on_date and strict:
            services.lookup.require_release_on(system, on_date)  # before any charge
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
            response = FastJSON(
                {
                    **error_body(paid.wall.code, _wall_message(services, registered)),
                    "summary": summary_body(services.lookup.summary_of(record, on_date)),
                    "meter": meter_body(paid.wall.meter),
                },
                status_code=402,
                headers=headers,
            )
            new_guest_token = paid.wall.new_guest_token
        else:
            assert paid.charge is not None
            built = opened.page
            if built is None or built.registered != registered:  # dated, or the session ended
                built = services.lookup.page_of(record, registered=registered, on_date=on_date)
            page = page_body(built)
            page["meter"] = meter_body(paid.charge.meter, charged=paid.charge.charged)
            response = FastJSON(page, headers=headers)
            new_guest_token = paid.charge.new_guest_token
        if new_guest_token:
            set_cookie(response, request, GUEST_COOKIE, new_guest_token, GUEST_COOKIE_DAYS)
        if paid.session_ended:
            clear_cookie(response, request, SESSION_COOKIE)
        return response

    # One hop to the thread pool on the local server (the charge may fsync), none on Lambda.
    return await services.run_blocking(open_page)
