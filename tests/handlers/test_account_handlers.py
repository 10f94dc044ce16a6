"""CodePageFunction and AuthFunction invoked with HTTP API payload 2.0 events under moto: the
meter, the account journey, reset mail through SES, the viewer's address from CloudFront and
the business metrics."""

from __future__ import annotations

import json
import re

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests import aws
from tests.handlers.conftest import SENDER, SITE_URL, Browser

PASSWORD = "correct horse battery staple"


def test_a_guest_reads_one_page_then_meets_the_wall(functions):
    # Given a new visitor with no cookies
    browser = Browser(functions)
    # When they open a code page
    first = browser.page("R00.1")
    # Then the page is charged to a new guest meter, whose id comes back as an HttpOnly cookie
    assert first.status == 200
    assert first.body["code"] == "R00.1"
    assert first.body["meter"] == {"remaining": 0, "plan": "guest", "charged": True}
    assert first.headers["cache-control"] == "private, no-store"
    guest_cookie = next(c for c in first.set_cookie if c.startswith("coderef_guest="))
    assert "HttpOnly" in guest_cookie and "Secure" in guest_cookie
    # When they open it again, then it is free
    again = browser.page("r001")
    assert again.status == 200 and again.body["meter"]["charged"] is False
    # When they open another code, then they meet the wall, with the public summary
    wall = browser.page("R00.0")
    assert wall.status == 402
    assert wall.body["error"]["code"] == "view_limit_reached"
    assert wall.body["summary"]["code"] == "R00.0"
    assert wall.body["meter"]["remaining"] == 0


def test_register_log_in_read_and_log_out(functions):
    # Given a guest who used their free view
    browser = Browser(functions)
    assert browser.page("R00.1").status == 200
    # When they register
    registered = browser.post(
        "/api/auth/register", {"email": "Ann@Example.org", "password": PASSWORD}
    )
    # Then they are signed in and the guest cookie is gone; the bonus waits for confirmation
    assert registered.status == 201
    assert registered.body["user"]["email"] == "ann@example.org"
    assert registered.body["user"]["email_confirmed"] is False
    assert registered.body["meter"]["remaining"] == 0
    assert "coderef_session" in browser.cookies and "coderef_guest" not in browser.cookies
    # When they open the link SES mailed them, the bonus views are theirs
    link = re.search(re.escape(SITE_URL) + r"/confirm-email\?token=(\S+)", _sent_mail()[-1].body)
    assert link and _sent_mail()[-1].destinations["ToAddresses"] == ["ann@example.org"]
    confirmed = Browser(functions).post("/api/auth/confirm-email", {"token": link.group(1)})
    assert confirmed.status == 200
    assert browser.me().body["meter"]["remaining"] == 5
    # When they log out and log in again
    assert browser.post("/api/auth/logout").status == 204
    assert "coderef_session" not in browser.cookies
    login = browser.post("/api/auth/login", {"email": "ann@example.org", "password": PASSWORD})
    assert login.status == 200
    # Then a page is charged to the account, and /api/me lists what it unlocked, with titles
    page = browser.page("R00.0")
    assert page.status == 200
    assert page.body["meter"] == {"remaining": 4, "plan": "free", "charged": True}
    me = browser.me()
    assert me.body["user"]["email"] == "ann@example.org"
    unlocked = {u["code"]: u["title"] for u in me.body["unlocked"]}
    assert unlocked["R00.1"] and unlocked["R00.0"]  # the guest's unlock came along
    # When they log out, then the old session cookie no longer signs anyone in
    session = browser.cookies["coderef_session"]
    browser.post("/api/auth/logout")
    browser.cookies["coderef_session"] = session
    assert browser.me().body["user"] is None


def test_a_post_from_another_site_is_refused(functions):
    browser = Browser(functions)
    answer = browser.post(
        "/api/auth/register",
        {"email": "mallory@example.org", "password": PASSWORD},
        origin="https://evil.example",
    )
    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden_origin"


def _sent_mail() -> list:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sent_messages)


def test_a_password_reset_mail_goes_out_through_ses(functions):
    # Given an account
    browser = Browser(functions)
    browser.post("/api/auth/register", {"email": "bo@example.org", "password": PASSWORD})
    before = len(_sent_mail())
    # When its owner asks for a reset
    asked = browser.post("/api/auth/password-reset", {"email": "bo@example.org"})
    # Then SES sent one message from the stack's sender, linking to the site from SSM
    assert asked.status == 202
    mail = _sent_mail()[before:]
    assert len(mail) == 1
    assert mail[0].source == SENDER
    assert mail[0].destinations["ToAddresses"] == ["bo@example.org"]
    token = re.search(re.escape(SITE_URL) + r"/reset-password\?token=(\S+)", mail[0].body)
    assert token, mail[0].body
    # And the link's token sets a new password that logs in
    confirm = browser.post(
        "/api/auth/password-reset/confirm",
        {"token": token.group(1), "password": "another long pass phrase"},
    )
    assert confirm.status == 200
    fresh = Browser(functions)
    login = fresh.post(
        "/api/auth/login", {"email": "bo@example.org", "password": "another long pass phrase"}
    )
    assert login.status == 200


def test_a_reset_for_an_unknown_email_sends_nothing_and_says_the_same(functions):
    before = len(_sent_mail())
    answer = Browser(functions).post("/api/auth/password-reset", {"email": "nobody@example.org"})
    assert (answer.status, answer.body) == (202, {"status": "accepted"})
    assert len(_sent_mail()) == before


def test_new_guests_are_capped_per_viewer_address_ipv4_and_ipv6(functions):
    # Given the cap of two new guest meters per address per day (the fixture's setting)
    for ipv6 in (False, True):
        first = Browser(functions, ipv6=ipv6)
        second = Browser(functions, ipv6=ipv6)
        third = Browser(functions, ipv6=ipv6)
        second.address = third.address = first.address  # cookies cleared, same address
        # When three cookie-less visits come from one viewer address
        answers = [b.page("R00.1").status for b in (first, second, third)]
        # Then the third is refused, while another address still gets its meter
        assert answers == [200, 200, 429], ipv6
        assert Browser(functions, ipv6=ipv6).page("R00.1").status == 200


def test_the_four_business_events_are_emitted_as_emf_metrics(functions, capsys):
    # Given a guest who reads a page, meets the wall, registers; and a failed log-in
    guest = Browser(functions)
    guest.page("R00.1")
    guest.page("R00.0")
    guest.post("/api/auth/register", {"email": "cy@example.org", "password": PASSWORD})
    Browser(functions).post("/api/auth/login", {"email": "cy@example.org", "password": "wrong!"})
    # Then the functions printed CloudWatch EMF documents holding each count
    emitted: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CodeRef"
        for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            value = document[metric["Name"]]
            emitted[metric["Name"]] = emitted.get(metric["Name"], 0) + sum(
                value if isinstance(value, list) else [value]
            )
    for name in ("ViewsCharged", "WallsHit", "Registrations", "FailedLogins"):
        assert emitted.get(name) == 1, (name, emitted)
