"""How a code page is paid for: the record read and the charge go out together when the index
knows the code; a member's session is checked inside the charge; a code the catalog lacks
after all costs nothing; a member whose session ended reads on as a guest."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from coderef.adapters.dynamodb_accounts import DynamoAccounts
from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.adapters.outbox_mailer import OutboxMailer
from coderef.api.app import create_app
from coderef.api.services import Services
from tests import aws
from tests.conftest import CM_FIXTURE, new_client, register


def test_a_member_whose_session_ended_reads_on_as_a_guest(app):
    # Given a member signed in on two browsers, who logs out on the second
    first = new_client(app)
    email = register(first)
    second = new_client(app)
    login = {"email": email, "password": "correct horse battery staple"}
    assert second.post("/api/auth/login", json=login).status_code == 200
    stale_cookie = second.cookies.get("coderef_session")
    second.post("/api/auth/logout")
    views = first.get("/api/me").json()["meter"]["remaining"]
    # When the logged-out session's cookie is used to open a code
    stale = new_client(app)
    stale.cookies.set("coderef_session", stale_cookie, domain="testserver.local")
    response = stale.get("/api/codes/icd10cm/R00.1")
    # Then the page is a guest's (locked sections, the guest meter), the dead session cookie
    # is cleared, and the member's views are untouched
    assert response.status_code == 200
    assert response.json()["meter"]["plan"] == "guest"
    assert response.json()["notes"]["locked"] is True
    assert 'coderef_session=""' in response.headers["set-cookie"]
    assert first.get("/api/me").json()["meter"]["remaining"] == views


def test_a_code_the_index_knows_but_the_catalog_lacks_costs_nothing(fixture_settings):
    # Given an index that believes in every code (as one built from another release might)
    services = replace(Services.local(fixture_settings), index_knows=lambda system, key: True)
    browser = new_client(create_app(services))
    register(browser)
    before = browser.get("/api/me").json()["meter"]
    # When the member opens a well-formed code the catalog does not have
    response = browser.get("/api/codes/icd10cm/R99.99")
    # Then it is 404 as always, and the view charged beside the read was given back
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "code_not_found"
    me = browser.get("/api/me").json()
    assert me["meter"] == before
    assert me["unlocked"] == []


@pytest.fixture
def dynamodb_app(tmp_path):
    """The app with both stores on DynamoDB (moto), and the index built from the codes table."""
    from coderef.codesets.pipeline import load_release, rebuild_index
    from coderef.settings import Settings

    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path), "CODEREF_ADDRESS_SECRET": "k"})
    with aws.fake_aws():
        client = aws.dynamodb()
        catalog = DynamoCatalog(aws.create_table(client, "CodesTable"), client=client)
        load_release(catalog, "icd10cm", CM_FIXTURE)
        rebuild_index(catalog, settings.index_path)
        services = Services(
            settings=settings,
            catalog=catalog,
            accounts=DynamoAccounts(aws.create_table(client, "AccountsTable"), client=client),
            mailer=OutboxMailer(settings.outbox_dir),
        )
        yield create_app(services), client


def _reads_a_code(operation: str, params: dict) -> bool:
    if operation == "GetItem":
        pk = params["Key"]["pk"]["S"]
    elif operation == "Query":
        pk = params["ExpressionAttributeValues"][":pk"]["S"]
    else:
        return False
    return pk.startswith("icd10cm#")


def test_the_record_read_and_the_charge_are_in_flight_together(dynamodb_app):
    # Given a member, on DynamoDB, whose record reads wait (up to 5 s) for a charge to be sent
    app, client = dynamodb_app
    member = TestClient(app, base_url="https://testserver")
    register(member)
    charge_sent = threading.Event()
    overlapped = []

    def on_call(model, params, **_):
        if model.name == "BatchGetItem":  # the charge's read of the meter and the code's item
            charge_sent.set()
        if _reads_a_code(model.name, params):
            overlapped.append(charge_sent.wait(timeout=5))

    client.meta.events.register("before-parameter-build.dynamodb.*", on_call)
    try:
        # When the member opens a code
        response = member.get("/api/codes/icd10cm/R00.2")
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", on_call)
    # Then the charge (its read first) went out while the record read was still waiting
    assert response.status_code == 200 and response.json()["meter"]["charged"] is True
    assert overlapped and all(overlapped)


def test_a_members_account_reads_for_me_are_in_flight_together(dynamodb_app):
    # Given a member, on DynamoDB, whose session read waits (up to 5 s) for the user's read
    app, client = dynamodb_app
    member = TestClient(app, base_url="https://testserver")
    email = register(member)
    user_read = threading.Event()
    overlapped = []

    def on_call(model, params, **_):
        if model.name != "GetItem":
            return
        pk = params["Key"]["pk"]["S"]
        if pk.startswith("user#"):
            user_read.set()
        elif pk.startswith("meter#u:"):  # the session read (and the meter's)
            overlapped.append(user_read.wait(timeout=5))

    client.meta.events.register("before-parameter-build.dynamodb.*", on_call)
    try:
        # When the member's browser asks who it is
        response = member.get("/api/me")
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", on_call)
    # Then the answer is right, and the user was read while the session read was in flight
    assert response.json()["user"]["email"] == email
    assert overlapped and all(overlapped)
