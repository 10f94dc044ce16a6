"""Assemble a FastAPI app from the routers one process serves."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from coderef.api import codes, meta, releases, search
from coderef.api.errors import install_error_handlers
from coderef.api.services import Services

ALL_ROUTERS: tuple[APIRouter, ...] = (meta.router, search.router, codes.router, releases.router)


def create_app(services: Services, routers: Iterable[APIRouter] = ALL_ROUTERS) -> FastAPI:
    app = FastAPI(
        title="CodeRef API",
        version="0.1.0",
        description="Medical code lookup: search, code summaries and code pages.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app
