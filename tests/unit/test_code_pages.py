"""Opening a code page, on the in-memory fakes: the record and the charge, a code the catalog
lacks costs nothing, a member whose session ended pays as a guest, the wall."""

from __future__ import annotations

import pytest

from coderef.accounts.code_pages import CodePages
from coderef.accounts.metering import Viewer, ViewMeter, in_turn
from coderef.accounts.model import MeterPolicy, SessionCheck, User
from coderef.catalog.lookup import CodeLookup
from coderef.errors import CodeNotFound
from tests.fakes import FakeAccounts

NOW = 20_000 * 86400


def pages(catalog, accounts, index_knows=lambda system, key: False) -> CodePages:
    meter = ViewMeter(accounts, MeterPolicy(guest_views=1), clock=lambda: NOW)
    return CodePages(CodeLookup(catalog), meter, index_knows, in_turn)


def open_page(code_pages: CodePages, viewer: Viewer, code: str, on_date=None):
    return code_pages.open(viewer, "icd10cm", code, on_date, lambda: "198.51.100.7")


def test_a_guest_opens_a_code_and_its_view_is_charged(catalog):
    accounts = FakeAccounts()
    opened = open_page(pages(catalog, accounts), Viewer(), "r00.1")
    assert opened.record.code == "R00.1"
    assert opened.paid.charge.charged and opened.paid.wall is None
    assert not opened.paid.session_ended


def test_an_unknown_code_is_not_found_and_makes_no_meter(catalog):
    accounts = FakeAccounts()
    with pytest.raises(CodeNotFound):
        open_page(pages(catalog, accounts), Viewer(), "R99.99")
    assert accounts.count_window("guest-meters:198.51.100.7:20000") == 0


def test_a_code_the_index_knows_but_the_catalog_lacks_gives_its_view_back(catalog):
    # Given a member, and an index that believes in every code
    accounts = FakeAccounts()
    user = User("user1", "u1@example.org", "free", "2026-11-27T00:00:00+00:00")
    accounts.create_user(user, "hash", 5, None)
    accounts.create_session("s1", "user1", NOW + 60)
    member = Viewer(user_id="user1", session=SessionCheck("s1", NOW))
    code_pages = pages(catalog, accounts, index_knows=lambda system, key: True)
    # When the member opens a code the catalog does not have
    with pytest.raises(CodeNotFound):
        open_page(code_pages, member, "R99.99")
    # Then the view charged beside the read is back, and nothing is unlocked
    assert accounts.meter("u:user1").remaining == 5
    assert accounts.unlocked("u:user1") == []


def test_a_member_whose_session_ended_pays_as_the_guest_they_are(catalog):
    accounts = FakeAccounts()
    stale = Viewer(user_id="user1", session=SessionCheck("gone", NOW))
    opened = open_page(pages(catalog, accounts), stale, "R00.1")
    assert opened.paid.session_ended
    assert opened.paid.charge.meter.plan == "guest"


def test_with_no_views_left_the_page_comes_with_the_wall(catalog):
    # Given a guest who has used their one view
    accounts = FakeAccounts()
    code_pages = pages(catalog, accounts)
    first = open_page(code_pages, Viewer(), "R00.1")
    guest = Viewer(guest_token=first.paid.charge.new_guest_token)
    # When they open another code
    opened = open_page(code_pages, guest, "I10")
    # Then the record is read (for its public summary) and the meter says no
    assert opened.record.code == "I10"
    assert opened.paid.charge is None and opened.paid.wall.code == "view_limit_reached"


def test_a_page_for_a_date_is_read_from_the_release_in_force_then(catalog):
    import datetime as dt

    accounts = FakeAccounts()
    opened = open_page(pages(catalog, accounts), Viewer(), "I10", dt.date(2026, 6, 1))
    assert opened.record.release == "icd10cm-2026-04"


def test_titles_of_unlocked_codes_are_read_once_per_system(catalog):
    lookup = CodeLookup(catalog)
    titles = lookup.titles([("icd10cm", "R001"), ("icd10pcs", "0FT44ZZ"), ("icd10cm", "I10")])
    assert titles == {
        ("icd10cm", "R001"): "Bradycardia, unspecified",
        ("icd10cm", "I10"): "Essential (primary) hypertension",
        ("icd10pcs", "0FT44ZZ"): "Resection of Gallbladder, Percutaneous Endoscopic Approach",
    }
    assert catalog.reads == 2
    assert lookup.titles([("icd10cm", "R999")]) == {}
