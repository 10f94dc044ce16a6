"""Abuse: floods, oversized bodies, odd queries, path traversal, expired sessions, headers."""

import asyncio
import time
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from coderef.api.middleware import SECURITY_HEADERS
from coderef.security import hash_token
from tests.conftest import new_client, register

PASSWORD = "correct horse battery staple"


def test_registration_floods_from_one_address_are_cut_off(app, monkeypatch):
    # Registrations count in fixed hourly windows: keep the test inside one.
    monkeypatch.setattr(app.state.services.account_service, "clock", lambda: 1_900_000_000.0)
    # Given one address registering account after account
    flood = [
        TestClient(app, base_url="https://testserver", client=("10.250.0.9", 1000))
        for _ in range(11)
    ]
    statuses = [
        c.post(
            "/api/auth/register", json={"email": f"flood{i}@example.org", "password": PASSWORD}
        ).status_code
        for i, c in enumerate(flood)
    ]
    # Then the first ten succeed and the eleventh waits
    assert statuses[:10] == [201] * 10
    assert statuses[10] == 429


def test_an_oversized_body_is_refused_before_it_is_read(client):
    response = client.post(
        "/api/auth/login",
        content=b'{"email": "' + b"a" * 100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_an_oversized_streamed_body_without_length_is_refused(client):
    def chunks():
        for _ in range(40):
            yield b"x" * 1024

    response = client.post(
        "/api/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "NEAR(a b",
        "title:x",
        "a OR OR b",
        "*",
        "\x00\x01\x7f",
        "%",
        "\\",
        ")))",
        "' OR 1=1 --",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "ＲＯＯ．１",
        "r" * 200,
    ],
)
def test_odd_queries_never_fail(client, query):
    for path in ("/api/search", "/api/suggest"):
        response = client.get(path, params={"q": query})
        assert response.status_code in (200, 400), (path, query)
        body = response.json()
        assert "results" in body or body["error"]["code"] == "invalid_input"


def test_a_too_long_query_is_refused_clearly(client):
    response = client.get("/api/search", params={"q": "x" * 201})
    assert response.status_code == 400
    assert "200" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/..%2fpyproject.toml",
        "/code/..%2f..%2fpyproject.toml",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "//etc/passwd",
    ],
)
def test_static_serving_never_leaves_the_frontend_folder(app, raw_path):
    # HTTP clients normalise "..", so the raw path goes straight to the ASGI app
    status, body = asyncio.run(_raw_get(app, raw_path))
    assert status in (200, 404)
    assert b"[build-system]" not in body
    assert b"root:" not in body


async def _raw_get(app, raw_path: str) -> tuple[int, bytes]:
    path = unquote(raw_path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": raw_path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("10.9.9.9", 1),
        "server": ("testserver", 443),
    }
    sent: list[dict] = []
    requested = False
    done = asyncio.Event()

    async def receive():
        # The request once; after that, like a real client, nothing until it disconnects.
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def test_an_expired_session_signs_no_one_in(app):
    browser = new_client(app)
    email = register(browser)
    services = app.state.services
    user = services.accounts.user_by_email(email)[0]
    services.accounts.create_session(hash_token("expired-token"), user.id, int(time.time()) - 1)
    stale = new_client(app)
    stale.cookies.set("coderef_session", "expired-token")
    assert stale.get("/api/me").json()["user"] is None


@pytest.mark.parametrize(
    "path",
    ["/api/search?q=heart", "/", "/api/nothing", "/code/icd10cm/R00.1", "/js/%00", "/x%00"],
)
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_stack_trace_ever_reaches_a_user(app, monkeypatch):
    # Given a bug deep inside search
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(app.state.services.index, "search", broken)
    # (and no kept answer from another test's search of the same words to go around it)
    app.state.services.rendered.clear()
    response = new_client(app).get("/api/search", params={"q": "heart"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    # And even this answer carries every security header
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
