"""SearchFunction: search, suggest, code summaries, systems and health. Public and the same for
everyone, so CloudFront caches its answers. Reads the codes table and the index in the layer."""

from __future__ import annotations

from coderef.api import codes, meta, search
from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.handlers.runtime import codes_catalog, lambda_handler, settings_from_env

ROUTERS = (meta.router, search.router, codes.summary_router)

_settings = settings_from_env()
app = create_app(Services(settings=_settings, catalog=codes_catalog(_settings)), ROUTERS)
handler = lambda_handler(app)
