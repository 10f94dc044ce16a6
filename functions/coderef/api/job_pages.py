"""/jobs (the board, its results from the URL's filters) and /jobs/{id} (a job's page, with its
schema.org JobPosting data), rendered on the server.

Unlike code pages, job pages are not written by `coderef publish`: a post is approved, edited,
reported, closed or expires at any moment between two publishes, and its address must then
answer 200, 404 or 410 at once (a static file can only be there or not). So the page is
rendered per request from the jobs store, by `coderef serve` locally and by JobsFunction on
AWS, where CloudFront caches it for at most a few minutes (template.yaml `JobPageCachePolicy`,
keyed by the path alone: no cookie or query reaches the function, so one page serves everyone).

Every visitor gets the public view: the page never varies by who asks. An employer's own
pending post is a 404 here like any other; job.js then asks the API, which shows the post to
its owner only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coderef.api.presenters.jobs import (
    SEARCH_FILTERS,
    job_card_view,
    job_page_view,
    job_search_view,
)
from coderef.api.services import Services
from coderef.api.site import JOBS_SITEMAP, Site
from coderef.errors import InvalidInput, ServiceUnavailable
from coderef.jobs.model import JobQuery, make_query, parse_iso
from coderef.jobs.service import JobGone, JobNotFound

# CloudFront keeps a page no longer than the function says (its MaxTTL is the same 300 s).
OPEN_MAX_AGE = 300
GONE_MAX_AGE = 300
# A pending post approved a minute ago should not stay "not found" for long.
MISSING_MAX_AGE = 60
# /jobs: a new post shows within a minute; the edge keys it by the whole query (the filters).
SEARCH_MAX_AGE = 60
SEARCH_PAGE = 20
SITEMAP_JOBS = 5_000  # newest first; far below the protocol's 50,000 per file


def _page(body: str, status: int, max_age: int) -> HTMLResponse:
    # The edge keeps it `max_age` seconds (s-maxage); a browser asks again on every visit
    # (max-age=0), so a job closed a minute ago is not shown open from a visitor's cache.
    return HTMLResponse(
        body, status, headers={"Cache-Control": f"public, max-age=0, s-maxage={max_age}"}
    )


def open_max_age(expires_at: str, now: datetime) -> int:
    """Cached no longer than the job stays open, so an expired job is never served as open."""
    left = int((parse_iso(expires_at) - now).total_seconds())
    return max(0, min(OPEN_MAX_AGE, left))


def job_pages_router(site: Site | None = None) -> APIRouter:
    """The job page route. `site` is the local server's (templates re-read when edited); on
    Lambda it is built on the first request from CODEREF_FRONTEND_DIR (the SiteLayer)."""
    router = APIRouter(include_in_schema=False)
    built: list[Site] = []

    def site_for(services: Services) -> Site:
        if site is not None:
            site.assets.refresh()
            return site
        if not built:
            folder = services.settings.frontend_dir
            if folder is None or not (folder / "templates").is_dir():
                raise ServiceUnavailable(
                    "The site's templates are not deployed with this function."
                )
            built.append(Site(folder, services.settings.public_url, reload=False))
        return built[0]

    @router.api_route("/jobs/{job_id}", methods=["GET", "HEAD"])
    def job_page(job_id: str, request: Request) -> HTMLResponse:
        services: Services = request.app.state.services
        pages = site_for(services)
        board = services.job_board
        job_id = job_id[:64]
        try:
            job = board.public_job(job_id)  # no member: the public view, the same for all
        except JobGone as gone:
            similar = [job_card_view(j) for j in gone.similar]
            return _page(pages.job_gone(job_id, similar), 410, GONE_MAX_AGE)
        except JobNotFound:
            return _page(pages.job_not_found(job_id), 404, MISSING_MAX_AGE)
        body = pages.job_page(job_page_view(board, job))
        return _page(body, 200, open_max_age(job.expires_at, board.clock()))

    @router.api_route("/jobs", methods=["GET", "HEAD"])
    def job_search(request: Request) -> HTMLResponse:
        """The board with the URL's filters, rendered here so it reads (and pages) with scripts
        off. The same search as GET /api/jobs; a refused filter answers 400 with the form."""
        services: Services = request.app.state.services
        pages = site_for(services)
        given = request.query_params
        # Only the first 200 characters go back into the form: the page echoes what was sent.
        filters = {name: given.get(name, "").strip()[:200] for name in SEARCH_FILTERS}
        try:
            if len(given.get("q", "").strip()) > 200:  # (the form keeps its first 200 only)
                raise InvalidInput("q: a search is at most 200 characters.", field="q")
            query = make_query(
                filters["q"],
                filters["arrangement"] or None,
                filters["state"] or None,
                filters["credential"] or None,
                filters["specialty"] or None,
                filters["salary_min"] or None,
                filters["posted_within_days"] or None,
                filters["sort"] or None,
                given.get("limit", "").strip()[:20] or SEARCH_PAGE,
                given.get("offset", "").strip()[:20] or 0,
            )
        except InvalidInput as refused:
            view = job_search_view(filters, None, refused.message)
            return _page(pages.jobs_page(view), 400, SEARCH_MAX_AGE)
        jobs, total = services.job_board.search(query)
        view = job_search_view(filters, (jobs, total, query), page_size=SEARCH_PAGE)
        return _page(pages.jobs_page(view), 200, SEARCH_MAX_AGE)

    @router.api_route(f"/{JOBS_SITEMAP}", methods=["GET", "HEAD"])
    def job_sitemap(request: Request) -> Response:
        """Every open job's page, for search engines (the sitemap index lists this part)."""
        services: Services = request.app.state.services
        jobs, _ = services.job_board.search(JobQuery(limit=SITEMAP_JOBS))
        body = site_for(services).job_sitemap((f"/jobs/{j.id}", j.listed_at[:10]) for j in jobs)
        return Response(
            body,
            media_type="application/xml; charset=utf-8",
            headers={"Cache-Control": f"public, max-age=0, s-maxage={OPEN_MAX_AGE}"},
        )

    return router
