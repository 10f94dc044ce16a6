"""CodePageFunction: the metered code page and /api/me (the meter, and the titles of the codes
it unlocked). CasePilot and Case2Code are AssistantFunction's (handlers/assistant.py)."""

from __future__ import annotations

from coderef.api import codes, me
from coderef.handlers.runtime import function_app, metered_services

ROUTERS = (codes.router, me.router)

# The function's services; the SnapStart hooks build them again after a restore.
build_services = metered_services

app, handler = function_app(ROUTERS, build_services)
