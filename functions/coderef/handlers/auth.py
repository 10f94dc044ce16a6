"""AuthFunction: register, log in, log out, password reset (mail through SES). Reads and writes
the accounts table only; /api/me needs code titles, so CodePageFunction serves it."""

from __future__ import annotations

from coderef.api import auth
from coderef.api.services import Services
from coderef.handlers.runtime import accounts_store, aws_settings, function_app, ses_mailer

ROUTERS = (auth.router,)


def build_services() -> Services:
    settings = aws_settings(needs_address_secret=True)
    return Services(
        settings=settings,
        # No route here reads a code, and the function's role could not read one.
        catalog=None,  # type: ignore[arg-type]
        accounts=accounts_store(settings),
        mailer=ses_mailer(settings),
    )


app, handler = function_app(ROUTERS, build_services)
