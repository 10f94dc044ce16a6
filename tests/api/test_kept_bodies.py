"""Code summaries and pages are rendered once and kept (api/rendered.py, api/kept_bodies.py):
the same answers as before, never a member's page to a guest, every view still charged, and
a release loaded or switched in the running store shown at once."""

from __future__ import annotations

import os
from datetime import date

import pytest
from fastapi import FastAPI
from pydantic_core import to_json

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.rendered import RenderedBodies, with_member
from coderef.local import create_local_app
from coderef.settings import Settings
from tests.conftest import import_fixture_catalog, new_client, register

CODE = "/api/codes/icd10cm/R00.1"


@pytest.fixture(scope="module")
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A catalog of this module's own: the tests switch its live release."""
    settings = import_fixture_catalog(tmp_path_factory.mktemp("kept"))
    return settings.model_copy(update={"guest_meters_per_address_per_day": 100_000})


@pytest.fixture
def own_app(own_settings: Settings) -> FastAPI:
    return create_local_app(own_settings)


def _kept(app: FastAPI) -> RenderedBodies:
    rendered = app.state.services.rendered
    assert rendered is not None
    return rendered


def test_a_summary_asked_again_is_the_same_answer_from_the_kept_rendering(own_app):
    # Given a summary read once
    browser = new_client(own_app)
    first = browser.get(f"{CODE}/summary")
    assert first.status_code == 200
    assert len(_kept(own_app)) == 1
    # When it is read again, by anyone
    again = new_client(own_app).get(f"{CODE}/summary")
    # Then the bytes and the headers are the same
    assert again.content == first.content
    assert again.headers["cache-control"] == "public, max-age=300"
    assert again.headers["content-type"] == "application/json"
    assert again.json()["title"] == "Bradycardia, unspecified"


def test_a_release_switched_in_the_running_store_shows_at_once(own_app, own_settings):
    # Given a summary and a member's page read (and kept) from the live ICD-10-CM release
    member = new_client(own_app)
    register(member)
    assert member.get(CODE).json()["release"]["id"] == "icd10cm-2026-04"
    assert member.get(f"{CODE}/summary").json()["release"]["id"] == "icd10cm-2026-04"
    # When an operator makes another release live (another connection, as the CLI would)
    operator = SqliteCatalog(own_settings.catalog_path)
    operator.set_live("icd10cm-2025-10")
    try:
        # Then the next summary and page come from that release, not from what was kept
        assert member.get(f"{CODE}/summary").json()["release"]["id"] == "icd10cm-2025-10"
        page = member.get(CODE)
        assert page.json()["release"]["id"] == "icd10cm-2025-10"
        assert page.json()["meter"]["charged"] is False  # unlocked before, in every release
    finally:
        operator.set_live("icd10cm-2026-04")
    assert member.get(f"{CODE}/summary").json()["release"]["id"] == "icd10cm-2026-04"


def test_a_members_kept_page_never_reaches_a_guest(own_app, own_settings):
    # Given a member's full page of a code, rendered and kept
    member = new_client(own_app)
    register(member)
    full = member.get(CODE).json()
    assert full["notes"] and not isinstance(full["notes"], dict)
    # When a guest opens the same code
    guest = new_client(own_app)
    response = guest.get(CODE)
    # Then the guest gets the locked sections and none of the member-only text
    body = response.json()
    assert response.status_code == 200
    assert body["meter"]["plan"] == "guest"
    for section in ("notes", "inherited_notes", "seventh_characters", "related"):
        assert body[section]["locked"] is True
    # (exactly the page a guest gets from a server that never built a member's page)
    fresh = new_client(create_local_app(own_settings)).get(CODE).json()
    assert {**body, "meter": None} == {**fresh, "meter": None}
    # And a member opening it after the guest still gets the full page
    again = new_client(own_app)
    register(again)
    assert again.get(CODE).json()["notes"] == full["notes"]


def test_a_kept_page_still_charges_every_new_reader_once(own_app):
    # Given a code whose page is kept for members and for guests
    first_member = new_client(own_app)
    register(first_member)
    first_member.get(CODE)
    new_client(own_app).get(CODE)
    # When a second member opens it twice
    member = new_client(own_app)
    register(member)
    views = member.get("/api/me").json()["meter"]["remaining"]
    opened = member.get(CODE).json()["meter"]
    reopened = member.get(CODE).json()["meter"]
    # Then the first open takes a view and the re-open is free
    assert opened == {"remaining": views - 1, "plan": "free", "charged": True}
    assert reopened == {"remaining": views - 1, "plan": "free", "charged": False}
    assert [u["code"] for u in member.get("/api/me").json()["unlocked"]] == ["R00.1"]
    # And a new guest pays its one view, then meets the wall on another kept code
    guest = new_client(own_app)
    assert guest.get(CODE).json()["meter"]["charged"] is True
    new_client(own_app).get("/api/codes/icd10cm/R00.0")  # kept by someone else
    wall = guest.get("/api/codes/icd10cm/R00.0")
    assert wall.status_code == 402
    assert wall.json()["summary"]["code"] == "R00.0"
    assert guest.get(CODE).json()["meter"]["charged"] is False  # its own code stays open


def test_a_kept_re_open_is_answered_from_one_read_without_the_charge(own_app, monkeypatch):
    # Given a member who has opened a code (its page kept)
    member = new_client(own_app)
    register(member)
    opened = member.get(CODE)
    # When the charge path is unavailable and the member opens the code again
    code_pages = own_app.state.services.code_pages

    def no_charge(*args, **kwargs):
        raise AssertionError("a re-open must not go through the charge")

    monkeypatch.setattr(code_pages, "pay", no_charge)
    monkeypatch.setattr(code_pages, "open", no_charge)
    again = member.get(CODE)
    # Then the page comes back whole, free, with the same headers
    assert again.status_code == 200
    assert again.json() == {**opened.json(), "meter": {**opened.json()["meter"], "charged": False}}
    assert again.headers["cache-control"] == "private, no-store"
    # And a code it has not opened still goes to the charge (refused here by the stand-in)
    new_client(own_app).get("/api/codes/icd10cm/R00.0")  # kept by someone else
    assert member.get("/api/codes/icd10cm/R00.0").status_code == 500


def test_a_dead_session_on_a_kept_page_reads_as_a_guest(own_app):
    # Given a member's page of a code kept, and a session that was logged out
    member = new_client(own_app)
    register(member)
    member.get(CODE)
    stale_cookie = member.cookies.get("coderef_session")
    member.post("/api/auth/logout")
    # When the dead session's cookie opens the code
    stale = new_client(own_app)
    stale.cookies.set("coderef_session", stale_cookie, domain="testserver.local")
    response = stale.get(CODE)
    # Then it is a guest's page, and the dead cookie is cleared
    assert response.status_code == 200
    assert response.json()["meter"]["plan"] == "guest"
    assert response.json()["notes"]["locked"] is True
    assert 'coderef_session=""' in response.headers["set-cookie"]


def test_a_cross_site_request_is_refused_even_for_a_kept_page(own_app):
    # Given a member who has the code open (its page kept)
    member = new_client(own_app)
    register(member)
    assert member.get(CODE).status_code == 200
    # When another site's page makes the browser ask for it
    response = member.get(CODE, headers={"Sec-Fetch-Site": "cross-site"})
    # Then it is refused, as always
    assert response.status_code == 403


def test_a_new_day_renders_the_summary_again(own_settings):
    # Given a summary read and kept today
    app = create_local_app(own_settings)
    browser = new_client(app)
    assert browser.get(f"{CODE}/summary").json()["release"]["today"] == date.today().isoformat()
    # When the day changes
    app.state.services.lookup.today = lambda: date(2031, 1, 2)
    # Then the summary is judged against the new day (its release is no longer in force)
    release = browser.get(f"{CODE}/summary").json()["release"]
    assert release["today"] == "2031-01-02"
    assert release["in_force_today"] is False


def test_dated_answers_are_not_kept(own_app):
    # Given a dated summary
    response = new_client(own_app).get(f"{CODE}/summary", params={"date": "2025-01-15"})
    # Then it answers from that date's release and nothing is kept for it
    assert response.json()["release"]["id"] == "icd10cm-2024-10"
    assert len(_kept(own_app)) == 0


def test_the_kept_bodies_stay_within_their_room():
    # Given room for 1000 bytes
    kept = RenderedBodies(1000)
    # When more is kept than fits
    for n in range(10):
        kept.put(n, b"x" * 200)
    kept.get(6)  # read lately: kept ahead of older ones
    kept.put(10, b"x" * 200)
    # Then the least recently read went first, and the total stays within the room
    assert kept.size <= 1000
    assert kept.get(6) is not None and kept.get(10) is not None
    assert kept.get(0) is None
    # And a body bigger than a quarter of the room is not kept at all
    kept.put("big", b"x" * 300)
    assert kept.get("big") is None


def test_a_member_added_to_a_rendered_body_is_what_rendering_it_whole_gives():
    body = {"code": "R00.1", "title": "Bradycardia, unspecified", "n": [1, 2], "é": None}
    meter = {"remaining": 3, "plan": "free", "charged": False}
    assert with_member(to_json(body), "meter", meter) == to_json({**body, "meter": meter})
    assert with_member(b"{}", "meter", meter) == to_json({"meter": meter})


def _engine_calls(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The searches and suggestions the engine itself works out (not answered from kept bytes)."""
    index = app.state.services.index
    calls: list[str] = []
    for name in ("search", "suggest"):
        work = getattr(index, name)

        def spy(text, *args, _work=work, **kwargs):
            calls.append(text)
            return _work(text, *args, **kwargs)

        monkeypatch.setattr(index, name, spy)
    return calls


@pytest.mark.parametrize("path", ["/api/search?q=bradycardia&limit=5", "/api/suggest?q=brady"])
def test_a_search_asked_again_is_the_same_answer_without_searching_again(
    own_app, monkeypatch, path
):
    calls = _engine_calls(own_app, monkeypatch)
    # Given a search (or suggestion) answered once
    first = new_client(own_app).get(path)
    assert first.status_code == 200 and len(calls) == 1
    # When anyone asks it again with the same query string
    again = new_client(own_app).get(path)
    # Then the same bytes and headers come back, and the engine was not asked again
    assert again.content == first.content
    assert again.headers["cache-control"] == "public, max-age=300"
    assert again.headers["content-type"] == "application/json"
    assert len(calls) == 1


def test_a_search_that_finds_nothing_is_asked_each_time(own_app, monkeypatch):
    # (each one is counted: what people look for and do not find)
    calls = _engine_calls(own_app, monkeypatch)
    for _ in range(2):
        body = new_client(own_app).get("/api/search?q=zzqxv").json()
        assert body["results"] == []
    assert len(calls) == 2


def test_a_rebuilt_index_is_searched_afresh(own_app, own_settings, monkeypatch):
    calls = _engine_calls(own_app, monkeypatch)
    # Given a search answered and kept
    assert new_client(own_app).get("/api/search?q=bradycardia").status_code == 200
    # When the index file is replaced (here: its modification time moves, as a new file's would)
    index = own_settings.index_path
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    # Then the same search is worked out again on the new file
    assert new_client(own_app).get("/api/search?q=bradycardia").status_code == 200
    assert len(calls) == 2


def test_a_bad_search_is_never_kept(own_app):
    for _ in range(2):
        response = new_client(own_app).get("/api/search?q=brady&limit=1000")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_input"
