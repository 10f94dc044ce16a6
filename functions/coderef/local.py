"""The one-process local server: every router, the SQLite store and the frontend."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.api.static import mount_frontend
from coderef.settings import Settings

log = logging.getLogger("coderef.consultant")


def create_local_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = create_app(Services.local(settings))
    mount_frontend(app, settings.frontend_dir, settings.public_url)
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


def start_consultant_mail(
    target: FastAPI | Services, host: str = "127.0.0.1"
) -> Callable[[], None]:
    """The local consultant: SMTP on loopback (CODEREF_SMTP_PORT) for the consultant address,
    and a sweep of expired threads now and hourly, on the services of an app (or the given
    ones: `coderef serve --workers` runs the mail side in its own process, beside the
    workers). Returns what stops both."""
    from coderef.adapters.smtp_listener import start_smtp

    services = target if isinstance(target, Services) else target.state.services
    consultant = services.consultant
    consultant.sweep()
    try:
        controller = start_smtp(
            services.settings.consult_address, consultant.receive, host, services.settings.smtp_port
        )
    except (OSError, RuntimeError) as exc:
        # The site still serves; only the mail side is off (another process holds the port).
        log.warning(
            "CaseConsultant mail is off: cannot listen on %s:%s (%s); set CODEREF_SMTP_PORT",
            host,
            services.settings.smtp_port,
            type(exc).__name__,
        )
        controller = None
    stop = threading.Event()

    def sweep_hourly() -> None:
        while not stop.wait(3600):
            consultant.sweep()

    threading.Thread(target=sweep_hourly, name="consultant-sweep", daemon=True).start()

    def stop_all() -> None:
        stop.set()
        if controller is not None:
            controller.stop()

    return stop_all
