"""Accounts through HTTP: registration rules, login, sessions, reset, origins."""

import pytest

from tests.conftest import mailed_token, new_client, register

PASSWORD = "correct horse battery staple"


def post(client, path, body, **kw):
    return client.post(f"/api/auth/{path}", json=body, **kw)


def session_cookie(response):
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("coderef_session="):
            return header
    return None


def test_emails_are_unique_ignoring_case(client, app):
    email = register(client)
    again = post(new_client(app), "register", {"email": email.upper(), "password": PASSWORD})
    assert again.status_code == 409 and again.json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    "password", ["short", "password123", "Password123", "qwertyuiop", "x" * 129]
)
def test_weak_passwords_are_refused_and_create_nothing(client, password):
    email = "weak-" + str(abs(hash(password))) + "@example.org"
    response = post(client, "register", {"email": email, "password": password})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"
    login = post(client, "login", {"email": email, "password": password})
    assert login.status_code == 401


def test_any_characters_and_128_long_passwords_are_allowed(client):
    password = "ünïcødé 🙂 " + "p" * 118
    assert len(password) == 128
    response = post(client, "register", {"email": "long@example.org", "password": password})
    assert response.status_code == 201


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.org", "x" * 300])
def test_malformed_emails_are_refused(client, email):
    response = post(client, "register", {"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_login_errors_never_reveal_whether_an_email_exists(client, app):
    email = register(new_client(app))
    wrong_password = post(client, "login", {"email": email, "password": "not the password"})
    unknown = post(client, "login", {"email": "nobody@example.org", "password": PASSWORD})
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.json() == unknown.json()


@pytest.fixture
def frozen_clock(app, monkeypatch):
    """Throttling counts in fixed windows; a test must not straddle a window's end."""
    monkeypatch.setattr(app.state.services.account_service, "clock", lambda: 1_900_000_000.0)


def test_failed_logins_are_throttled_per_account(app, frozen_clock):
    email = register(new_client(app))
    # Given five failures from five different addresses
    for _ in range(5):
        assert (
            post(new_client(app), "login", {"email": email, "password": "nope nope"}).status_code
            == 401
        )
    # When the right password is tried, even from a new address
    response = post(new_client(app), "login", {"email": email, "password": PASSWORD})
    # Then it waits, with a Retry-After
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60


def test_failed_logins_are_throttled_per_address(client, frozen_clock):
    for i in range(20):
        post(client, "login", {"email": f"guess{i}@example.org", "password": "nope nope"})
    response = post(client, "login", {"email": "another@example.org", "password": "nope nope"})
    assert response.status_code == 429


def test_each_login_starts_a_new_session_and_logout_revokes_it(app):
    browser = new_client(app)
    email = register(browser)
    first = session_cookie(post(browser, "login", {"email": email, "password": PASSWORD}))
    second = session_cookie(post(browser, "login", {"email": email, "password": PASSWORD}))
    assert first and second and first != second
    token = second.split(";")[0].split("=", 1)[1]
    assert len(token) >= 43  # 256 bits, base64url
    assert browser.post("/api/auth/logout").status_code == 204
    # A copy of the revoked token no longer signs anyone in
    stale = new_client(app)
    stale.cookies.set("coderef_session", token)
    assert stale.get("/api/me").json()["user"] is None


def test_session_cookie_flags(app):
    browser = new_client(app)
    register(browser)
    cookie = session_cookie(post(browser, "login", {"email": "x@example.org", "password": "y"}))
    assert cookie is None  # a failed login sets nothing
    email = register(new_client(app))
    cookie = session_cookie(post(browser, "login", {"email": email, "password": PASSWORD}))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_cookies_are_not_secure_on_plain_http_loopback(app):
    from fastapi.testclient import TestClient

    local = TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000))
    response = post(local, "register", {"email": "local@example.org", "password": PASSWORD})
    assert response.status_code == 201
    assert "Secure" not in session_cookie(response)


def test_a_post_from_a_foreign_origin_is_refused_and_changes_nothing(client):
    response = post(
        client,
        "register",
        {"email": "csrf@example.org", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_origin"
    assert (
        post(client, "login", {"email": "csrf@example.org", "password": PASSWORD}).status_code
        == 401
    )


def test_password_reset_journey(app, fixture_settings):
    browser = new_client(app)
    email = register(browser)
    outbox = fixture_settings.outbox_dir
    before = set(outbox.glob("*.txt")) if outbox.exists() else set()
    # Asking always answers 202, known or not
    assert (
        post(new_client(app), "password-reset", {"email": "nobody@example.org"}).status_code == 202
    )
    asked = post(new_client(app), "password-reset", {"email": email})
    assert asked.status_code == 202 and asked.json() == {"status": "accepted"}
    # Only the real account got mail, with a link holding the token
    sent = set(outbox.glob("*.txt")) - before
    assert len(sent) == 1
    mail = sent.pop().read_text()
    assert f"To: {email}" in mail
    token = mail.split("reset-password?token=")[1].split()[0]
    # A weak new password is refused and does not use the token up
    weak = post(
        new_client(app), "password-reset/confirm", {"token": token, "password": "password1"}
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    done = post(
        new_client(app),
        "password-reset/confirm",
        {"token": token, "password": "a brand new phrase"},
    )
    assert done.status_code == 200
    # Every session was revoked, the old password fails, the new one works
    assert browser.get("/api/me").json()["user"] is None
    assert post(new_client(app), "login", {"email": email, "password": PASSWORD}).status_code == 401
    assert (
        post(
            new_client(app), "login", {"email": email, "password": "a brand new phrase"}
        ).status_code
        == 200
    )
    # The token works once only
    reused = post(
        new_client(app),
        "password-reset/confirm",
        {"token": token, "password": "another new phrase"},
    )
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "invalid_token"


def test_an_expired_reset_token_is_refused(app):
    from coderef.security import hash_token

    services = app.state.services
    email = register(new_client(app))
    user = services.accounts.user_by_email(email)[0]
    services.accounts.create_reset_token(hash_token("old-token"), user.id, expires_at=1)
    response = post(
        new_client(app),
        "password-reset/confirm",
        {"token": "old-token", "password": "fresh phrase here"},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_token"


def test_me_for_a_new_guest_shows_the_guest_allowance(client):
    assert client.get("/api/me").json() == {
        "user": None,
        "meter": {"remaining": 1, "plan": "guest", "charged": False},
        "unlocked": [],
        "unlocked_next": None,
    }


@pytest.mark.parametrize(
    "email",
    [
        "nul\x00@example.org",
        "tab\t@example.org",
        "bell\x07@example.org",
        "zero\u200bwidth@example.org",
        "joiner\u200d@example.org",
        "bidi\u202eoverride@example.org",
        "isolate\u2066x@example.org",
        "bom\ufeff@example.org",
    ],
)
def test_emails_with_control_or_invisible_characters_are_refused_clearly(client, email):
    response = post(client, "register", {"email": email, "password": PASSWORD})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "email"
    assert "invisible" in error["message"]
    # And nothing was created under the address with the character removed either
    cleaned = "".join(ch for ch in email if ch.isprintable())
    assert post(client, "login", {"email": cleaned, "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize("password", [" " * 8, " " * 64, "\u3000" * 10, "nul\x00 in the middle"])
def test_passwords_of_only_spaces_or_with_control_characters_are_refused(client, password):
    response = post(client, "register", {"email": "spaces@example.org", "password": password})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"
    assert response.json()["error"]["message"]


def test_completing_one_reset_ends_every_other_reset_link(app):
    # Given an account that asked for two reset links, A then B
    email = register(new_client(app))
    post(new_client(app), "password-reset", {"email": email})
    link_a = mailed_token(app, email, "reset-password")
    post(new_client(app), "password-reset", {"email": email})
    link_b = mailed_token(app, email, "reset-password")
    assert link_a != link_b
    # When A is used
    done = post(
        new_client(app), "password-reset/confirm", {"token": link_a, "password": "first new phrase"}
    )
    assert done.status_code == 200
    # Then B no longer works, and A's password stands
    late = post(
        new_client(app),
        "password-reset/confirm",
        {"token": link_b, "password": "second new phrase"},
    )
    assert late.status_code == 400 and late.json()["error"]["code"] == "invalid_token"
    assert (
        post(new_client(app), "login", {"email": email, "password": "first new phrase"}).status_code
        == 200
    )


def test_new_passwords_from_reset_links_are_limited_per_address(client, frozen_clock):
    # Given someone trying made-up reset links from one address (each costs a hash)
    statuses = [
        post(
            client,
            "password-reset/confirm",
            {"token": f"guess{i}", "password": "fresh phrase here"},
        ).status_code
        for i in range(11)
    ]
    # Then ten are checked and refused, and the eleventh waits
    assert statuses == [400] * 10 + [429]


def test_me_lists_unlocked_codes_a_page_at_a_time(app):
    # Given a member who has opened three codes
    member = new_client(app)
    register(member)
    for code in ("R00.2", "R00.0", "R00.1"):
        assert member.get(f"/api/codes/icd10cm/{code}").status_code == 200
    # When their browser asks /api/me for two at a time
    first = member.get("/api/me", params={"limit": 2}).json()
    # Then the first two come in code order with a cursor, and the cursor brings the last
    assert [u["code"] for u in first["unlocked"]] == ["R00.0", "R00.1"]
    assert all(u["title"] for u in first["unlocked"])
    rest = member.get("/api/me", params={"limit": 2, "after": first["unlocked_next"]}).json()
    assert [u["code"] for u in rest["unlocked"]] == ["R00.2"]
    assert rest["unlocked_next"] is None
    assert rest["meter"] == first["meter"] and rest["user"] == first["user"]
    # And without a limit all three fit in the default page
    assert len(member.get("/api/me").json()["unlocked"]) == 3


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"after": "nonsense"}])
def test_me_refuses_a_page_it_cannot_give(client, query):
    response = client.get("/api/me", params=query)
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message"}
