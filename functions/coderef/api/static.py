"""Local only: serve the site from the same origin as the API, as CloudFront does on AWS.

Pages are rendered from frontend/templates by api/pages.py (the same templates `coderef
publish` writes to S3). This catch-all serves the static assets: under their content-hashed
names with a year-long immutable Cache-Control, under their plain names short-lived. Unknown
paths get the not-found page with a 404. Files are only ever served from inside the frontend
folder. Every response carries the security headers (on AWS, CloudFront's response headers
policy).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from coderef.api.errors import error_body
from coderef.api.site import HTML_CACHE, IMMUTABLE, Site, content_type

# Security headers (CSP and the rest) come from api/middleware.py, on every response.

_FALLBACK_HOME = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>CodeRef</title>
<h1>CodeRef</h1><form action="/api/search"><label>Search codes
<input name="q" autofocus></label> <button>Search</button></form>
<p>API documentation: <a href="/api/docs">/api/docs</a></p></html>"""


def _api_miss(app: FastAPI, path: str) -> JSONResponse:
    """An API path this catch-all reached: 405 if the path exists for other methods."""
    allowed = sorted(
        method.upper()
        for template, operations in app.openapi().get("paths", {}).items()
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
        for method in operations
    )
    if allowed:
        return JSONResponse(
            error_body("method_not_allowed", f"Use {' or '.join(allowed)} here."),
            405,
            headers={"Allow": ", ".join(allowed)},
        )
    return JSONResponse(error_body("not_found", "There is nothing at this address."), 404)


def mount_frontend(app: FastAPI, frontend_dir: Path | None, public_url: str = "") -> None:
    root = frontend_dir.resolve() if frontend_dir else None
    site = Site(root, public_url) if root and (root / "templates").is_dir() else None
    if site is not None:
        from coderef.api.pages import pages_router

        app.include_router(pages_router(site))

    @app.get("/{path:path}", include_in_schema=False)
    async def frontend(path: str, request: Request):
        if path.startswith("api/") or path == "api":
            return _api_miss(app, "/" + path)
        if root is None or site is None:
            return (
                HTMLResponse(_FALLBACK_HOME)
                if path in ("", "index.html")
                else JSONResponse(error_body("not_found", "There is nothing at this address."), 404)
            )
        site.assets.refresh()
        hashed = site.assets.get(path)
        if hashed is not None:
            return Response(
                hashed, media_type=content_type(path), headers={"Cache-Control": IMMUTABLE}
            )
        file = _frontend_file(root, path)
        if file is not None:
            return FileResponse(file, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(site.page("404"), 404, headers={"Cache-Control": HTML_CACHE})


# No file of ours has a NUL in its name or a name longer than this; the file system would
# refuse either with an error (ValueError, "File name too long") rather than "not found".
_MAX_NAME = 200


def _frontend_file(root: Path, path: str) -> Path | None:
    """The static file a path names inside root (never a template), or None."""
    if "\x00" in path or any(len(part.encode()) > _MAX_NAME for part in path.split("/")):
        return None
    try:
        candidate = (root / path).resolve()
        if (
            candidate.is_relative_to(root)
            and not candidate.is_relative_to(root / "templates")
            and candidate.is_file()
        ):
            return candidate
    except (OSError, ValueError):  # any other name the file system cannot take: not ours
        return None
    return None
