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


def _give_codes(client, table: str, meter_id: str, count: int) -> None:
    """`count` unlocked codes for a meter, written as the charge writes them (in bulk here)."""
    from coderef.adapters.dynamodb_accounts import _code_item

    items = [
        _code_item(meter_id, "icd10cm", f"C{n:05}", f"2026-01-01T00:00:00.{n:06}")
        for n in range(count)
    ]
    for start in range(0, count, 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def test_a_member_with_10000_codes_opens_the_next_with_two_small_items_written(
    accounts, moto_dynamodb
):
    # Given a member with views left, signed in on three devices, who has opened 10,000 codes
    meter_id = _member(accounts, views=20_000)
    for device in range(3):
        accounts.create_session(f"{device:064x}", "m1", 2_000_000_000)
    _give_codes(moto_dynamodb, accounts.table, meter_id, 10_000)
    sent: list[tuple[str, dict]] = []
    moto_dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.*",
        lambda model, params, **_: sent.append((model.name, dict(params))),
    )
    meter_key = {"pk": {"S": f"meter#{meter_id}"}, "sk": {"S": "meter"}}
    before = moto_dynamodb.get_item(TableName=accounts.table, Key=meter_key)["Item"]
    sent.clear()
    # When they open one more code
    meter, charged = accounts.charge_view(meter_id, "icd10cm", "R001", "2026-11-27T12:00:00")
    # Then it is charged with one read and one transaction of two items
    assert charged and meter.remaining == 19_999
    assert [name for name, _ in sent] == ["BatchGetItem", "TransactWriteItems"]
    written = sent[1][1]["TransactItems"]
    assert [next(iter(w)) for w in written] == ["Update", "Put"]
    # And both items are under 1 KB (the meter before and after the update, and the new
    # code's item), so the transaction costs 2 × 2 = 4 write units, as it did for the first
    # code: nothing in it grows with the codes opened
    after = moto_dynamodb.get_item(TableName=accounts.table, Key=meter_key)["Item"]
    meter_size = max(aws.item_size(before), aws.item_size(after))
    code_size = aws.item_size(written[1]["Put"]["Item"])
    assert meter_size < 1024 and code_size < 100
    assert aws.write_units(meter_size, True) + aws.write_units(code_size, True) == 4
    # And the read before it fetched two items of under 4 KB: 2 read units, consistent
    assert sent[0][1]["RequestItems"][accounts.table]["ConsistentRead"] is True
    # And /api/me's first page of their codes is one Query, however many there are
    sent.clear()
    page = accounts.unlocked_page(meter_id, 50)
    assert [name for name, _ in sent] == ["Query"]
    assert len(page.codes) == 50 and page.after is not None
    assert page.codes[0].key == "C00000"


def test_meters_from_before_code_items_keep_their_codes_and_migrate_once(accounts, moto_dynamodb):
    # Given a member's meter as it was written before code items existed: codes in a map
    meter_id = _member(accounts, views=2)
    moto_dynamodb.update_item(
        TableName=accounts.table,
        Key={"pk": {"S": f"meter#{meter_id}"}, "sk": {"S": "meter"}},
        UpdateExpression="SET unlocked = :codes",
        ExpressionAttributeValues={
            ":codes": {"M": {"icd10cm|R001": {"S": "t1"}, "icd10cm|R002": {"S": "t2"}}}
        },
    )
    # When they re-open a code from the map, then it is free
    assert accounts.charge_view(meter_id, "icd10cm", "R001", "t3") == (
        accounts.meter(meter_id),
        False,
    )
    # And a new code is charged as usual, and the full list has all three
    assert accounts.charge_view(meter_id, "icd10cm", "R003", "t4")[1] is True
    assert sorted(u.key for u in accounts.unlocked(meter_id)) == ["R001", "R002", "R003"]
    # When the operator runs the one-off migration (twice: it is safe to repeat)
    from coderef.cli import main

    table = accounts.table
    assert main(["user", "migrate-unlocks", "--accounts-table", table]) == 0
    assert accounts.migrate_unlocked_maps() == 0
    # Then the map is gone, and the codes page with their first times kept
    item = moto_dynamodb.get_item(
        TableName=table, Key={"pk": {"S": f"meter#{meter_id}"}, "sk": {"S": "meter"}}
    )["Item"]
    assert "unlocked" not in item
    page = accounts.unlocked_page(meter_id, 10)
    assert [(u.key, u.unlocked_at) for u in page.codes] == [
        ("R001", "t1"),
        ("R002", "t2"),
        ("R003", "t4"),
    ]
    # And re-opening a migrated code is still free, with one view left
    meter, charged = accounts.charge_view(meter_id, "icd10cm", "R002", "t5")
    assert charged is False and meter.remaining == 1
