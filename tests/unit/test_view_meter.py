"""The view meter's rules on the in-memory accounts fake: who pays, when a view is taken, the
wall, the daily cap on new guest meters, refunds. Milliseconds, no store."""

from __future__ import annotations

import pytest

from coderef.accounts.metering import Viewer, ViewMeter
from coderef.accounts.model import MeterPolicy, SessionCheck, User
from coderef.errors import NotSignedIn, TooManyRequests, ViewLimitReached
from tests.fakes import FakeAccounts

DAY = 20_000 * 86400  # a fixed moment for the meter's clock


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


def meter_for(accounts: FakeAccounts, **policy) -> ViewMeter:
    return ViewMeter(accounts, MeterPolicy(**policy), clock=lambda: DAY)


def member(accounts: FakeAccounts, views: int = 5, session: str = "s1") -> Viewer:
    user = User("user1", "u1@example.org", "free", "2026-11-27T00:00:00+00:00")
    accounts.create_user(user, "hash", views, carry_from=None)
    accounts.create_session(session, user.id, expires_at=DAY + 3600)
    return Viewer(user_id=user.id, session=SessionCheck(session, DAY))


def test_a_new_visitors_first_page_opens_a_guest_meter_that_pays_for_it(accounts):
    # Given a visitor with no meter yet
    meter = meter_for(accounts, guest_views=1)
    # When they open a code page
    charge = meter.charge(Viewer(), "icd10cm", "R001", "198.51.100.7")
    # Then a guest meter is made with the code unlocked and its one view taken
    assert charge.charged and charge.new_guest_token
    assert (charge.meter.plan, charge.meter.remaining) == ("guest", 0)
    assert [u.key for u in accounts.unlocked(charge.meter.id)] == ["R001"]


def test_reopening_an_unlocked_code_is_free_and_a_new_one_meets_the_wall(accounts):
    # Given a guest who has used their one view on R00.1
    meter = meter_for(accounts, guest_views=1)
    first = meter.charge(Viewer(), "icd10cm", "R001", "198.51.100.7")
    guest = Viewer(guest_token=first.new_guest_token)
    # When they reopen it, then open another code
    again = meter.charge(guest, "icd10cm", "R001", "198.51.100.7")
    with pytest.raises(ViewLimitReached) as wall:
        meter.charge(guest, "icd10cm", "I10", "198.51.100.7")
    # Then the reopening took nothing and the wall carries the stopped meter
    assert again.charged is False and again.new_guest_token is None
    assert wall.value.details["meter"].remaining == 0


def test_new_guest_meters_from_one_address_are_capped_per_day(accounts):
    # Given a cap of two new guest meters per address per day
    meter = meter_for(accounts, guest_meters_per_address_per_day=2)
    meter.charge(Viewer(), "icd10cm", "R001", "203.0.113.9")
    meter.charge(Viewer(), "icd10cm", "R001", "203.0.113.9")
    # When a third cookie-less visitor from that address opens a page
    with pytest.raises(TooManyRequests) as refused:
        meter.charge(Viewer(), "icd10cm", "R001", "203.0.113.9")
    # Then it is refused until the next day, while another address still gets its meter
    assert refused.value.retry_after == 86400
    assert meter.charge(Viewer(), "icd10cm", "R001", "192.0.2.1").charged


def test_a_members_charge_needs_their_session_live(accounts):
    # Given a member with five views, whose session is then revoked
    meter = meter_for(accounts)
    viewer = member(accounts)
    assert meter.charge(viewer, "icd10cm", "R001", "x").meter.remaining == 4
    accounts.delete_user_sessions("user1")
    # When the old session opens another code, then nothing is charged
    with pytest.raises(NotSignedIn):
        meter.charge(viewer, "icd10cm", "I10", "x")
    assert accounts.meter("u:user1").remaining == 4


def test_a_member_whose_session_ended_stands_as_the_guest_they_are(accounts):
    # Given a member's browser that also holds a guest meter, and an ended session
    meter = meter_for(accounts)
    guest = meter.charge(Viewer(), "icd10cm", "R001", "x")
    viewer = member(accounts)
    stale = Viewer(
        user_id="user1", session=SessionCheck("gone", DAY), guest_token=guest.new_guest_token
    )
    # When the browser asks who it is
    standing = meter.standing(stale)
    # Then it sees the guest meter and its code, not the member's
    assert standing.user is None and standing.meter.plan == "guest"
    assert [u.key for u in standing.unlocked] == ["R001"]
    assert meter.standing(viewer).user.email == "u1@example.org"


def test_a_refund_gives_the_view_back_and_locks_the_code_again(accounts):
    meter = meter_for(accounts)
    viewer = member(accounts, views=2)
    charge = meter.charge(viewer, "icd10cm", "R999", "x")
    meter.refund(charge, "icd10cm", "R999")
    assert accounts.meter("u:user1").remaining == 2
    assert accounts.unlocked("u:user1") == []


def test_the_unlimited_plan_records_codes_without_taking_views(accounts):
    meter = meter_for(accounts)
    viewer = member(accounts, views=0)
    accounts.set_plan("user1", "unlimited")
    charge = meter.charge(viewer, "icd10cm", "R001", "x")
    assert charge.charged is False and charge.meter.plan == "unlimited"
    assert [u.key for u in accounts.unlocked("u:user1")] == ["R001"]
