"""The one-process local server: every router, the SQLite store and the frontend."""

from __future__ import annotations

import contextlib
import threading

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.api.static import mount_frontend
from coderef.settings import Settings


def create_local_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = create_app(Services.local(settings))
    mount_frontend(app, settings.frontend_dir)
    # CloudFront compresses on AWS; the local server does the same, so sizes match.
    app.add_middleware(GZipMiddleware, minimum_size=500)
    return app


def _warm_clinical_text() -> None:
    from coderef.assistant.clinical_text import warm

    with contextlib.suppress(Exception):
        warm()


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """The app `coderef serve` runs (in each worker process): the local app, with Case2Code's
    medspaCy pipeline loading beside the start so the first note does not wait."""
    threading.Thread(target=_warm_clinical_text, daemon=True).start()
    return create_local_app(settings)
