"""One code: the public summary and the metered full page."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic_core import to_json

from coderef.api.documented import ERRORS, documented
from coderef.api.errors import error_body
from coderef.api.kept_bodies import PRIVATE, PUBLIC, cross_site, public_json
from coderef.api.presenters.accounts import meter_body
from coderef.api.presenters.catalog import crosswalks_body, page_body, summary_body
from coderef.api.rendered import with_member
from coderef.api.responses import FastJSON
from coderef.api.services import Services, ServicesDep
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

if TYPE_CHECKING:  # annotations only: SearchFunction serves the summary and never a page
    from coderef.accounts.code_pages import PageCharge
    from coderef.accounts.metering import Viewer
    from coderef.catalog.lookup import CodePage
    from coderef.catalog.records import CodeRecord

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
# tests/api/test_response_models.py rather than validated again on every request. Undated, the
# rendered body is kept until the releases change or the day does (api/rendered.py).
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
) -> Response:
    rendered = None if on_date else services.rendered
    key = services.body_key("summary", system, code) if rendered is not None else None
    body = rendered.get(key) if rendered is not None and key else None
    if body is None:
        view = services.lookup.summary(system, code, on_date=on_date, strict=strict)
        body = to_json(summary_body(view))
        if rendered is not None and key:
            rendered.put(key, body)
    return public_json(body)


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
    response.headers.update(PUBLIC)
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
) -> Response:
    # A page of another site must not spend a member's views by linking or framing this URL:
    # browsers say where a request comes from, and a cross-site one is refused before any
    # charge (clients that send no Sec-Fetch-Site, like curl, are not browsers with cookies to
    # ride on).
    if cross_site(request.headers):
        raise ForbiddenOrigin(
            "Code pages open only from CodeRef itself. Open this code from CodeRef's search."
        )
    viewer = claimed_viewer(request, services)
    # Undated, a page built before under the same releases (api/rendered.py) is sent again
    # as rendered: the charge still runs as for any page. Its existence proves the code is
    # in the live release, so nothing is read before the charge.
    # (A re-opened code with a kept page is answered before this route: api/kept_bodies.py.)
    kept = None
    if not on_date and services.rendered is not None:
        kept = _KeptPage(services, system, code, viewer.is_registered)
    # One hop to the thread pool on the local server (the charge may fsync), none on Lambda.
    return await services.run_blocking(
        lambda: _open_page(services, request, viewer, system, code, on_date, strict, kept)
    )


class _KeptPage:
    """The rendered page of a code for one kind of reader, if one is kept, and its key."""

    def __init__(self, services: Services, system_raw: str, code_raw: str, registered: bool):
        key = services.body_key("page", system_raw, code_raw)
        assert key is not None and services.rendered is not None
        self.rendered = services.rendered
        self.base = key
        self.system, self.key = key[1], key[2]
        self.registered = registered
        self.body = self.rendered.get((*key, registered))

    def body_for(self, registered: bool) -> bytes | None:
        if registered == self.registered:
            return self.body
        return self.rendered.get((*self.base, registered))

    def keep(self, registered: bool, body: bytes) -> None:
        self.rendered.put((*self.base, registered), body)


def _open_page(
    services: Services,
    request: Request,
    viewer: Viewer,
    system: str,
    code: str,
    on_date: dt.date | None,
    strict: bool,
    kept: _KeptPage | None,
) -> Response:
    if on_date and strict:
        services.lookup.require_release_on(system, on_date)  # before any charge
    address = lambda: client_address(request, services)  # noqa: E731
    if kept is not None and kept.body is not None:
        paid = services.code_pages.pay(viewer, kept.system, kept.key, address)
        return _page_response(services, request, viewer, paid, kept, None, None)
    # The record and the charge, side by side when the index knows the code (accounts/
    # code_pages.py). One unlock opens a code in every loaded release.
    opened = services.code_pages.open(viewer, system, code, on_date, address)
    return _page_response(
        services, request, viewer, opened.paid, kept, opened.record, opened.page, on_date
    )


def _page_response(
    services: Services,
    request: Request,
    viewer: Viewer,
    paid: PageCharge,
    kept: _KeptPage | None,
    record: CodeRecord | None,
    built: CodePage | None,
    on_date: dt.date | None = None,
) -> Response:
    """The page (or the wall) for what the charge said; the page from its kept rendering when
    there is one for this reader, else built and, undated, kept."""
    registered = viewer.is_registered and not paid.session_ended
    headers = PRIVATE
    if record is None and kept is not None and (paid.wall or kept.body_for(registered) is None):
        record = services.lookup.record(kept.system, kept.key)
    if paid.wall:
        assert record is not None
        response: Response = FastJSON(
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
        body = kept.body_for(registered) if kept is not None else None
        if body is None:
            assert record is not None
            if built is None or built.registered != registered:  # dated, or the session ended
                built = services.lookup.page_of(record, registered=registered, on_date=on_date)
            body = to_json(page_body(built))
            if kept is not None:
                kept.keep(registered, body)
        meter = meter_body(paid.charge.meter, charged=paid.charge.charged)
        response = Response(
            with_member(body, "meter", meter), media_type="application/json", headers=headers
        )
        new_guest_token = paid.charge.new_guest_token
    if new_guest_token:
        set_cookie(response, request, GUEST_COOKIE, new_guest_token, GUEST_COOKIE_DAYS)
    if paid.session_ended:
        clear_cookie(response, request, SESSION_COOKIE)
    return response
