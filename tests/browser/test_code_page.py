"""The code page: public summary at once, then the metered sections, links, errors in words."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import DESKTOP, PHONE, axe_violations, open_settled, settled
from tests.browser.test_pages import horizontal_overflow

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])


def test_the_summary_shows_at_once_and_the_metered_sections_follow(page: Page):
    # Given the metered page is slow to answer
    held: list[Route] = []
    page.route("**/api/codes/icd10cm/R00.1", lambda route: held.append(route))
    page.goto("/code/icd10cm/R00.1")
    # Then the public summary is already on screen: code, title, breadcrumb
    expect(page.locator("h1")).to_have_text("R00.1 Bradycardia, unspecified")
    expect(page.locator("#code-badges")).to_have_text("Billable")
    expect(page.locator(".loading")).to_have_text("Loading the code page…")
    # When the metered page arrives, its sections fill in
    held[0].continue_()
    settled(page)
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()
    expect(page.get_by_role("heading", name="Plain-language description")).to_be_visible()
    expect(page.locator("#plain")).to_contain_text("Sinus bradycardia")


def test_title_meta_description_breadcrumb_source_and_json_ld_come_from_the_summary(page: Page):
    open_settled(page, "/code/icd10cm/R00.1")
    assert page.title() == "R00.1 Bradycardia, unspecified · ICD-10-CM · CodeRef"
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert description.startswith("ICD-10-CM code R00.1: Bradycardia, unspecified. Billable.")
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link")
    expect(crumbs).to_have_text(
        [
            "Home",
            "Chapter 18 Symptoms, signs and abnormal clinical and laboratory findings, "
            "not elsewhere classified (R00-R99)",
            "R00-R09 Symptoms and signs involving the circulatory and respiratory systems "
            "(R00-R09)",
            "R00 Abnormalities of heart beat",
        ]
    )
    assert crumbs.nth(3).get_attribute("href") == "/code/icd10cm/R00"
    source = page.locator("#code-source")
    expect(source).to_contain_text("CDC/NCHS ICD-10-CM tabular list")
    expect(source).to_contain_text("ICD-10-CM April 1, 2026 release")
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "WebPage"
    assert data["about"] == {
        "@type": "MedicalCode",
        "codeValue": "R00.1",
        "codingSystem": "ICD-10-CM",
        "name": "Bradycardia, unspecified",
    }
    # The metered part is marked as not free, and the selector names it on the page
    assert data["isAccessibleForFree"] is False
    locked = data["hasPart"][0]
    assert locked["isAccessibleForFree"] is False
    expect(page.locator(locked["cssSelector"])).to_have_count(1)


def test_a_code_typed_loosely_lands_on_its_canonical_address(page: Page):
    open_settled(page, "/code/icd10cm/r001")
    expect(page).to_have_url(re.compile(r"/code/icd10cm/R00\.1$"))
    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical.endswith("/code/icd10cm/R00.1")


def test_coding_notes_link_the_codes_they_name(reader: Callable[..., Page]):
    page = reader()
    open_settled(page, "/code/icd10cm/R00.1")
    notes = page.locator("#notes")
    expect(notes.get_by_role("heading", name="Inclusion terms")).to_be_visible()
    expect(notes).to_contain_text("Vagal bradycardia")
    # A code the release lacks links to search, never to a page that does not exist
    excludes = notes.get_by_role("link", name="P29.12")
    assert excludes.get_attribute("href") == "/?q=P29.12"
    # Ranges link both ends
    assert notes.get_by_role("link", name="I47").get_attribute("href") == "/?q=I47"
    assert notes.get_by_role("link", name="I49").get_attribute("href") == "/?q=I49"
    # Notes inherited from the category say where they come from
    category = notes.get_by_role("region", name="From Category R00")
    expect(category.get_by_role("heading", name="Excludes2")).to_be_visible()
    assert category.get_by_role("link", name="Category R00").get_attribute("href") == (
        "/code/icd10cm/R00"
    )


def test_a_stem_code_shows_its_7th_character_table_and_children(reader: Callable[..., Page]):
    page = reader()
    open_settled(page, "/code/icd10cm/S02.0")
    # A stem has codes under it: its page is the free tree until the full page is asked for
    page.get_by_role("link", name="Open the full page").click()
    table = page.locator("#seventh table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("initial encounter for closed fracture")
    child = page.locator("#children").get_by_role("link", name="S02.0XXA")
    expect(child).to_have_attribute("href", "/code/icd10cm/S02.0XXA")
    child.click()
    settled(page)
    expect(page.locator("h1")).to_contain_text("S02.0XXA")
    expect(page.locator("#code-badges")).to_have_text("Billable")


def test_a_procedure_code_explains_each_of_its_seven_characters(reader: Callable[..., Page]):
    page = reader()
    open_settled(page, "/code/icd10pcs/0FT44ZZ")
    axes = page.locator("#axes li")
    expect(axes).to_have_count(7)
    expect(axes.nth(2)).to_contain_text("3. Root Operation")
    expect(axes.nth(2)).to_contain_text("Resection")
    expect(axes.nth(2)).to_contain_text("Cutting out or off, without replacement")
    expect(page.locator("#code-source")).to_contain_text("Medical and Surgical section")


def test_an_unknown_code_says_so_and_suggests_near_codes(page: Page):
    open_settled(page, "/code/icd10cm/R00.9")
    expect(page.locator("h1")).to_have_text("Code not found")
    expect(page.locator("main")).to_contain_text("ICD-10-CM has no code 'R00.9'")
    suggestion = page.get_by_role("link", name="R00.1 Bradycardia, unspecified")
    expect(suggestion).to_have_attribute("href", "/code/icd10cm/R00.1")
    assert page.title() == "Code not found · CodeRef"


def test_a_failed_request_is_retried_once_and_the_reader_never_notices(page: Page):
    attempts = []

    def fail_once(route: Route) -> None:
        attempts.append(route.request.url)
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/codes/icd10cm/R00.2", fail_once)
    open_settled(page, "/code/icd10cm/R00.2")
    assert len(attempts) == 2
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_request_that_fails_twice_is_explained_and_can_be_tried_again(page: Page):
    attempts = []

    def unreachable(route: Route) -> None:
        attempts.append(route.request.url)
        route.abort("internetdisconnected")

    page.route("**/api/codes/icd10cm/R00.2", unreachable)
    open_settled(page, "/code/icd10cm/R00.2")
    assert len(attempts) == 2
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("could not be reached, even after trying again")
    # The public summary still shows
    expect(page.locator("h1")).to_have_text("R00.2 Palpitations")
    # When the network is back, Try again loads the page
    page.unroute("**/api/codes/icd10cm/R00.2")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Official Description")).to_be_visible()


def test_an_error_page_from_the_network_is_explained_in_words_never_shown_raw(page: Page):
    # Given something between the browser and the API answers with its own HTML error page
    page.route(
        "**/api/codes/icd10cm/R00.0",
        lambda route: route.fulfill(
            status=500, content_type="text/html", body="<html><h1>Bad gateway</h1></html>"
        ),
    )
    open_settled(page, "/code/icd10cm/R00.0")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("CodeRef had a problem answering (error 500)")
    assert "<" not in alert.inner_text() and "{" not in alert.inner_text()


def test_an_inherited_note_links_a_code_of_the_release_to_its_page(reader: Callable[..., Page]):
    page = reader()
    open_settled(page, "/code/icd10cm/E11.9")
    category = page.locator("#notes").get_by_role("region", name="From Category E11")
    expect(category.get_by_role("link", name="E10.-")).to_have_attribute(
        "href", "/code/icd10cm/E10"
    )


def test_notes_group_by_level_and_each_note_type_explains_itself(reader: Callable[..., Page]):
    page = reader()
    open_settled(page, "/code/icd10cm/R00.1")
    notes = page.locator("#notes")
    # The code's own notes come first, then each level above, up to the chapter
    levels = notes.locator("section.level")
    expect(levels.first).to_have_attribute("aria-label", "On this code")
    expect(levels.last).to_have_attribute("data-level", "chapter")
    # The meaning of a note type is one click away
    meaning = notes.locator("details.meaning", has_text="Excludes1").first
    meaning.get_by_text("What “Excludes1” means").click()
    expect(meaning).to_contain_text("Never coded together")


def test_a_guest_is_told_which_locked_sections_this_code_has_and_their_size(page: Page):
    open_settled(page, "/code/icd10cm/R00.1")
    locked = page.locator("#locked")
    expect(locked).to_contain_text("coding notes")
    # R00.1 has no 7th characters and no child codes: the panel does not pretend it does
    expect(locked).not_to_contain_text("child code")
    expect(locked).not_to_contain_text("7th-character")


def test_a_guest_on_a_stem_is_told_of_its_7th_character_table_and_sees_its_child_codes(
    page: Page,
):
    open_settled(page, "/code/icd10cm/S02.0")
    # A stem's page is the free tree; its full page opens when asked for
    page.get_by_role("link", name="Open the full page").click()
    settled(page)
    locked = page.locator("#locked")
    expect(locked).to_contain_text("a 7th-character table of 2 values")
    # The codes under it are the free code tree (issue 17): shown, never counted as locked
    expect(locked).not_to_contain_text("child code")
    expect(page.locator("#children li")).to_have_count(2)


# The fixture's newest ICD-10-CM release is April 1, 2026, which ended on 2026-09-30: from
# then on, every page of it is out of force.
@VIEWPORTS
def test_a_release_out_of_force_is_said_plainly_above_the_page(page: Page, viewport: dict):
    page.set_viewport_size(viewport)
    open_settled(page, "/code/icd10cm/R00.1")
    warning = page.get_by_role("note", name="Release in force")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Not the release in force today")
    expect(warning).to_contain_text("ended on 2026-09-30")
    expect(warning).to_contain_text("coderef import --system icd10cm")
    assert horizontal_overflow(page) is None
    assert axe_violations(page) == []


@VIEWPORTS
def test_the_history_lists_each_release_with_the_codes_status(
    reader: Callable[..., Page], viewport: dict
):
    # Given I10, retitled between FY2025 and FY2026
    page = reader(viewport)
    open_settled(page, "/code/icd10cm/I10")
    history = page.get_by_role("region", name="Releases and history")
    entries = history.locator("#history-list > li")
    # Then each loaded release is listed, oldest first, with what happened to the code there
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("ICD-10-CM FY2025 release")
    expect(entries.nth(1)).to_have_attribute("data-status", "revised")
    expect(entries.nth(1)).to_contain_text("Title was: Essential hypertension")
    expect(entries.nth(1)).to_contain_text("now: Essential (primary) hypertension")
    # The release this page shows is marked
    expect(entries.nth(2)).to_have_attribute("aria-current", "true")
    expect(entries.nth(2)).to_contain_text("shown on this page")
    assert horizontal_overflow(page) is None
    assert axe_violations(page) == []


@VIEWPORTS
def test_the_date_chooser_shows_the_page_as_of_a_date_of_service(
    reader: Callable[..., Page], viewport: dict
):
    page = reader(viewport)
    open_settled(page, "/code/icd10cm/I10")
    # When a date of service in FY2025 is chosen
    page.get_by_label("Show this code as of a date of service").fill("2025-01-01")
    page.get_by_role("button", name="Show", exact=True).click()
    # (the old page is still "ready" until the new address loads: wait for it first)
    page.wait_for_url(re.compile(r"/code/icd10cm/I10\?date=2025-01-01$"))
    settled(page)
    # Then the page is the code as that release wrote it, and says which release that is
    expect(page.locator("h1")).to_have_text("I10 Essential hypertension")
    expect(page.locator("#code-source")).to_contain_text("ICD-10-CM FY2025 release")
    expect(page.get_by_role("note", name="Release in force")).to_contain_text("ended on 2025-09-30")
    # And a date no release covers answers with the nearest release and says so
    open_settled(page, "/code/icd10cm/I10?date=2019-01-01")
    expect(page.get_by_role("note", name="Release in force")).to_contain_text(
        "No loaded ICD-10-CM release covers 2019-01-01"
    )
    page.get_by_role("link", name="Back to today's page").click()
    page.wait_for_url(re.compile(r"/code/icd10cm/I10$"))
    settled(page)
    assert horizontal_overflow(page) is None
    assert axe_violations(page) == []


def test_a_date_that_is_not_a_calendar_date_is_explained_with_the_way_back(page: Page):
    open_settled(page, "/code/icd10cm/R00.1?date=2026-02-30")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The date 2026-02-30 is not a valid date of service")
    expect(alert.get_by_role("link", name="Show the code as of today")).to_have_attribute(
        "href", "/code/icd10cm/R00.1"
    )
