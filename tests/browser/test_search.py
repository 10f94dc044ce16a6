"""Searching: the results page, the system filter, did-you-mean, paging, recent searches and
autocomplete driven by the keyboard alone."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_settled, settled


def search_from_home(page: Page, text: str) -> None:
    open_settled(page, "/")
    page.get_by_label("Words or a code").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/\?q="))
    settled(page)


def result_codes(page: Page) -> list[str]:
    return page.locator("#result-list .hit .code").all_inner_texts()


def test_a_word_search_lists_codes_with_title_billable_badge_and_system(page: Page):
    # Given the home page, when someone searches for words
    search_from_home(page, "vagal bradycardia")
    # Then the result names the code, its title, that it is billable, and its system
    hit = page.locator("#result-list .hit").first
    expect(hit.locator(".code")).to_have_text("R00.1")
    expect(hit.locator(".title")).to_have_text("Bradycardia, unspecified")
    expect(hit.locator(".meta")).to_contain_text("Billable")
    expect(hit.locator(".meta")).to_contain_text("ICD-10-CM")
    expect(page.locator("#results-summary")).to_have_text("1 code found.")
    # And the result opens the code page
    hit.click()
    page.wait_for_url("**/code/icd10cm/R00.1")


def test_the_system_filter_keeps_results_to_one_code_system(page: Page):
    open_settled(page, "/")
    page.get_by_label("Words or a code").fill("resection")
    page.get_by_label("Code system").select_option("icd10pcs")
    page.get_by_role("button", name="Search", exact=True).click()
    settled(page)
    # Only ICD-10-PCS codes (which start with a digit), and no system name repeated per row
    codes = result_codes(page)
    assert "0FT44ZZ" in codes and all(code[0].isdigit() for code in codes)
    expect(page.locator("#result-list .meta").first).not_to_contain_text("ICD-10-PCS")
    expect(page.get_by_label("Code system")).to_have_value("icd10pcs")


def test_a_misspelt_search_offers_did_you_mean(page: Page):
    search_from_home(page, "hypertensoin")
    suggestion = page.locator(".did-you-mean a")
    expect(suggestion).to_have_text("hypertension")
    suggestion.click()
    settled(page)
    expect(page.locator("#results-heading")).to_have_text("Results for “hypertension”")
    assert "I10" in result_codes(page)


def test_results_come_in_pages(page: Page):
    # Given more matches than fit on one page
    open_settled(page, "/?q=fracture&size=5")
    first_page = result_codes(page)
    assert len(first_page) == 5
    expect(page.locator("#results-summary")).to_contain_text("showing 1–5")
    # When the reader goes to the next page
    page.get_by_role("link", name="Next ›").click()
    settled(page)
    # Then they see the next five, and can go back
    expect(page.locator("#pager")).to_contain_text("Page 2 of 3")
    second_page = result_codes(page)
    assert len(second_page) == 5 and not set(first_page) & set(second_page)
    page.get_by_role("link", name="‹ Previous").click()
    expect(page.locator("#pager")).to_contain_text("Page 1 of 3")
    settled(page)
    assert result_codes(page) == first_page


def test_a_search_with_no_match_says_so_in_words(page: Page):
    open_settled(page, "/?q=zzzzqqqq")
    expect(page.locator("#results-summary")).to_have_text("No codes match “zzzzqqqq”.")


def test_recent_searches_are_remembered_in_this_browser_and_can_be_cleared(page: Page):
    search_from_home(page, "palpitations")
    search_from_home(page, "heart failure")
    open_settled(page, "/")
    recent = page.locator("#recent-list a")
    expect(recent).to_have_text(["heart failure", "palpitations"])
    recent.first.click()
    settled(page)
    expect(page.locator("#results-heading")).to_have_text("Results for “heart failure”")
    open_settled(page, "/")
    page.get_by_role("button", name="Clear recent searches").click()
    expect(page.locator("#recent")).to_be_hidden()


def test_autocomplete_works_by_keyboard_alone(page: Page):
    open_settled(page, "/")
    # Given focus reached with Tab from the top of the page
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    box = page.get_by_role("combobox", name="Words or a code")
    expect(box).to_be_focused()
    # When the reader types, suggestions appear in a listbox the box controls
    page.keyboard.type("brady")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    codes = listbox.get_by_role("option").filter(has_not_text="See all results")
    expect(codes).to_have_count(1)
    expect(listbox.get_by_role("option").last).to_have_text("See all results for “brady”")
    # Arrow keys move the active option
    page.keyboard.press("ArrowDown")
    option = listbox.get_by_role("option").first
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    # Escape closes the list and keeps the text
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("brady")
    # Down reopens it, and Enter opens the chosen code's page
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url("**/code/icd10cm/R00.1")
    settled(page)
    expect(page.locator("h1")).to_contain_text("Bradycardia, unspecified")


def test_a_typo_gets_a_did_you_mean_and_nonsense_says_no_matches(page: Page):
    open_settled(page, "/")
    box = page.get_by_role("combobox", name="Words or a code")
    listbox = page.get_by_role("listbox", name="Suggestions")
    # Given a misspelt word, Then the list offers the correction and its codes
    box.focus()
    page.keyboard.type("hypertensoin")
    expect(listbox.get_by_role("option").first).to_have_text("Did you mean “hypertension”?")
    expect(listbox.get_by_role("option", name="I10 Essential")).to_be_visible()
    # with billable codes marked
    expect(listbox.get_by_role("option", name="I10 Essential").locator(".badge")).to_have_text(
        "Billable"
    )
    # Given words nothing matches, Then the list says so instead of staying shut
    box.fill("")
    page.keyboard.type("qqxqzz")
    expect(listbox).to_be_visible()
    expect(listbox).to_contain_text("No matches for “qqxqzz”")
    # The see-all row opens the full results
    box.fill("")
    page.keyboard.type("heart")
    listbox.get_by_role("option", name="See all results for “heart”").click()
    page.wait_for_url(re.compile(r"/\?q=heart"))


def test_enter_on_an_exact_code_opens_its_page(page: Page):
    open_settled(page, "/")
    box = page.get_by_role("combobox", name="Words or a code")
    box.focus()
    page.keyboard.type("r001")
    expect(page.get_by_role("listbox", name="Suggestions")).to_contain_text("R00.1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/code/icd10cm/R00.1")


def test_enter_without_a_chosen_suggestion_runs_a_full_search(page: Page):
    open_settled(page, "/")
    box = page.get_by_role("combobox", name="Words or a code")
    box.focus()
    page.keyboard.type("heart")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?q=heart"))
    settled(page)
    assert len(result_codes(page)) > 1


def test_a_late_answer_to_an_earlier_keystroke_never_replaces_a_newer_one(page: Page):
    # Given the answer to the first query is held back by the network
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/suggest?**", hold_the_first)
    open_settled(page, "/")
    box = page.get_by_role("combobox", name="Words or a code")
    with page.expect_request("**/api/suggest?q=tachy*"):
        box.fill("tachy")
    # When the reader types on and the newer query's answer arrives first
    box.fill("brady")
    options = (
        page.get_by_role("listbox", name="Suggestions")
        .get_by_role("option")
        .filter(has_not_text="See all results")
    )
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("R00.1")
    # And then the older answer arrives (unless the page has already abandoned the request,
    # which is another way of ignoring it)
    if held[0].request.failure is None:
        with page.expect_response("**/api/suggest?q=tachy*"):
            held[0].continue_()
    else:
        with contextlib.suppress(PlaywrightError):
            held[0].continue_()
    # Then, once the page has had a turn to handle it, the list still shows the newer answer
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("R00.1")
