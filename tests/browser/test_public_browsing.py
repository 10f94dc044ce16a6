"""Public browsing: the free code tree, the one full page a guest gets, the wall after it, on a
phone and on a desk, axe clean; and the no-JavaScript reader keeps code, title and navigation."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PASSWORD,
    PHONE,
    Browsing,
    axe_violations,
    register_through_api,
    settled,
    unique_email,
)


def _remaining(page: Page) -> int:
    return page.context.request.get("/api/me").json()["meter"]["remaining"]


def _in_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_guest_walks_the_tree_for_free_then_meets_the_wall_on_a_second_page(
    browsing: Browsing, viewport: dict
):
    page = browsing.page(viewport)
    # Given a guest on a chapter's page
    page.goto("/code/icd10cm/18")
    settled(page)
    expect(page.locator("h1")).to_contain_text("Symptoms, signs")
    assert axe_violations(page) == []
    # When they walk down: chapter -> block -> category, by the lists of codes under each
    page.locator("#children").get_by_role("link", name="R00-R09").click()
    settled(page)
    expect(page.locator("h1")).to_contain_text("R00-R09")
    page.locator("#children").get_by_role("link", name="R00 ").click()
    settled(page)
    expect(page.locator("h1")).to_have_text("R00 Abnormalities of heart beat")
    expect(page.locator("#children")).to_contain_text("R00.1 Bradycardia, unspecified")
    assert axe_violations(page) == []
    # Then no view has been spent, and the page says browsing is free
    assert _remaining(page) == 1
    expect(page.locator("#full-page")).to_contain_text("is free")
    # When they open a code: its one full page
    page.locator("#children").get_by_role("link", name="R00.1").click()
    settled(page)
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()
    expect(page.locator("#meter")).to_contain_text("0 code page views remaining")
    expect(page.locator("#meter")).to_contain_text("Browsing the code tree is free")
    assert axe_violations(page) == []
    # When they go back up by the breadcrumb, Then the tree is still free (no wall)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="R00", exact=False
    ).last.click()
    settled(page)
    expect(page.locator(".wall")).to_have_count(0)
    expect(page.locator("#children")).to_be_visible()
    # When they open a second code, Then the wall, with Register and Log in on the first screen
    page.locator("#children").get_by_role("link", name="R00.2").click()
    settled(page)
    wall = page.locator(".wall")
    expect(wall).to_contain_text("You have used your free code page view.")
    expect(wall).to_contain_text("browsing chapters, blocks and categories")
    for name in ["Register free", "Log in"]:
        button = wall.get_by_role("link", name=name)
        expect(button).to_be_visible()
        assert _in_first_screen(page, f".wall a:has-text('{name}')"), name
    assert axe_violations(page) == []


def test_on_a_phone_the_code_title_and_billable_status_are_on_the_first_screen(
    browsing: Browsing,
):
    page = browsing.page(PHONE)
    page.goto("/code/icd10cm/R00.1")
    settled(page)
    assert _in_first_screen(page, "#code-heading")
    assert _in_first_screen(page, "#code-badges")
    # and the header is one row: the brand and a menu that opens the links
    menu = page.locator("details.menu > summary")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="CasePilot")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("link", name="CasePilot")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_desk_the_links_sit_in_the_header_without_a_menu(browsing: Browsing):
    page = browsing.page(DESKTOP)
    page.goto("/code/icd10cm/R00")
    settled(page)
    expect(page.locator("details.menu > summary")).to_be_hidden()
    expect(page.get_by_role("link", name="CasePilot")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in")
    ).to_be_visible()


def test_without_javascript_the_page_keeps_its_code_title_and_navigation(browsing: Browsing):
    page = browsing.page(PHONE, java_script_enabled=False)
    page.goto("/code/icd10cm/R00.1")
    expect(page.locator("h1")).to_have_text("R00.1 Bradycardia, unspecified")
    expect(page.locator("#code-badges")).to_have_text("Billable")
    # The menu opens without script, and its links lead on
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("link", name="Case2Code")).to_be_visible()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="R00", exact=False
    ).last.click()
    expect(page.locator("#children")).to_contain_text("R00.1 Bradycardia, unspecified")


def test_the_account_page_fits_a_phone(browsing: Browsing):
    # Given a member with a long address who has opened a code
    context = browsing.context(PHONE)
    register_through_api(context, unique_email("a-rather-long-name.for-a-phone-screen"), PASSWORD)
    page = context.new_page()
    page.goto("/code/icd10cm/R00.1")
    settled(page)
    # When they open their account page on a phone, Then nothing runs off the side
    page.goto("/account")
    settled(page)
    expect(page.locator("dl.facts")).to_contain_text("@example.test")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_code_is_copied_from_its_page_and_from_search_results(browsing: Browsing):
    context = browsing.context(DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/code/icd10cm/R00")
    settled(page)
    # When the reader presses Copy code on a code's page, Then the code is on the clipboard
    page.get_by_role("button", name="Copy code").click()
    expect(page.locator("#page-status")).to_have_text("Copied R00.")
    assert page.evaluate("navigator.clipboard.readText()") == "R00"
    # and the same from a row of search results
    page.goto("/?q=bradycardia")
    settled(page)
    page.get_by_role("button", name="Copy R00.1").click()
    assert page.evaluate("navigator.clipboard.readText()") == "R00.1"


def test_past_the_guest_cap_the_banner_and_the_page_agree_and_offer_register(
    browsing: Browsing, live_server
):
    # Given a network that has already started the day's limit of guest meters
    address = "198.51.100.77"
    for _ in range(20):
        httpx.get(
            f"{live_server.url}/api/codes/icd10cm/R00.1", headers={"X-Forwarded-For": address}
        )
    context = browsing.context(PHONE)
    context.set_extra_http_headers({"X-Forwarded-For": address})
    page = context.new_page()
    # When a new guest from it opens a code's page
    page.goto("/code/icd10cm/R00.1")
    settled(page)
    # Then the page says why, the banner says no view is left, and both offer Register
    wall = page.locator(".wall")
    expect(wall).to_contain_text("Too many new visitors from your network today")
    expect(wall.get_by_role("link", name="Register free")).to_be_visible()
    expect(page.locator("#meter")).to_contain_text("0 code page views remaining")
    expect(page.locator("#meter").get_by_role("link", name="Register free")).to_be_visible()
    expect(page.locator("#metered")).not_to_contain_text("Loading")


def test_on_aws_the_not_found_page_of_an_unknown_code_names_near_codes(browsing: Browsing):
    # Given CloudFront's answer to a code nobody published: 404.html with a 404 status
    page = browsing.page(PHONE)
    not_found = page.context.request.get("/no-such-page")
    assert not_found.status == 404
    page.route(
        "**/code/icd10cm/R00.9",
        lambda route: route.fulfill(status=404, content_type="text/html", body=not_found.text()),
    )
    # When a reader follows a link to it
    page.goto("/code/icd10cm/R00.9")
    settled(page)
    # Then the page says so and offers the codes near it
    expect(page.locator("h1")).to_have_text("Page not found")
    near = page.locator("#near")
    expect(near.get_by_role("heading")).to_have_text("Did you mean one of these?")
    expect(near.get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"/code/icd10cm/R00")
    )
    assert axe_violations(page) == []
