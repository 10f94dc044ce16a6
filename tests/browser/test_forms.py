"""The account forms' own checks, which need no answer from the server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import open_settled


def test_an_empty_registration_is_explained_field_by_field(page: Page):
    open_settled(page, "/register")
    page.get_by_role("button", name="Register", exact=True).click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()
    expect(page.locator("#email-error")).to_have_text("Enter your email.")
    expect(page.locator("#password-error")).to_have_text("Enter your password.")
    # The message is tied to its field for screen readers, next to the hint
    assert page.get_by_label("Password").get_attribute("aria-describedby") == (
        "password-error password-hint"
    )


def test_a_malformed_email_is_caught_before_it_is_sent(page: Page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/api/auth/" in r.url else None)
    open_settled(page, "/login")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("whatever it is")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#email-error")).to_have_text(
        "Enter an email address such as name@example.com."
    )
    assert sent == []


def test_the_reset_page_without_its_token_says_where_to_get_one(page: Page):
    open_settled(page, "/reset-password")
    expect(page.locator("#auth-form")).to_be_hidden()
    expect(page.locator("#done")).to_contain_text("needs the link from the password reset email")
    expect(page.get_by_role("link", name="ask for a new link")).to_have_attribute(
        "href", "/forgot-password"
    )


def test_the_new_password_must_be_typed_the_same_twice(page: Page):
    open_settled(page, "/reset-password?token=abc")
    page.get_by_label("New password", exact=True).fill("one long passphrase here")
    page.get_by_label("New password again").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#confirm-error")).to_contain_text("The two passwords differ")


def test_log_in_and_register_keep_the_page_to_return_to(page: Page):
    open_settled(page, "/login?next=/code/icd10cm/R00.1")
    link = page.get_by_role("link", name="Register free").last
    expect(link).to_have_attribute("href", "/register?next=%2Fcode%2Ficd10cm%2FR00.1")
