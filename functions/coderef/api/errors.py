"""Every error leaves as {"error": {"code", "message", ...}} with a fitting status; no traces."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coderef.errors import CodeRefError, TooManyRequests

log = logging.getLogger("coderef.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def error_body(code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def _allowed(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the request's path (as static._api_miss)."""
    import re

    path = request.url.path
    return sorted(
        method.upper()
        for template, operations in request.app.openapi().get("paths", {}).items()
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
        for method in operations
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CodeRefError)
    async def domain_error(request: Request, exc: CodeRefError) -> JSONResponse:
        headers = None
        if exc.status == 503:
            headers = {"Retry-After": "5"}
        elif isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        extra = {
            k: v for k, v in exc.details.items() if k in ("suggestions", "field", "retry_after")
        }
        return JSONResponse(
            error_body(exc.code, exc.message, **extra), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(
                str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")
            )
            problems.append(f"{where or 'request'}: {err.get('msg', 'is invalid')}")
        return JSONResponse(
            error_body("invalid_input", "; ".join(problems) or "The request is invalid."),
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; a path served by two
            # routes (GET and POST /api/jobs) allows both.
            allowed = _allowed(request)
            if allowed:
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side. Please try again."),
            status_code=500,
        )
