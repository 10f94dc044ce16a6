"""What the DynamoDB accounts adapter promises beyond the shared contract: a re-open is one read
and a new code one read and one transaction, whatever the meter holds; each unlocked code is
an item of its own, so the meter item never grows (10,000 codes later a charge still writes
two items of under 1 KB); meters from before keep working and migrate with one command; and a
registration racing a guest's last view neither loses the view nor leaves the guest meter
open."""

from __future__ import annotations

import pytest

from coderef.accounts.model import User
from coderef.adapters.dynamodb_accounts import DynamoAccounts
from coderef.errors import MeterClosed, ViewLimitReached
from tests import aws


@pytest.fixture
def accounts(moto_dynamodb):
    return DynamoAccounts(aws.create_table(moto_dynamodb, "AccountsTable"), client=moto_dynamodb)


class CallLog:
    """The DynamoDB operations a client sends, from botocore's own event hooks."""

    def __init__(self, client):
        self.operations: list[str] = []
        client.meta.events.register("before-call.dynamodb.*", self._record)

    def _record(self, model, **_):
        self.operations.append(model.name)


def _member(accounts, plan="free", views=5):
    user = User(id="m1", email="m1@example.org", plan=plan, created_at="2026-11-27T00:00:00")
    accounts.create_user(user, "hash", meter_remaining=views, carry_from=None)
    return "u:m1"


def _item_size(client, table, meter_id):
    item = client.get_item(
        TableName=table, Key={"pk": {"S": f"meter#{meter_id}"}, "sk": {"S": "meter"}}
    )
    return len(repr(item["Item"]))


def test_a_reopen_or_the_wall_is_one_read_and_a_new_code_one_read_and_one_write(
    accounts, moto_dynamodb
):
    # Given a meter with one view
    meter_id = _member(accounts, views=1)
    calls = CallLog(moto_dynamodb)
    # When it opens a new code, re-opens it, and hits the wall on another
    accounts.charge_view(meter_id, "icd10cm", "R001", "t1")
    first = list(calls.operations)
    accounts.charge_view(meter_id, "icd10cm", "R001", "t2")
    again = calls.operations[len(first) :]
    with pytest.raises(ViewLimitReached):
        accounts.charge_view(meter_id, "icd10cm", "R002", "t3")
    wall = calls.operations[len(first) + len(again) :]
    # Then the new code was one consistent read of meter and code, then one transaction;
    # the re-open and the wall were that read alone
    assert first == ["BatchGetItem", "TransactWriteItems"]
    assert again == ["BatchGetItem"]
    assert wall == ["BatchGetItem"]


def test_an_unlimited_plan_opens_many_codes_without_growing_its_meter_item(accounts, moto_dynamodb):
    # Given an unlimited member who opened one code while on the free plan
    meter_id = _member(accounts, views=1)
    accounts.charge_view(meter_id, "icd10cm", "A000", "2026-11-27T00:00:00")
    accounts.set_plan("m1", "unlimited")
    size_before = _item_size(moto_dynamodb, accounts.table, meter_id)
    # When they open 150 more codes, and one of them twice
    for n in range(150):
        meter, charged = accounts.charge_view(
            meter_id, "icd10cm", f"B{n:03}", f"2026-11-27T01:{n:03}"
        )
        assert charged is False and meter.plan == "unlimited"
    calls = CallLog(moto_dynamodb)
    accounts.charge_view(meter_id, "icd10cm", "B000", "2026-11-28T00:00:00")
    accounts.charge_view(meter_id, "icd10cm", "B150", "2026-11-28T00:00:01")
    # Then a re-open was one read and a new code one read and one conditional Put (no failed
    # update first); the meter item did not grow, every code is listed once, newest first
    assert calls.operations == ["BatchGetItem", "BatchGetItem", "PutItem"]
    assert _item_size(moto_dynamodb, accounts.table, meter_id) == size_before
    unlocked = accounts.unlocked(meter_id)
    assert len(unlocked) == 152
    assert unlocked[0].key == "B150" and unlocked[-1].key == "A000"
    assert [u.unlocked_at for u in unlocked if u.key == "B000"] == ["2026-11-27T01:000"]


def test_registration_closes_a_guest_meter_that_changed_while_it_was_being_read(accounts):
    # Given a guest who has opened one code
    accounts.create_meter("g:guest", 2, "guest")
    accounts.charge_view("g:guest", "icd10cm", "R001", "t1")
    real_get = accounts._get
    raced = []

    def get_then_race(key):
        item = real_get(key)
        if key["pk"]["S"] == "meter#g:guest" and not raced:
            # ... and who opens another code in another tab just after registration read it
            raced.append(accounts.charge_view("g:guest", "icd10cm", "R002", "t2"))
        return item

    accounts._get = get_then_race
    # When the guest registers
    user = User(id="n1", email="n1@example.org", plan="free", created_at="2026-11-27T00:00:00")
    accounts.create_user(user, "hash", meter_remaining=5, carry_from="g:guest")
    # Then both codes moved to the account and the guest meter is closed
    assert sorted(u.key for u in accounts.unlocked("u:n1")) == ["R001", "R002"]
    assert accounts.meter("g:guest") is None
    with pytest.raises(MeterClosed):
        accounts.charge_view("g:guest", "icd10cm", "R003", "t3")


def test_every_code_page_outcome_is_one_account_store_call(
    fixture_settings, accounts, moto_dynamodb
):
    # Given the app on the DynamoDB account store, a member and a returning guest
    from fastapi.testclient import TestClient

    from coderef.adapters.outbox_mailer import OutboxMailer
    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.api.app import create_app
    from coderef.api.services import Services
    from tests.conftest import register

    services = Services(
        settings=fixture_settings,
        catalog=SqliteCatalog(fixture_settings.catalog_path),
        accounts=accounts,
        mailer=OutboxMailer(fixture_settings.outbox_dir),
    )
    app = create_app(services)
    member = TestClient(app, base_url="https://testserver")
    register(member)
    guest = TestClient(app, base_url="https://testserver")
    calls = CallLog(moto_dynamodb)
    # When a new guest opens a code, the member opens a new code, and the guest re-opens
    # theirs and then meets the wall
    assert guest.get("/api/codes/icd10cm/R00.1").json()["meter"]["charged"] is True
    by_new_guest = list(calls.operations)
    calls.operations.clear()
    assert member.get("/api/codes/icd10cm/R00.2").json()["meter"]["charged"] is True
    by_member = list(calls.operations)
    assert guest.get("/api/codes/icd10cm/R00.1").json()["meter"]["charged"] is False
    by_guest = calls.operations[len(by_member) :]
    assert guest.get("/api/codes/icd10cm/R00.2").status_code == 402
    at_wall = calls.operations[len(by_member) + len(by_guest) :]
    # Then a new guest's page was one write (the address counted, the meter and its first
    # code created together); the member's new code one read and one transaction (its
    # session checked in both); a re-open and the wall one read
    assert by_new_guest == ["TransactWriteItems"]
    assert by_member == ["BatchGetItem", "TransactWriteItems"]
    assert by_guest == ["BatchGetItem"]
    assert at_wall == ["BatchGetItem"]


def test_a_guest_meter_expires_with_the_tables_ttl(accounts, moto_dynamodb):
    # Given a guest meter created with its first code
    accounts.create_meter("g:ttl", 0, "guest", ("icd10cm", "R001", "t1"), expires_at=1_900_000_000)
    # Then DynamoDB's TTL attribute is set on it, and the code is already unlocked
    item = moto_dynamodb.get_item(
        TableName=accounts.table, Key={"pk": {"S": "meter#g:ttl"}, "sk": {"S": "meter"}}
    )["Item"]
    assert item["expires_at"] == {"N": "1900000000"}
    assert [u.key for u in accounts.unlocked("g:ttl")] == ["R001"]
    # And its code's item expires with it
    code = moto_dynamodb.get_item(
        TableName=accounts.table,
        Key={"pk": {"S": "meter#g:ttl"}, "sk": {"S": "code#icd10cm|R001"}},
    )["Item"]
    assert code["expires_at"] == {"N": "1900000000"}
