"""Local only: serve frontend/ from the same origin as the API, as CloudFront does on AWS.

Pretty URLs (/code/icd10cm/R00.1) get the code page shell, and page names without their
extension (/login, /reset-password) get their .html file; unknown paths get the not-found
page with a 404. Files are only ever served from inside the frontend folder. Every page and
asset carries the security headers below (on AWS, CloudFront's response headers policy).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from coderef.api.errors import error_body

# Pretty URL prefix -> page shell; the CloudFront Function in infra/ applies the same table.
PAGE_SHELLS = {"/code/": "code.html", "/jobs/": "job.html"}

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


def mount_frontend(app: FastAPI, frontend_dir: Path | None) -> None:
    root = frontend_dir.resolve() if frontend_dir else None

    @app.get("/{path:path}", include_in_schema=False)
    async def frontend(path: str, request: Request):
        if path.startswith("api/") or path == "api":
            return _api_miss(app, "/" + path)
        if root is None:
            return (
                HTMLResponse(_FALLBACK_HOME)
                if path in ("", "index.html")
                else JSONResponse(error_body("not_found", "There is nothing at this address."), 404)
            )
        url_path = "/" + path
        for prefix, shell in PAGE_SHELLS.items():
            if url_path.startswith(prefix) and (root / shell).is_file():
                return FileResponse(root / shell)
        file = _frontend_file(root, path)
        if file is not None:
            return FileResponse(file)
        not_found = root / "404.html"
        if not_found.is_file():
            return FileResponse(not_found, status_code=404)
        return JSONResponse(error_body("not_found", "There is nothing at this address."), 404)


# No file of ours has a NUL in its name or a name longer than this; the file system would
# refuse either with an error (ValueError, "File name too long") rather than "not found".
_MAX_NAME = 200


def _frontend_file(root: Path, path: str) -> Path | None:
    """The file a path names inside root: itself, its folder's index.html, or path + .html."""
    if "\x00" in path or any(len(part.encode()) > _MAX_NAME for part in path.split("/")):
        return None
    try:
        candidate = (root / path).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        elif not candidate.is_file() and path and not path.endswith("/"):
            candidate = candidate.with_name(candidate.name + ".html")
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    except (OSError, ValueError):  # any other name the file system cannot take: not ours
        return None
    return None
