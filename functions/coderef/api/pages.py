"""The site's HTML pages, rendered per request for `coderef serve` (on AWS, `coderef publish`
writes the same pages to S3 and CloudFront serves them with no function in the path).

Reading a code page here never touches the meter: it is the free, public part (the code tree).
The metered sections load from /api/codes/... after the page, as the meter rules say.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coderef.api.job_pages import job_pages_router
from coderef.api.presenters.catalog import code_release_body, release_body
from coderef.api.services import Services
from coderef.api.site import HTML_CACHE, STATIC_PAGES, Site, SitemapPart, code_url
from coderef.errors import CodeRefError

XML = "application/xml; charset=utf-8"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_of_service(asked: str | None) -> tuple[date | None, str | None]:
    """The `?date=` a code page was asked for: (the date, None), (None, why it cannot be
    used) or (None, None) when none was asked."""
    if not asked:
        return None, None
    try:
        if _ISO_DAY.fullmatch(asked):
            return date.fromisoformat(asked), None
    except ValueError:
        pass
    return None, f"The date {asked} is not a valid date of service: give it as YYYY-MM-DD."


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers={"Cache-Control": HTML_CACHE})


class SitemapCache:
    """The sitemap's parts, listed from the search index (built from the live releases) once
    per set of live releases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built_for: tuple[str, ...] = ()
        self._parts: list[SitemapPart] = []

    def parts(self, site: Site, services: Services) -> list[SitemapPart]:
        live = tuple(sorted(r.id for r in services.catalog.releases()))
        with self._lock:
            if live != self._built_for or not self._parts:
                self._parts = site.sitemap_parts(services.index.codes_by_system())
                self._built_for = live
            return self._parts


def pages_router(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    sitemaps = SitemapCache()

    def static_page(name: str) -> Callable[[], HTMLResponse]:
        def render() -> HTMLResponse:
            site.assets.refresh()
            return _html(site.page(name))

        return render

    for name, path in STATIC_PAGES.items():
        router.add_api_route(path, static_page(name), methods=["GET", "HEAD"])
        router.add_api_route(f"/{name}.html", static_page(name), methods=["GET", "HEAD"])
    # /jobs/{id}: rendered from the jobs store, as JobsFunction renders it on AWS.
    router.include_router(job_pages_router(site))

    @router.api_route("/code/{system}/{code}", methods=["GET", "HEAD"])
    def code_page(system: str, code: str, request: Request) -> Response:
        services = request.app.state.services
        site.assets.refresh()
        # A date of service (the history's links, the date chooser) shows the code as the
        # release in force that day wrote it, as the API answers it.
        on_date, date_problem = date_of_service(request.query_params.get("date"))
        try:
            record = services.lookup.record(system, code, on_date)
        except CodeRefError as exc:
            if exc.status != 404 and exc.code != "invalid_input":
                raise
            suggestions = cast(list[dict[str, Any]], exc.details.get("suggestions") or [])
            return _html(site.code_not_found(exc.message, suggestions), 404)
        canonical = code_url(record.system, record.code)
        if request.url.path != canonical:
            # r001, R001 and /code/ICD10CM/R00.1 all answer, from one address search engines keep.
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(canonical + query, status_code=301)
        view = services.lookup.summary_of(record, on_date)  # its release and licence notice
        children = services.catalog.get_many(record.system, record.children, release=record.release)
        body = site.code_page(
            record,
            [children[k] for k in record.children if k in children],
            # Undated, the page says no more than its release: it is published and cached
            # as it is, and whether a release is in force changes with the day.
            code_release_body(view) if on_date else release_body(view.release, record.release),
            view.notice,
            date_problem,
        )
        return _html(body)

    @router.api_route("/robots.txt", methods=["GET", "HEAD"])
    def robots() -> Response:
        return Response(
            site.robots(), media_type="text/plain", headers={"Cache-Control": HTML_CACHE}
        )

    @router.api_route("/sitemap.xml", methods=["GET", "HEAD"])
    def sitemap_index(request: Request) -> Response:
        parts = sitemaps.parts(site, request.app.state.services)
        return Response(
            site.sitemap_index(parts), media_type=XML, headers={"Cache-Control": HTML_CACHE}
        )

    @router.api_route("/sitemaps/{name}", methods=["GET", "HEAD"])
    def sitemap_part(name: str, request: Request) -> Response:
        parts = sitemaps.parts(site, request.app.state.services)
        part = next((p for p in parts if p.name == f"sitemaps/{name}"), None)
        if part is None:
            return _html(site.page("404"), 404)
        return Response(site.sitemap(part), media_type=XML, headers={"Cache-Control": HTML_CACHE})

    return router
