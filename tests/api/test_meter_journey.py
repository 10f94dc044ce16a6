"""The product's model end to end, through HTTP: guest, wall, register, views, re-open, log in."""

from fastapi.testclient import TestClient

from coderef.local import create_local_app
from tests.conftest import register

LOCKED = {"locked": True, "reason": "register"}


def locked(section: dict) -> dict:
    """A locked section without its size (the size is what a guest may know)."""
    return {k: v for k, v in section.items() if k != "count"}


def page(client, code, system="icd10cm"):
    return client.get(f"/api/codes/{system}/{code}")


def test_the_whole_journey(client):
    # Given a guest who opens a code page
    first = page(client, "R00.1")
    assert first.status_code == 200
    assert first.json()["meter"] == {"remaining": 0, "plan": "guest", "charged": True}
    # When they open a second, new code, they meet the wall
    wall = page(client, "I10")
    assert wall.status_code == 402
    body = wall.json()
    assert body["error"]["code"] == "view_limit_reached"
    assert body["summary"]["code"] == "I10" and body["meter"]["remaining"] == 0
    assert "description" not in body["summary"]
    # And re-opening the code they unlocked stays free
    again = page(client, "r001")
    assert again.status_code == 200 and again.json()["meter"]["charged"] is False
    # When they register, what they had left plus five is theirs, with their unlocked code
    email = register(client)
    me = client.get("/api/me").json()
    assert me["user"]["email"] == email and me["meter"]["plan"] == "free"
    assert me["meter"]["remaining"] == 5
    assert [u["code"] for u in me["unlocked"]] == ["R00.1"]
    # Then five new codes open, each charged, and the sixth meets the wall
    for code, left in zip(
        ["I10", "I50.9", "R00.0", "R00.2", "E11.9"], [4, 3, 2, 1, 0], strict=True
    ):
        opened = page(client, code)
        assert opened.status_code == 200, code
        assert opened.json()["meter"] == {"remaining": left, "plan": "free", "charged": True}
    assert page(client, "E11.40").status_code == 402
    # And every unlocked code re-opens for free
    assert page(client, "I10").json()["meter"]["charged"] is False
    # When they log out they are a guest again
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/me").json()["user"] is None
    # And when they log in, the meter and the unlocked codes are as they left them
    login = client.post(
        "/api/auth/login", json={"email": email, "password": "correct horse battery staple"}
    )
    assert login.status_code == 200
    me = client.get("/api/me").json()
    assert me["user"]["email"] == email
    assert me["meter"] == {"remaining": 0, "plan": "free", "charged": False}
    assert sorted(u["code"] for u in me["unlocked"]) == sorted(
        ["R00.1", "I10", "I50.9", "R00.0", "R00.2", "E11.9"]
    )
    assert all(u["title"] for u in me["unlocked"])


def test_a_guest_page_carries_no_registered_only_content(client):
    response = page(client, "R00.1")
    body = response.json()
    for section in ("notes", "inherited_notes", "seventh_characters", "related"):
        assert locked(body[section]) == LOCKED
    # A guest learns only how much each section holds: R00.1's own notes and R00's
    assert body["notes"]["count"] == 6 and body["inherited_notes"]["count"] >= 2
    # The codes under a code are the free tree (issue 17): open to guests, as in search
    assert body["children"] == []
    assert body["description"] == "Bradycardia, unspecified"
    assert body["plain_language"]["text"]
    # The excludes note is nowhere in what was sent
    assert "P29.12" not in response.text


def test_a_member_sees_every_section(member):
    body = page(member, "R00.1").json()
    assert body["notes"][0]["kind"] == "inclusion_terms"
    assert body["related"] == [] or isinstance(body["related"], list)
    assert isinstance(body["children"], list)


def test_the_guest_cookie_is_random_http_only_and_lax(client):
    response = page(client, "R00.1")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("coderef_guest=")
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 22  # at least 128 bits, base64url
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_an_unknown_code_costs_nothing(client):
    assert page(client, "R00.9").status_code == 404
    assert page(client, "R00.1").json()["meter"]["charged"] is True


def test_registering_without_a_guest_meter_starts_with_guest_views_plus_bonus(client):
    register(client)
    assert client.get("/api/me").json()["meter"]["remaining"] == 6


def test_the_unlimited_plan_never_pays(member, app):
    email = member.get("/api/me").json()["user"]["email"]
    app.state.services.account_service.set_plan(email, "unlimited")
    for code in ["R00.0", "R00.1", "R00.2", "I10", "I50.9", "E11.9", "E11.40", "S02.0"]:
        body = page(member, code).json()
        assert body["meter"] == {"remaining": None, "plan": "unlimited", "charged": False}


def test_granted_views_open_more_codes(member, app):
    email = member.get("/api/me").json()["user"]["email"]
    meter = app.state.services.account_service.grant_views(email, 10)
    assert meter.remaining == 16
    assert member.get("/api/me").json()["meter"]["remaining"] == 16


def test_new_guest_meters_per_address_per_day_are_capped(fixture_settings):
    # Given an address that has already started the daily cap of guest meters
    app = create_local_app(
        fixture_settings.model_copy(update={"guest_meters_per_address_per_day": 2})
    )
    first, second, third = (
        TestClient(app, base_url="https://testserver", client=("10.200.0.1", 40000))
        for _ in range(3)
    )
    assert page(first, "R00.1").status_code == 200
    assert page(second, "R00.1").status_code == 200
    # When a third browser from that address clears its cookies and comes back
    blocked = page(third, "R00.1")
    # Then it gets no new free view, told why, with a time to retry
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_requests"
    assert int(blocked.headers["retry-after"]) > 0
    assert "set-cookie" not in blocked.headers
