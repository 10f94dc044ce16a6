"""CareerCenter's posts, pages and saved searches as JSON bodies (schema.org JobPosting too)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from coderef.jobs import model
from coderef.jobs.model import ALERT_FILTERS, Employer, JobAlert, JobPost
from coderef.jobs.service import JobBoard

_PUBLIC = (
    "id",
    "title",
    "organization",
    "organization_website",
    "arrangement",
    "city",
    "state",
    "employment_type",
    "credentials_required",
    "credentials_preferred",
    "specialties",
    "experience",
    "salary_min",
    "salary_max",
    "salary_period",
    "description",
    "apply",
    "expires_at",
)
_EMPLOYMENT_TYPES = {
    "full-time": "FULL_TIME",
    "part-time": "PART_TIME",
    "contract": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "per-diem": "PER_DIEM",
}


def job_body(job: JobPost) -> dict[str, Any]:
    """What every visitor may see of an open post."""
    record = job.to_record()
    return {**{k: record[k] for k in _PUBLIC}, "listed_at": job.listed_at}


def own_job_body(job: JobPost) -> dict[str, Any]:
    """A post as its employer sees it: with its moderation status and why."""
    return {
        **job_body(job),
        "status": str(job.status),
        "reason": job.reason,
        "posted_at": job.posted_at,
    }


def job_list_body(jobs: list[JobPost], total: int, query: model.JobQuery) -> dict[str, Any]:
    return {
        "jobs": [job_body(j) for j in jobs],
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
    }


def own_jobs_body(jobs: list[JobPost], employer: Employer | None) -> dict[str, Any]:
    return {
        "jobs": [own_job_body(j) for j in jobs],
        "employer": {
            "organization": employer.organization,
            "organization_website": employer.organization_website,
        }
        if employer
        else None,
    }


def job_page_body(board: JobBoard, job: JobPost, own: bool) -> dict[str, Any]:
    return {
        "job": own_job_body(job) if own else job_body(job),
        "description_html": board.description_html(job),
        "json_ld": json_ld(board, job),
        "url": board.job_url(job),
    }


def gone_body(code: str, message: str, similar: list[JobPost]) -> dict[str, Any]:
    """The 410 of an expired or closed post, with similar open jobs."""
    return {"error": {"code": code, "message": message}, "similar": [job_body(j) for j in similar]}


def json_ld(board: JobBoard, job: JobPost) -> dict[str, Any]:
    """schema.org JobPosting, as search engines read it."""
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": board.description_html(job),
        "identifier": {"@type": "PropertyValue", "name": job.organization, "value": job.id},
        "datePosted": job.listed_at[:10],
        "validThrough": job.expires_at,
        "employmentType": _EMPLOYMENT_TYPES.get(job.employment_type, "OTHER"),
        "hiringOrganization": {
            "@type": "Organization",
            "name": job.organization,
            "sameAs": job.organization_website,
        },
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "USD",
            "value": {
                "@type": "QuantitativeValue",
                "minValue": job.salary_min,
                "maxValue": job.salary_max,
                "unitText": job.salary_period.upper(),
            },
        },
        "url": board.job_url(job),
    }
    if job.arrangement == "remote":
        data["jobLocationType"] = "TELECOMMUTE"
        data["applicantLocationRequirements"] = {"@type": "Country", "name": "USA"}
    if job.state:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": job.city or "",
                "addressRegion": job.state,
                "addressCountry": "US",
            },
        }
    return data


def options_body() -> dict[str, Any]:
    """The values each choice of a post and a search accepts."""
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


def alert_body(alert: JobAlert) -> dict[str, Any]:
    """A saved search (never its unsubscribe hash or the member's address)."""
    return {
        "id": alert.id,
        "filters": alert.filters,
        "created_at": alert.created_at,
        "last_sent_at": alert.last_sent_at,
    }


def alert_list_body(alerts: list[JobAlert]) -> dict[str, Any]:
    return {"alerts": [alert_body(a) for a in alerts]}


# ---- the server-rendered job page (api/job_pages.py, templates/pages/job*.html) ----

_ARRANGEMENT_LABELS = {"remote": "Remote", "hybrid": "Hybrid", "on-site": "On-site"}


def salary_text(job: JobPost) -> str:
    period = "an hour" if job.salary_period == "hour" else "a year"
    return f"${job.salary_min:,}–${job.salary_max:,} {period}"


def place_text(job: JobPost) -> str:
    label = _ARRANGEMENT_LABELS.get(job.arrangement, job.arrangement)
    if job.arrangement == "remote":
        return f"{label} ({job.state})" if job.state else label
    where = ", ".join(p for p in (job.city, job.state) if p)
    return f"{label} · {where}" if where else label


def apply_href(job: JobPost) -> str:
    """How to apply as a link: posts take https URLs or an email address (checked on post)."""
    return job.apply if job.apply.startswith("https://") else f"mailto:{job.apply}"


def job_card_view(job: JobPost) -> dict[str, Any]:
    """One line of a list of jobs (the similar jobs of a 410 page)."""
    return {
        "id": job.id,
        "url": f"/jobs/{job.id}",
        "title": job.title,
        "organization": job.organization,
        "place": place_text(job),
        "salary": salary_text(job),
        "credentials": list(job.credentials),
    }


def job_page_view(board: JobBoard, job: JobPost) -> dict[str, Any]:
    """What the job page shows before any script runs, and its JobPosting JSON-LD. Every value
    is text the template escapes, except `description_html`, which nh3 has sanitised."""
    return {
        **job_card_view(job),
        "canonical": board.job_url(job),
        "organization_website": job.organization_website,
        "arrangement": _ARRANGEMENT_LABELS.get(job.arrangement, job.arrangement),
        "employment_type": job.employment_type,
        "experience": job.experience,
        "credentials_required": list(job.credentials_required),
        "credentials_preferred": list(job.credentials_preferred),
        "specialties": list(job.specialties),
        "description_html": board.description_html(job),
        "apply": job.apply,
        "apply_href": apply_href(job),
        "apply_is_email": not job.apply.startswith("https://"),
        "posted": job.listed_at[:10],
        "expires": job.expires_at[:10],
        "summary": (
            f"{job.title} at {job.organization}: {place_text(job)}, {job.employment_type}, "
            f"{salary_text(job)}."
        ),
        "json_ld": json_ld(board, job),
    }


# ---- the server-rendered /jobs search page (api/job_pages.py, templates/pages/jobs.html) ----

SEARCH_FILTERS = (*ALERT_FILTERS, "sort")


def _search_href(filters: dict[str, str], offset: int, limit: int | None) -> str:
    params = {k: v for k, v in filters.items() if v}
    if limit is not None:
        params["limit"] = str(limit)
    if offset > 0:
        params["offset"] = str(offset)
    return f"/jobs?{urlencode(params)}" if params else "/jobs"


def job_search_view(
    filters: dict[str, str],
    found: tuple[list[JobPost], int, model.JobQuery] | None,
    error: str | None = None,
    page_size: int = 20,
) -> dict[str, Any]:
    """What /jobs shows before any script runs: the form filled from the URL (`filters`, the
    visitor's own text, which the template escapes), the matching jobs, their count and the
    links to the pages around; or, when a filter is refused, `error` and no results."""
    view: dict[str, Any] = {
        "filters": filters,
        "options": options_body(),
        "error": error,
        "jobs": [],
        "total": 0,
        "count_text": "",
        "previous": None,
        "next": None,
        "page_text": "",
    }
    if found is None:
        return view
    jobs, total, query = found
    # A page size other than the usual one was asked for in the URL: the links keep it.
    limit = query.limit if query.limit != page_size else None
    pages = max(1, -(-total // query.limit))
    page = query.offset // query.limit + 1
    view.update(
        jobs=[{**job_card_view(j), "posted": j.listed_at[:10]} for j in jobs],
        total=total,
        count_text=(
            f"{total} job{'' if total == 1 else 's'} found."
            if total
            else "No open jobs match this search."
        ),
        previous=_search_href(filters, max(0, query.offset - query.limit), limit)
        if query.offset > 0
        else None,
        next=_search_href(filters, query.offset + query.limit, limit)
        if query.offset + query.limit < total
        else None,
        page_text=f"Page {page} of {pages}" if pages > 1 else "",
    )
    return view
