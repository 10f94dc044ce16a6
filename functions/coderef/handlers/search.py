"""SearchFunction: search, suggest, code summaries, systems and their release changes, guideline
passages, health. Public and the same for everyone, so CloudFront caches its answers. Reads the
codes table and the index in the layer; no accounts, no secrets."""

from __future__ import annotations

from coderef.api import codes, guidelines, meta, releases, search
from coderef.api.services import Services
from coderef.handlers.runtime import aws_settings, codes_catalog, function_app

ROUTERS = (meta.router, search.router, codes.summary_router, releases.router, guidelines.router)


def build_services() -> Services:
    settings = aws_settings()
    return Services(settings=settings, catalog=codes_catalog(settings))


app, handler = function_app(ROUTERS, build_services)
