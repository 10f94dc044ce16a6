"""Races against a real server: no concurrent burst can overdraw a meter or charge twice. The
same races run on each account store: SQLite, and DynamoDB through moto's server mode (real
HTTP calls from many threads, as concurrent Lambda invocations would make)."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from coderef.adapters.outbox_mailer import OutboxMailer
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.local import create_local_app
from tests import aws

pytestmark = pytest.mark.moto_server

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
def server(request, fixture_settings):
    settings = fixture_settings.model_copy(update={"guest_meters_per_address_per_day": 100_000})
    if request.param == "sqlite":
        yield from _serve(create_local_app(settings))
        return
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    with aws.moto_server() as endpoint:
        client = aws.dynamodb_at(endpoint)
        services = Services(
            settings=settings,
            catalog=SqliteCatalog(settings.catalog_path),
            accounts=DynamoAccounts(aws.create_table(client, "AccountsTable"), client=client),
            mailer=OutboxMailer(settings.outbox_dir),
        )
        yield from _serve(create_app(services))


def _serve(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _member(base, app, name, views_left):
    client = httpx.Client(base_url=base)
    email = f"{name}@example.org"
    assert (
        client.post("/api/auth/register", json={"email": email, "password": PASSWORD}).status_code
        == 201
    )
    start = client.get("/api/me").json()["meter"]["remaining"]
    app.state.services.account_service.grant_views(email, views_left - start)
    return client


def _codes(app, n):
    keys = [(r.system, r.code) for r in app.state.services.catalog.iter_live()]
    assert len(keys) >= n, "the fixture catalog needs more codes for this test"
    return keys[:n]


def test_fifty_concurrent_new_codes_against_five_views_give_exactly_five(server):
    app, base = server
    client = _member(base, app, "racer", views_left=5)
    cookies = dict(client.cookies)
    codes = _codes(app, 50)

    def open_code(code):
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c:
            return c.get(f"/api/codes/{code[0]}/{code[1]}").status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(open_code, codes))
    assert statuses.count(200) == 5
    assert statuses.count(402) == 45
    me = client.get("/api/me").json()
    assert me["meter"]["remaining"] == 0
    assert len(me["unlocked"]) == 5


def test_concurrent_opens_of_one_new_code_charge_once(server):
    app, base = server
    client = _member(base, app, "sameone", views_left=3)
    cookies = dict(client.cookies)

    def open_code(_):
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c:
            response = c.get("/api/codes/icd10cm/R00.1")
            return response.status_code, response.json()["meter"]["charged"]

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(open_code, range(30)))
    assert all(status == 200 for status, _ in results)
    assert sum(charged for _, charged in results) == 1
    assert client.get("/api/me").json()["meter"]["remaining"] == 2
