"""Assemble a FastAPI app from the routers one process serves."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from coderef.api.docs import install_docs
from coderef.api.errors import install_error_handlers
from coderef.api.kept_bodies import KeptBodies
from coderef.api.middleware import BodySizeLimit, SecurityHeaders
from coderef.api.services import Services
from coderef.api.session import check_address_trust


def all_routers() -> tuple[APIRouter, ...]:
    """Every router, for the one-process local server. Imported here, not at the top: a Lambda
    function imports only its own routers, and each router module costs import time (its
    routes' models are built as it loads)."""
    from coderef.api import (
        assistant,
        auth,
        case2code,
        codes,
        consultant,
        guidelines,
        jobs,
        me,
        meta,
        releases,
        search,
    )

    return (
        meta.router,
        search.router,
        codes.summary_router,
        codes.router,
        auth.router,
        me.router,
        assistant.router,
        case2code.router,
        guidelines.router,
        releases.router,
        consultant.router,
        jobs.router,
    )


def create_app(services: Services, routers: Iterable[APIRouter] | None = None) -> FastAPI:
    check_address_trust(services.settings)  # refuse to start rather than count forged addresses
    app = FastAPI(
        title="CodeRef API",
        version="0.1.0",
        description="Medical code lookup: search, code summaries and code pages.",
        docs_url=None,  # our own page: pinned Swagger UI with Subresource Integrity
        openapi_url="/api/openapi.json",
        redoc_url=None,
        # CodeRef reports through its own counters (Powertools metrics on Lambda), not
        # OpenTelemetry: FastAPI's instrumentation would otherwise look up the global
        # providers (environment reads) on every request to find none configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_docs(app, "/api/openapi.json")
    app.state.services = services
    install_error_handlers(app)
    for router in all_routers() if routers is None else routers:
        app.include_router(router)
    # FastAPI's documented way to extend the OpenAPI document is to replace this method.
    app.openapi = lambda: document_errors(app)  # type: ignore[method-assign]
    app.add_middleware(KeptBodies)  # innermost: the other middleware wraps what it sends
    app.add_middleware(BodySizeLimit)
    # Outermost, around Starlette's own error middleware too: a 500 carries the headers.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build_stack())  # type: ignore[method-assign]
    return app


def document_errors(app: FastAPI) -> dict:
    """The OpenAPI document, saying what the API really answers on errors: 400 in the error
    shape instead of FastAPI's 422, and the statuses any route may give."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from coderef.api.documented import component_schemas
    from coderef.api.schemas import ErrorDetail

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    # Models of the routes documented lazily; the ones FastAPI already built keep theirs.
    components.update({k: v for k, v in component_schemas().items() if k not in components})
    components.update(
        {
            "ErrorDetail": ErrorDetail.model_json_schema(),
            "ErrorResponse": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
            },
        }
    )
    error = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    }
    common = {
        "400": "Malformed input",
        "413": "Request body too large",
        "429": "Too many requests",
        "500": "Unexpected error",
        "503": "Temporarily unavailable",
    }
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in common.items():
                responses.setdefault(status, {"description": description, **error})
            for status, response in responses.items():
                if status[0] in "45" and "content" not in response:
                    response.update(error)
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
