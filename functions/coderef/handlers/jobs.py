"""JobsFunction: CareerCenter's routes and its job pages (HTML rendered per request from the
SiteLayer's templates, api/job_pages.py). Reads and writes the jobs table; reads the accounts
table only to know who is signed in; sends no mail (moderation mail is the operator's CLI,
digests are JobsDigestFunction's)."""

from __future__ import annotations

from coderef.api import jobs
from coderef.api.job_pages import job_pages_router
from coderef.api.services import Services
from coderef.handlers.runtime import NoMail, accounts_store, aws_settings, function_app, jobs_store

ROUTERS = (jobs.router, job_pages_router())


def build_services() -> Services:
    settings = aws_settings(needs_address_secret=True)  # reports count once per address
    return Services(
        settings=settings,
        catalog=None,  # type: ignore[arg-type]  # no route here reads a code
        accounts=accounts_store(settings),
        mailer=NoMail(),
        jobs=jobs_store(settings),
    )


app, handler = function_app(ROUTERS, build_services)
