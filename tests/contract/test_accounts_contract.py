"""The Accounts contract. It runs unchanged against every adapter: SQLite on a temporary file,
and DynamoDB on moto with the table made from template.yaml's own definition; and against the
in-memory fake the unit tests use (tests/fakes.py), so the fake cannot drift from the stores."""

import time
from dataclasses import replace

import pytest

from coderef.accounts.model import Meter, SessionCheck, User, WindowCount
from coderef.adapters.sqlite_accounts import SqliteAccounts
from coderef.errors import (
    EmailTaken,
    MeterClosed,
    NotSignedIn,
    ViewLimitReached,
    WindowFull,
)
from tests import aws
from tests.fakes import FakeAccounts

# Logins drop sessions already expired by the real clock, so the moments these tests pass
# around lie a year ahead of it (however long the suite takes to get here).
NOW = int(time.time()) + 365 * 86400


@pytest.fixture(params=["sqlite", "dynamodb", "fake"])
def accounts(request, tmp_path):
    if request.param == "sqlite":
        return SqliteAccounts(tmp_path / "accounts.db")
    if request.param == "fake":
        return FakeAccounts()
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    client = request.getfixturevalue("moto_dynamodb")  # a new table for every test
    return DynamoAccounts(aws.create_table(client, "AccountsTable"), client=client)


def _user(n=1, email=None):
    return User(
        id=f"user{n}",
        email=email or f"u{n}@example.org",
        plan="free",
        created_at="2026-11-27T00:00:00+00:00",
    )


def test_a_user_is_created_with_its_meter_and_found_by_email(accounts):
    accounts.create_user(_user(), "hash-1", meter_remaining=6, carry_from=None)
    user, password_hash = accounts.user_by_email("u1@example.org")
    assert user.id == "user1" and password_hash == "hash-1"
    assert accounts.user_by_id("user1").email == "u1@example.org"
    assert accounts.meter("u:user1").remaining == 6
    assert [u.email for u in accounts.list_users()] == ["u1@example.org"]


def test_a_second_user_with_the_same_email_is_refused_and_nothing_is_written(accounts):
    accounts.create_user(_user(1), "h", 6, None)
    with pytest.raises(EmailTaken):
        accounts.create_user(_user(2, email="u1@example.org"), "h", 6, None)
    assert accounts.user_by_id("user2") is None
    assert accounts.meter("u:user2") is None


def test_registration_carries_a_guests_unlocked_codes_and_closes_its_meter(accounts):
    accounts.create_meter("g:abc", 1, "guest")
    accounts.charge_view("g:abc", "icd10cm", "R001", "2026-11-27T00:00:00")
    accounts.create_user(_user(), "h", 5, carry_from="g:abc")
    assert [(u.system, u.key) for u in accounts.unlocked("u:user1")] == [("icd10cm", "R001")]
    assert accounts.meter("g:abc") is None


def test_charging_costs_one_view_once_per_code_and_never_below_zero(accounts):
    accounts.create_meter("g:m", 2, "guest")
    meter, charged = accounts.charge_view("g:m", "icd10cm", "A", "t1")
    assert (meter.remaining, charged) == (1, True)
    meter, charged = accounts.charge_view("g:m", "icd10cm", "A", "t2")
    assert (meter.remaining, charged) == (1, False)
    accounts.charge_view("g:m", "icd10cm", "B", "t3")
    with pytest.raises(ViewLimitReached):
        accounts.charge_view("g:m", "icd10cm", "C", "t4")
    assert accounts.meter("g:m").remaining == 0
    assert sorted(u.key for u in accounts.unlocked("g:m")) == ["A", "B"]


def test_an_unlimited_meter_records_codes_without_paying(accounts):
    accounts.create_user(_user(), "h", 0, None)
    accounts.set_plan("user1", "unlimited")
    meter, charged = accounts.charge_view("u:user1", "icd10cm", "A", "t")
    assert meter.plan == "unlimited" and charged is False
    assert accounts.user_by_id("user1").plan == "unlimited"


def test_sessions_expire_belong_to_their_user_and_can_be_revoked(accounts):
    accounts.create_user(_user(), "h", 6, None)
    accounts.create_user(_user(2), "h", 6, None)
    accounts.create_session("s1", "user1", expires_at=NOW + 100)
    accounts.create_session("s2", "user1", expires_at=NOW + 100)
    assert accounts.session_meter("user1", "s1", now=NOW + 50) == Meter("u:user1", 6, "free")
    assert accounts.session_meter("user1", "s1", now=NOW + 100) is None
    assert accounts.session_meter("user2", "s1", now=NOW + 50) is None
    accounts.delete_session("user1", "s1")
    assert accounts.session_meter("user1", "s1", now=NOW + 50) is None
    assert accounts.session_meter("user1", "s2", now=NOW + 50) is not None
    accounts.delete_user_sessions("user1")
    assert accounts.session_meter("user1", "s2", now=NOW + 50) is None


def test_a_charge_with_a_session_needs_that_session_live(accounts):
    # Given a member with one live session
    accounts.create_user(_user(), "h", 6, None)
    accounts.create_session("s1", "user1", expires_at=NOW + 100)
    live = SessionCheck("s1", NOW + 50)
    # When pages are charged with the live session, an ended one and another user's
    meter, charged = accounts.charge_view("u:user1", "icd10cm", "A", "t1", session=live)
    assert (meter.remaining, charged) == (5, True)
    for ended in (SessionCheck("s1", NOW + 100), SessionCheck("nope", NOW + 50)):
        with pytest.raises(NotSignedIn):
            accounts.charge_view("u:user1", "icd10cm", "B", "t2", session=ended)
    accounts.delete_user_sessions("user1")
    with pytest.raises(NotSignedIn):
        accounts.charge_view("u:user1", "icd10cm", "A", "t3", session=live)
    # Then only the live session's page was charged
    assert accounts.meter("u:user1").remaining == 5
    assert [u.key for u in accounts.unlocked("u:user1")] == ["A"]


# Only the SQLite store reads re-opens apart (DynamoDB's charge is already one read for them).
@pytest.mark.parametrize("accounts", ["sqlite"], indirect=True)
def test_a_reopened_read_answers_only_what_a_free_charge_would(accounts):
    from coderef.accounts.ports import ReopenedReads

    assert isinstance(accounts, ReopenedReads)
    # Given a member with a live session who has opened one code, and a guest with none
    accounts.create_user(_user(), "h", 6, None)
    accounts.create_session("s1", "user1", expires_at=NOW + 100)
    live = SessionCheck("s1", NOW + 50)
    accounts.charge_view("u:user1", "icd10cm", "A", "t1", session=live)
    accounts.create_meter("g:x", 1, "guest")
    # When re-opens are read
    reopened = accounts.reopened("u:user1", "icd10cm", "A", live)
    # Then only that code, with that live session, answers (the meter as it stands)
    assert (reopened.id, reopened.remaining) == ("u:user1", 5)
    assert accounts.reopened("u:user1", "icd10cm", "B", live) is None
    assert accounts.reopened("u:user1", "icd10cm", "A", SessionCheck("s1", NOW + 100)) is None
    assert accounts.reopened("u:user1", "icd10cm", "A", SessionCheck("nope", NOW)) is None
    assert accounts.reopened("g:x", "icd10cm", "A") is None
    # And nothing was charged by reading
    assert accounts.meter("u:user1").remaining == 5


def test_a_refund_locks_the_code_again_and_gives_the_view_back_once(accounts):
    accounts.create_meter("g:r", 2, "guest")
    accounts.charge_view("g:r", "icd10cm", "A", "t1")
    accounts.refund_view("g:r", "icd10cm", "A")
    accounts.refund_view("g:r", "icd10cm", "A")
    accounts.refund_view("g:r", "icd10cm", "NEVER")
    assert accounts.meter("g:r").remaining == 2
    assert accounts.unlocked("g:r") == []


def test_a_reset_token_works_once_and_not_after_expiry(accounts):
    accounts.create_user(_user(), "old", 6, None)
    accounts.create_reset_token("t1", "user1", expires_at=NOW + 100)
    assert accounts.reset_password("t1", now=NOW, password_hash="new") == "user1"
    assert accounts.user_by_email("u1@example.org")[1] == "new"
    assert accounts.reset_password("t1", now=NOW, password_hash="newer") is None
    accounts.create_reset_token("t2", "user1", expires_at=NOW + 100)
    assert accounts.reset_password("t2", now=NOW + 100, password_hash="late") is None
    assert accounts.user_by_email("u1@example.org")[1] == "new"


def test_a_completed_reset_ends_every_other_link_and_every_session(accounts):
    # Given two reset links asked for, and a signed-in session
    accounts.create_user(_user(), "old", 6, None)
    accounts.create_reset_token("a", "user1", expires_at=NOW + 100)
    accounts.create_reset_token("b", "user1", expires_at=NOW + 100)
    accounts.create_session("s1", "user1", NOW + 1000)
    # When link A is used
    assert accounts.reset_password("a", now=NOW, password_hash="from-a") == "user1"
    # Then link B no longer works, the session is over, and A's password stands
    assert accounts.reset_password("b", now=NOW, password_hash="from-b") is None
    assert accounts.session_meter("user1", "s1", NOW) is None
    assert accounts.user_by_email("u1@example.org")[1] == "from-a"
    # And a link asked for after the reset works
    accounts.create_reset_token("c", "user1", expires_at=NOW + 100)
    assert accounts.reset_password("c", now=NOW, password_hash="from-c") == "user1"


def test_confirming_an_email_grants_the_bonus_once_whatever_the_links(accounts):
    # Given an unconfirmed account with one view, and two confirmation links
    accounts.create_user(replace(_user(), email_confirmed=False), "h", 1, None)
    accounts.create_confirm_token("c1", "user1", expires_at=NOW + 100)
    accounts.create_confirm_token("c2", "user1", expires_at=NOW + 100)
    assert accounts.user_by_id("user1").email_confirmed is False
    # When both are opened, and the first twice
    assert accounts.confirm_email("c1", now=NOW, bonus_views=5) == "user1"
    assert accounts.confirm_email("c1", now=NOW, bonus_views=5) is None
    assert accounts.confirm_email("c2", now=NOW, bonus_views=5) == "user1"
    # Then the email is confirmed and the bonus was added once
    assert accounts.user_by_id("user1").email_confirmed is True
    assert accounts.meter("u:user1").remaining == 6


def test_an_expired_or_unknown_confirmation_link_changes_nothing(accounts):
    accounts.create_user(replace(_user(), email_confirmed=False), "h", 1, None)
    accounts.create_confirm_token("old", "user1", expires_at=NOW)
    assert accounts.confirm_email("old", now=NOW, bonus_views=5) is None
    assert accounts.confirm_email("never", now=NOW, bonus_views=5) is None
    assert accounts.user_by_id("user1").email_confirmed is False
    assert accounts.meter("u:user1").remaining == 1


def test_reserving_counts_up_to_the_limit_and_no_further(accounts):
    window = WindowCount("w", NOW + 100, limit=3)
    for _ in range(3):
        accounts.reserve(window)
    with pytest.raises(WindowFull):
        accounts.reserve(window)
    assert accounts.count_window("w") == 3
    accounts.release("w")
    assert accounts.count_window("w") == 2
    accounts.clear_window("w")
    assert accounts.count_window("w") == 0
    accounts.release("w")  # never below zero
    assert accounts.count_window("w") == 0


def test_reserving_in_two_windows_counts_in_both_or_neither(accounts):
    # Given a window that is full and one that is not
    full, roomy = WindowCount("full", NOW + 100, 1), WindowCount("roomy", NOW + 100, 10)
    accounts.reserve(full)
    # When an attempt is counted in both
    with pytest.raises(WindowFull) as refused:
        accounts.reserve(roomy, full)
    # Then it is counted in neither, and the refusal names the full one
    assert refused.value.details["window"] == 1
    assert accounts.count_window("roomy") == 0
    accounts.reserve(roomy, WindowCount("other", NOW + 100, 1))
    assert accounts.count_window("roomy") == accounts.count_window("other") == 1


def test_granting_views_adds_to_the_meter(accounts):
    accounts.create_user(_user(), "h", 1, None)
    assert accounts.grant_views("u:user1", 4).remaining == 5
    assert accounts.grant_views("u:user1", -10).remaining == 0


def test_the_wall_carries_the_meter_it_stopped(accounts):
    # Given a guest meter with its one view spent
    accounts.create_meter("g:w", 1, "guest")
    accounts.charge_view("g:w", "icd10cm", "A", "t1")
    # When it asks for another code
    with pytest.raises(ViewLimitReached) as wall:
        accounts.charge_view("g:w", "icd10cm", "B", "t2")
    # Then the refusal says which meter and that nothing is left, and nothing changed
    assert wall.value.details["meter"].remaining == 0
    assert wall.value.details["meter"].plan == "guest"
    assert [u.key for u in accounts.unlocked("g:w")] == ["A"]


def test_a_closed_or_unknown_meter_cannot_pay(accounts):
    # Given a guest meter closed by its guest's registration, and a meter that never existed
    accounts.create_meter("g:old", 1, "guest")
    accounts.create_user(_user(), "h", 5, carry_from="g:old")
    # Then neither can pay for a code
    for meter_id in ("g:old", "g:never"):
        with pytest.raises(MeterClosed):
            accounts.charge_view(meter_id, "icd10cm", "A", "t")
    assert accounts.unlocked("u:user1") == []


def test_a_meter_can_start_with_its_first_code_unlocked(accounts):
    # Given a guest meter created with the code it was created for
    accounts.create_meter("g:f", 0, "guest", first=("icd10cm", "R001", "t1"))
    # Then that code is unlocked and re-opening it is free, though no view is left
    assert [u.key for u in accounts.unlocked("g:f")] == ["R001"]
    assert accounts.charge_view("g:f", "icd10cm", "R001", "t2")[1] is False
    with pytest.raises(ViewLimitReached):
        accounts.charge_view("g:f", "icd10cm", "R002", "t3")


def test_a_meter_counted_in_a_full_window_is_not_created(accounts):
    # Given a window that admits two new meters
    window = WindowCount("guest-meters:addr:1", NOW + 86400, limit=2)
    # When three are created in it
    accounts.create_meter("g:1", 1, "guest", counted_in=window)
    accounts.create_meter("g:2", 1, "guest", counted_in=window)
    with pytest.raises(WindowFull):
        accounts.create_meter("g:3", 1, "guest", counted_in=window)
    # Then the third does not exist and the window holds two
    assert accounts.meter("g:3") is None
    assert accounts.meter("g:2").remaining == 1
    assert accounts.count_window(window.key) == 2


def test_unlocked_codes_come_in_pages_in_code_order(accounts):
    # Given an unlimited member who opened seven codes in two systems, in no particular order
    accounts.create_user(_user(), "h", 0, None)
    accounts.set_plan("user1", "unlimited")
    opened = [("icd10pcs", "0016070"), ("icd10cm", "R002"), ("icd10cm", "A001"), ("icd10cm", "Z99")]
    opened += [("icd10cm", "B20"), ("icd10pcs", "0DT70ZZ"), ("icd10cm", "R001")]
    for n, (system, key) in enumerate(opened):
        accounts.charge_view("u:user1", system, key, f"2026-11-27T00:00:0{n}")
    # When they list them three at a time, each page resuming after the one before
    pages, after = [], None
    while True:
        page = accounts.unlocked_page("u:user1", 3, after)
        pages.append([(u.system, u.key) for u in page.codes])
        if page.after is None:
            break
        after = page.after
    # Then every code comes once, by system then code, in pages of three, and the last page
    # says there is no more
    assert pages == [
        [("icd10cm", "A001"), ("icd10cm", "B20"), ("icd10cm", "R001")],
        [("icd10cm", "R002"), ("icd10cm", "Z99"), ("icd10pcs", "0016070")],
        [("icd10pcs", "0DT70ZZ")],
    ]
    # And a page as long as what is left says there is no more either
    assert accounts.unlocked_page("u:user1", 7).after is None
    assert accounts.unlocked_page("g:nobody", 3).codes == []
