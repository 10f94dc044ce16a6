"""CodePageFunction: the metered code page and /api/me (the meter, and the titles of the codes
it unlocked). CasePilot and Case2Code are AssistantFunction's (handlers/assistant.py)."""

from __future__ import annotations

from coderef.api import codes, me
from coderef.api.services import Services
from coderef.handlers.runtime import (
    NoMail,
    accounts_store,
    aws_settings,
    codes_catalog,
    function_app,
)

ROUTERS = (codes.router, me.router)


def build_services() -> Services:
    settings = aws_settings(needs_address_secret=True)
    return Services(
        settings=settings,
        catalog=codes_catalog(settings),
        accounts=accounts_store(settings),
        mailer=NoMail(),
    )


app, handler = function_app(ROUTERS, build_services)
