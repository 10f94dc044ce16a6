"""The sign-up bonus waits for the email address to be confirmed through a single-use,
expiring link sent to it; a guest's views and unlocks carry over at registration at once."""

from coderef.security import hash_token
from tests.conftest import mailed_token, new_client, register

PASSWORD = "correct horse battery staple"


def confirm(client, token):
    return client.post("/api/auth/confirm-email", json={"token": token})


def test_the_bonus_arrives_only_when_the_mailed_link_is_opened(app):
    # Given a guest who opened one code page, then registered
    browser = new_client(app)
    assert browser.get("/api/codes/icd10cm/R00.1").status_code == 200
    email = register(browser, confirm=False)
    me = browser.get("/api/me").json()
    # Then the guest's unlock came along at once, but no bonus yet: the wall is still there
    assert me["user"]["email_confirmed"] is False
    assert me["meter"]["remaining"] == 0
    assert [u["code"] for u in me["unlocked"]] == ["R00.1"]
    assert browser.get("/api/codes/icd10cm/R00.0").status_code == 402
    # When the link mailed to the address is opened, in any browser
    token = mailed_token(app, email)
    assert confirm(new_client(app), token).json() == {"status": "email_confirmed"}
    # Then the bonus is on the account and the code opens
    me = browser.get("/api/me").json()
    assert me["user"]["email_confirmed"] is True
    assert me["meter"]["remaining"] == 5
    assert browser.get("/api/codes/icd10cm/R00.0").status_code == 200


def test_a_confirmation_link_works_once_and_a_second_link_gives_no_second_bonus(app):
    browser = new_client(app)
    email = register(browser, confirm=False)
    first = mailed_token(app, email)
    assert browser.post("/api/auth/confirm-email/resend").status_code == 202
    second = mailed_token(app, email)
    assert first != second
    assert confirm(browser, first).status_code == 200
    reused = confirm(browser, first)
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "invalid_token"
    assert confirm(browser, second).status_code == 200
    assert browser.get("/api/me").json()["meter"]["remaining"] == 1 + 5


def test_an_expired_or_made_up_link_is_refused_and_grants_nothing(app):
    browser = new_client(app)
    email = register(browser, confirm=False)
    services = app.state.services
    user = services.accounts.user_by_email(email)[0]
    services.accounts.create_confirm_token(hash_token("stale"), user.id, expires_at=1)
    for token in ("stale", "made-up", ""):
        refused = confirm(browser, token)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "invalid_token"
    assert browser.get("/api/me").json()["meter"]["remaining"] == 1


def test_asking_for_the_link_again_needs_a_session_and_is_limited(app, monkeypatch):
    monkeypatch.setattr(app.state.services.account_service, "clock", lambda: 1_900_000_000.0)
    stranger = new_client(app).post("/api/auth/confirm-email/resend")
    assert stranger.status_code == 401
    browser = new_client(app)
    register(browser, confirm=False)
    statuses = [browser.post("/api/auth/confirm-email/resend").status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]


def test_a_confirmed_account_gets_no_more_links(app, fixture_settings):
    browser = new_client(app)
    register(browser)  # confirmed
    before = len(list(fixture_settings.outbox_dir.glob("*.txt")))
    assert browser.post("/api/auth/confirm-email/resend").status_code == 202
    assert len(list(fixture_settings.outbox_dir.glob("*.txt"))) == before
