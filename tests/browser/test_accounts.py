"""The journeys that need the accounts and meter API (written to /work/accounts-contract.md):
the wall, registering, confirming the email, the meter, logging out and in, the account page,
password reset.

Settings are the defaults: a guest gets 1 code page view; confirming the email a new account
was registered with adds 5.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PASSWORD,
    Browsing,
    LiveServer,
    mailed_link,
    open_settled,
    register_through_api,
    settled,
    unique_email,
)


def banner(page: Page):
    return page.locator("#meter")


def open_result(page: Page, words: str, code: str) -> None:
    """Search from the box in the page header and open one result."""
    box = page.get_by_role("combobox").first
    box.fill(words)
    box.press("Enter")
    settled(page)
    page.locator("#result-list .hit", has_text=code).first.click()
    page.wait_for_url(f"**/code/icd10cm/{code}")
    settled(page)


def open_menu(page: Page) -> None:
    """On a phone the header's links sit behind its Menu; a reader opens it first."""
    summary = page.locator("details.menu > summary")
    if summary.is_visible() and page.locator("details.menu[open]").count() == 0:
        summary.click()


def test_search_code_page_wall_register_more_views_log_out_log_in_account(
    browsing: Browsing,
):
    page = browsing.page()
    address = unique_email("journey")

    # A guest searches and opens a code page: the public parts and the metered descriptions
    open_settled(page, "/")
    page.get_by_label("Words or a code").fill("slow heart beat")
    page.get_by_role("button", name="Search", exact=True).click()
    settled(page)
    page.locator("#result-list .hit", has_text="R00.1").click()
    # Wait for the code page itself: the results page also carries the "settled" marker.
    page.wait_for_url("**/code/icd10cm/R00.1")
    settled(page)
    expect(page.locator("h1")).to_have_text("R00.1 Bradycardia, unspecified")
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()
    expect(banner(page)).to_contain_text("0 code page views remaining")
    # ... but the sections for registered users are locked, with the way in
    locked = page.locator("#locked")
    expect(locked).to_contain_text("Register to view content")
    expect(locked.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator("#notes")).to_have_count(0)

    # The next code page is the wall: the summary still shows, with what registering gives
    open_result(page, "tachycardia", "R00.0")
    expect(page.locator("h1")).to_have_text("R00.0 Tachycardia, unspecified")
    wall = page.locator(".wall")
    expect(wall.get_by_role("heading")).to_have_text("Register free to read this code page")
    expect(wall).to_contain_text("You have used your free code page view.")
    expect(wall).to_contain_text("the coding notes")
    expect(page.get_by_role("heading", name="Official Description")).to_have_count(0)

    # Registering from the wall comes back to the code, signed in, and asks to confirm the
    # email: the bonus views wait for that
    wall.get_by_role("link", name="Register free").click()
    page.wait_for_url("**/register?next=*")
    settled(page)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_url("**/code/icd10cm/R00.0")
    settled(page)
    open_menu(page)
    expect(page.get_by_role("link", name="Account", exact=True)).to_be_visible()
    notice = page.locator("#confirm-notice")
    expect(notice).to_contain_text("Confirm your email address")
    expect(notice).to_contain_text(address)
    expect(page.locator(".wall")).to_be_visible()
    expect(page.locator("#notes")).to_have_count(0)

    # Asking for the link again sends a new one; the link in the mail confirms the address
    notice.get_by_role("button", name="Send the link again").click()
    expect(notice).to_contain_text("A new link is on its way")
    open_settled(page, mailed_link(address, "confirm-email"))
    expect(page.locator("#done")).to_contain_text("Your email address is confirmed")
    expect(page.locator("#confirm-notice")).to_have_count(0)

    # And the code opens in full, on the bonus
    open_settled(page, "/code/icd10cm/R00.0")
    expect(page.locator("#notes")).to_contain_text("Rapid heart beat")
    expect(banner(page)).to_contain_text("4 code page views remaining")
    expect(page.locator("#confirm-notice")).to_have_count(0)
    open_menu(page)
    expect(page.get_by_role("link", name="Account", exact=True)).to_be_visible()

    # More views: a new code costs one; the code opened as a guest came along for free
    open_result(page, "palpitations", "R00.2")
    expect(banner(page)).to_contain_text("3 code page views remaining")
    open_settled(page, "/code/icd10cm/R00.1")
    expect(page.locator("#notes")).to_contain_text("Vagal bradycardia")
    expect(banner(page)).to_contain_text("3 code page views remaining")

    # Log out, then log in again from the header
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))
    settled(page)
    open_menu(page)
    page.get_by_role("link", name="Log in").click()
    settled(page)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The account page: email, plan, views left, and every code opened, as links
    page.wait_for_url("**/account")
    settled(page)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(address)
    expect(facts).to_contain_text("Free")
    expect(page.locator("#views-remaining")).to_have_text("3")
    opened = page.locator("main .code-list a")
    expect(opened).to_have_count(3)
    hrefs = {opened.nth(i).get_attribute("href") for i in range(3)}
    assert hrefs == {"/code/icd10cm/R00.1", "/code/icd10cm/R00.0", "/code/icd10cm/R00.2"}


def test_registration_problems_are_explained_in_words(browsing: Browsing):
    taken = unique_email("taken")
    register_through_api(browsing.context(), taken, PASSWORD)
    page = browsing.page()
    open_settled(page, "/register")
    page.get_by_label("Email").fill(taken)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    error = page.locator(".form-error")
    expect(error).to_contain_text("An account already uses this email.")
    expect(error.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_label("Email").fill(unique_email("weak"))
    page.get_by_label("Password").fill("abc")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).not_to_be_empty()


def test_a_wrong_password_is_refused_without_saying_whether_the_email_exists(
    browsing: Browsing,
):
    page = browsing.page()
    for address in (unique_email("nobody"), unique_email("somebody")):
        if "somebody" in address:
            register_through_api(browsing.context(), address, PASSWORD)
        open_settled(page, "/login")
        page.get_by_label("Email").fill(address)
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".form-error")).to_have_text(
            "That email and password do not match an account. Check both, or reset your password."
        )


def reset_link_for(data_dir: Path, address: str) -> str:
    """The reset link in the newest mail to `address` in the local outbox."""
    mails = sorted((data_dir / "outbox").glob("*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in mails:
        raw = path.read_bytes()
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(("plain",)) if message["To"] else None
        text = body.get_content() if body is not None else raw.decode("utf-8", "replace")
        if address in text or address in str(message["To"] or ""):
            match = re.search(r"/reset-password\?token=[\w\-.~%]+", text)
            assert match, f"no reset link in {path}"
            return match.group(0)
    raise AssertionError(f"no mail to {address} in {data_dir / 'outbox'}")


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    browsing: Browsing, live_server: LiveServer
):
    address = unique_email("forgetful")
    register_through_api(browsing.context(), address, PASSWORD)
    page = browsing.page()
    open_settled(page, "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/forgot-password**")
    settled(page)
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#done")).to_contain_text("is on its way")

    link = reset_link_for(live_server.data_dir, address)
    open_settled(page, link)
    new_password = "a different long passphrase 7"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#done")).to_contain_text("Your password is changed")

    # The link works once
    open_settled(page, link)
    page.get_by_label("New password", exact=True).fill(new_password + "8")
    page.get_by_label("New password again").fill(new_password + "8")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".form-error")).to_contain_text("This reset link no longer works")

    # And the new password logs in
    page.goto("/login")
    settled(page)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account")
    settled(page)
    expect(page.locator("dl.facts")).to_contain_text(address)
