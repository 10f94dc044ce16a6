"""The API documentation page: Swagger UI, pinned to one version and loaded with Subresource
Integrity, so a changed file on the CDN is refused by the browser rather than run; its start-up
script is served from here, so the page needs no inline script."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

DOCS_PATH = "/api/docs"
INIT_PATH = "/api/docs/init.js"
SWAGGER_UI_VERSION = "5.35.0"
CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}"
# The SHA-384 of each file of the npm package swagger-ui-dist at that version, which the CDN
# serves unchanged (tests/api/test_api_docs.py checks them against the package's own files).
INTEGRITY = {
    "swagger-ui-bundle.js": (
        "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9"
    ),
    "swagger-ui.css": "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
}

_INIT_JS = """window.ui = SwaggerUIBundle({
  url: %s,
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""


def _page(title: str) -> str:
    css, js = "swagger-ui.css", "swagger-ui-bundle.js"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{CDN}/{css}" integrity="{INTEGRITY[css]}" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{CDN}/{js}" integrity="{INTEGRITY[js]}" crossorigin="anonymous"></script>
<script src="{INIT_PATH}"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve the documentation page at DOCS_PATH (create the app with docs_url=None)."""
    page = _page(f"{app.title} - Swagger UI")
    init = _INIT_JS % repr(openapi_url)

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(INIT_PATH, include_in_schema=False)
    async def docs_init() -> Response:
        return Response(init, media_type="text/javascript")
