"""The API docs page loads pinned Swagger UI files only with Subresource Integrity, and runs
no inline script."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

from coderef.api.docs import CDN, INTEGRITY, SWAGGER_UI_VERSION

PACKAGE = Path(__file__).resolve().parents[2] / "node_modules" / "swagger-ui-dist"


def test_every_cdn_file_is_pinned_and_carries_its_integrity(client):
    # Given the docs page
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.text
    # Then every file from another origin names one version and its hash
    external = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https://[^"]+)"[^>]*>', html)
    assert external and all(url.startswith(CDN + "/") for url in external)
    for tag in re.findall(r"<(?:script|link)[^>]*https://[^>]*>", html):
        assert 'integrity="sha384-' in tag and 'crossorigin="anonymous"' in tag
    # And no script runs inline: the start-up script is a file of the site's own
    assert re.findall(r"<script>", html) == []
    init = client.get("/api/docs/init.js")
    assert init.status_code == 200 and "SwaggerUIBundle" in init.text
    assert "/api/openapi.json" in init.text
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


@pytest.mark.skipif(not PACKAGE.is_dir(), reason="npm ci installs swagger-ui-dist")
def test_the_integrity_values_are_the_hashes_of_the_pinned_package_files():
    # The CDN serves the npm package's files unchanged: their hashes are what browsers check
    assert f'"version": "{SWAGGER_UI_VERSION}"' in (PACKAGE / "package.json").read_text()
    for name, integrity in INTEGRITY.items():
        digest = hashlib.sha384((PACKAGE / name).read_bytes()).digest()
        assert integrity == "sha384-" + base64.b64encode(digest).decode(), name
