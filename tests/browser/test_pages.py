"""Every page: layout at a phone and a desk size and at 200% zoom, tap targets, keyboard,
accessibility (axe-core), the transfer budget, the security policy and the not-found page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Browsing,
    axe_violations,
    open_settled,
    settled,
)

# Every page of the site, in the states a visitor first meets it.
PAGES = [
    "/",
    "/?q=heart",
    "/code/icd10cm/R00.1",
    "/code/icd10cm/S02.0",
    "/code/icd10pcs/0FT44ZZ",
    "/code/icd10cm/R00.9",
    "/no/such/page",
    "/register",
    "/login",
    "/forgot-password",
    "/reset-password?token=abc",
    "/confirm-email?token=abc",
    "/account",
    "/jobs",
    "/jobs/no-such-job",  # the server-rendered job 404 (open and 410 pages: test_jobs.py)
]
# A code page's first load: HTML, CSS and scripts, compressed; API answers not counted.
CODE_PAGE_BUDGET_BYTES = 50 * 1024

HORIZONTAL_OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .filter((el) => !el.closest('.visually-hidden, [hidden]'))
    .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 5)};
}"""

# Controls smaller than 44x44 CSS pixels, other than links inside running text (WCAG 2.5.5
# exempts those, and making them taller would break the lines they sit in).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input, select, textarea, [role="option"], [tabindex]')]
  .filter((el) => el.matches('.button, button')
    || !el.closest('.prose, p:not(.actions), .visually-hidden, [hidden]'))
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => ({el, box: el.getBoundingClientRect()}))
  .filter(({box}) => box.height < 44 || box.width < 44)
  .map(({el, box}) => {
    const name = (el.textContent || el.name || '').trim().slice(0, 30);
    const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
    return `${el.tagName.toLowerCase()} "${name}" ${size}`;
  })"""


ZOOMED_200 = {"width": 640, "height": 400}  # a 1280x800 window at 200% zoom, in CSS pixels


def problems_on_every_page(browsing: Browsing, viewport: dict, check, **options) -> dict:
    """Opens each page in turn (one visitor, as someone clicking around would) and collects
    what `check` finds wrong on it."""
    page = browsing.page(viewport, **options)
    problems = {}
    for path in PAGES:
        open_settled(page, path)
        found = check(page)
        if found:
            problems[path] = found
    return problems


def horizontal_overflow(page: Page) -> dict | None:
    layout = page.evaluate(HORIZONTAL_OVERFLOW)
    return layout if layout["scroll"] > layout["client"] else None


@pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP, ZOOMED_200], ids=["360x740", "1280x800", "200%-zoom"]
)
def test_every_page_fits_the_screen_without_horizontal_scrolling(
    browsing: Browsing, viewport: dict
):
    assert problems_on_every_page(browsing, viewport, horizontal_overflow) == {}


def test_tap_targets_are_at_least_44_pixels_on_a_phone(browsing: Browsing):
    assert problems_on_every_page(browsing, PHONE, lambda p: p.evaluate(SMALL_TARGETS)) == {}


def test_suggestions_are_large_enough_to_tap(page: Page):
    open_settled(page, "/")
    page.get_by_label("Words or a code").fill("heart")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    assert page.evaluate(SMALL_TARGETS) == []


def test_axe_finds_no_serious_or_critical_problem_on_any_page(browsing: Browsing):
    assert problems_on_every_page(browsing, PHONE, axe_violations) == {}


def test_axe_finds_no_problem_with_the_suggestions_open_or_in_dark_mode(browsing: Browsing):
    page = browsing.page(DESKTOP, color_scheme="dark")
    open_settled(page, "/code/icd10cm/S02.0")
    assert axe_violations(page) == []
    page.get_by_role("combobox").fill("brady")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert axe_violations(page) == []


def test_a_code_page_first_load_is_within_the_transfer_budget(browsing: Browsing):
    # Given a first visit (empty cache), when a code page loads
    page = browsing.page(PHONE)
    transfers = []
    page.on("requestfinished", lambda request: transfers.append(request))
    open_settled(page, "/code/icd10cm/R00.1")
    page.wait_for_load_state("networkidle")
    site = [r for r in transfers if "/api/" not in r.url]
    sizes = {r.url: r.sizes() for r in site}
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
    # Then HTML, CSS and scripts together stay within 50 KB, and they came compressed
    kinds = {r.resource_type for r in site}
    assert {"document", "stylesheet", "script"} <= kinds
    assert total <= CODE_PAGE_BUDGET_BYTES, sizes
    stylesheet = next(r for r in site if r.resource_type == "stylesheet")
    assert stylesheet.response().header_value("content-encoding") == "gzip"
    print(f"code page first load: {total} bytes over {len(site)} requests")


def test_pages_carry_a_strict_content_security_policy(page: Page):
    response = page.goto("/code/icd10cm/R00.1")
    policy = response.header_value("content-security-policy")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    settled(page)  # and the page works under it: the watch fails the test on any violation
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page: Page):
    open_settled(page, "/code/icd10cm/R00.1")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    # The address changes a moment after the key: wait for it instead of reading it at once
    expect(page).to_have_url(re.compile(r"#main$"))


def test_a_child_code_can_be_opened_with_the_keyboard(browsing: Browsing, reader):
    page = reader()
    open_settled(page, "/code/icd10cm/R00")
    target = page.locator("#children").get_by_role("link", name="R00.1 Bradycardia")
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            break
    expect(target).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/code/icd10cm/R00.1")


def test_an_unknown_address_gets_the_friendly_not_found_page_with_search(page: Page):
    response = page.goto("/no/such/page")
    assert response.status == 404
    settled(page)
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_label("Search for a code or its words").fill("palpitations")
    page.keyboard.press("Enter")
    settled(page)
    expect(page.locator("#result-list .hit .code").first).to_have_text("R00.2")
