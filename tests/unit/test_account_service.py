"""Accounts on the in-memory fakes: registering carries a guest's codes, a password reset
mails a single-use link, and the new password ends every session."""

from __future__ import annotations

import pytest

from coderef.accounts.model import MeterPolicy
from coderef.accounts.service import AccountService
from coderef.errors import InvalidCredentials, InvalidToken
from tests.fakes import FakeAccounts, FakeHasher, FakeMailer

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def service(accounts, mailer) -> AccountService:
    policy = MeterPolicy(guest_views=1, signup_bonus_views=5)
    return AccountService(accounts, FakeHasher(), mailer, policy, "https://coderef.example")


def test_registering_carries_the_guests_views_and_codes_into_the_account(service, accounts, mailer):
    # Given a guest who opened R00.1 with one of their two views
    guest = accounts.create_meter("g:token", 1, "guest", first=("icd10cm", "R001", "t"))
    # When they register
    signed_in = service.register("Coder@Example.org", PASSWORD, guest, "198.51.100.7")
    # Then the account has what was left, the code, and the guest meter is closed
    assert signed_in.user.email == "coder@example.org"
    assert signed_in.meter.remaining == 1
    assert [u.key for u in accounts.unlocked(signed_in.meter.id)] == ["R001"]
    assert accounts.meter("g:token") is None
    # And the five come when the mailed confirmation link is opened, once
    token = mailer.sent[-1].body.split("token=")[1].split()[0]
    service.confirm_email(token)
    assert accounts.meter(signed_in.meter.id).remaining == 6


def test_a_reset_link_is_mailed_once_works_once_and_ends_every_session(service, mailer):
    # Given a member signed in, who asks for a reset link
    signed_in = service.register("coder@example.org", PASSWORD, None, "x")
    service.request_password_reset("coder@example.org", "x")
    mail = mailer.sent[-1]
    assert mail.to == "coder@example.org"
    token = mail.body.split("token=")[1].split()[0]
    # When the link is used to set a new password
    service.confirm_password_reset(token, "a new and longer passphrase", "x")
    # Then the old session is over, the new password logs in, and the link is spent
    assert service.user_for_session(signed_in.session_token) is None
    assert service.login("coder@example.org", "a new and longer passphrase", "x").user
    with pytest.raises(InvalidToken):
        service.confirm_password_reset(token, "yet another long passphrase", "x")


def test_no_mail_goes_to_an_address_with_no_account(service, mailer):
    service.request_password_reset("nobody@example.org", "x")
    assert mailer.sent == []


def test_a_wrong_password_does_not_log_in(service):
    service.register("coder@example.org", PASSWORD, None, "x")
    with pytest.raises(InvalidCredentials):
        service.login("coder@example.org", "not the password at all", "x")
