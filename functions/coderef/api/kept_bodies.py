"""The hot reads answered from their kept rendering (api/rendered.py), ahead of FastAPI's
routing and parameter handling, which cost several times the read itself.

Only what needs nothing else is answered here: a search or suggest asked before with the same
query string (while the index file is the same), an undated GET of a code's summary, and of
its page when the reader re-opens a code its meter has unlocked (one read of the meter, the unlock
and, for a member, the session: ViewMeter.reopened; nothing is charged or written). Anything
else, a miss, and every error go on to the routes in api/codes.py, which answer them as
always: the bytes and headers sent here are the ones those routes send. A body is kept only
by the route that renders it, so an app without that route (SearchFunction has no page) never
answers it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from coderef.errors import CodeRefError

if TYPE_CHECKING:  # the page's modules load with its first request: a function's cold start
    from coderef.api.services import Services  # pays nothing here for routes it lacks

PREFIX = "/api/codes/"
SEARCHES = ("/api/search", "/api/suggest")
PARAM_MAX = 20  # the routes' max_length for {system} and {code}
# The code routes' headers too (api/codes.py): a kept answer and a rendered one are the same.
PUBLIC = {"Cache-Control": "public, max-age=300"}
PRIVATE = {"Cache-Control": "private, no-store"}


def public_json(body: bytes) -> Response:
    """A rendered public body as the routes send it and as it is sent again here."""
    return Response(body, media_type="application/json", headers=PUBLIC)


def cross_site(headers: Headers) -> bool:
    """Whether a browser says the request comes from another site's page."""
    return headers.get("sec-fetch-site", "").lower() == "cross-site"


class KeptBodies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            response = None
            if scope["path"] in SEARCHES:
                response = _search(scope)
            elif not scope.get("query_string") and scope["path"].startswith(PREFIX):
                response = self._kept(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _kept(self, scope: Scope) -> Response | None:
        parts = scope["path"][len(PREFIX) :].split("/")  # system, code[, "summary"]
        if len(parts) == 3 and parts[2] == "summary":
            kind = "summary"
        elif len(parts) == 2:
            kind = "page"
        else:
            return None
        system, code = parts[0], parts[1]
        if not (0 < len(system) <= PARAM_MAX and 0 < len(code) <= PARAM_MAX):
            return None
        services: Services = scope["app"].state.services
        if services.rendered is None:
            return None
        try:
            if kind == "summary":
                return _summary(services, system, code)
            return _reopened_page(services, scope, system, code)
        except CodeRefError:
            return None  # the route answers it, in its own words


def search_key(services: Services, scope: Scope) -> tuple | None:
    """What a search or suggest answer is kept under: its path and query string as sent, and
    the index file's stamp (a rebuilt index leaves every kept answer behind); None when
    bodies are not kept."""
    if services.rendered is None:
        return None
    return ("search", scope["path"], scope["query_string"], services.index.stamp())


def _search(scope: Scope) -> Response | None:
    services: Services = scope["app"].state.services
    # Only the search routes keep answers, after opening the index: none opened, none kept.
    if "index" not in vars(services):
        return None
    try:
        key = search_key(services, scope)
    except CodeRefError:
        return None  # no index file: the route says so
    body = services.rendered.get(key) if key is not None and services.rendered else None
    return public_json(body) if body else None


def _summary(services: Services, system: str, code: str) -> Response | None:
    key = services.body_key("summary", system, code)
    body = services.rendered.get(key) if key and services.rendered is not None else None
    return public_json(body) if body else None


def _reopened_page(services: Services, scope: Scope, system: str, code: str) -> Response | None:
    from coderef.api.presenters.accounts import meter_body
    from coderef.api.rendered import with_member
    from coderef.api.session import viewer_from_cookies

    headers = Headers(scope=scope)
    if cross_site(headers):
        return None  # refused by the route
    key = services.body_key("page", system, code)
    rendered = services.rendered
    if key is None or rendered is None:
        return None
    # Only the page route keeps pages: none kept, none served here (SearchFunction has no
    # page route, nor the account service a reader's cookies are read with).
    if rendered.get((*key, True)) is None and rendered.get((*key, False)) is None:
        return None
    viewer = viewer_from_cookies(cookie_parser(headers.get("cookie", "")), services)
    body = rendered.get((*key, viewer.is_registered))
    if body is None:
        return None
    paid = services.code_pages.reopened(viewer, key[1], key[2])
    if paid is None or paid.charge is None:
        return None  # a charge to decide: the route takes it
    meter = meter_body(paid.charge.meter, charged=paid.charge.charged)
    return Response(
        with_member(body, "meter", meter), media_type="application/json", headers=PRIVATE
    )
