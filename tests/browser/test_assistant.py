"""CasePilot on the code page and its own page, and Case2Code: locked for guests, answers and
candidate codes for members, errors in words, and both pages fit phones and desks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Browsing,
    axe_violations,
    open_settled,
)
from tests.browser.test_pages import horizontal_overflow

NOTE = "45 yo F with HTN presents with CP. Denies fever."


def ask_panel(page: Page):
    return page.locator("#ask")


def test_a_guest_sees_casepilot_locked_with_register_and_log_in(page: Page):
    # Given a guest on a code page
    open_settled(page, "/code/icd10cm/R00.1")
    panel = ask_panel(page)
    # Then the panel names the code and offers Register and Log in instead of a question box
    expect(panel.get_by_role("heading")).to_have_text("Have a question about R00.1? Ask CasePilot")
    expect(panel.get_by_role("link", name="Register")).to_be_visible()
    assert panel.get_by_role("link", name="Log in").get_attribute("href") == (
        "/login?next=%2Fcode%2Ficd10cm%2FR00.1"
    )
    expect(panel.get_by_label("Your question")).to_be_hidden()


def test_a_member_asks_about_the_code_page_and_gets_an_answer_with_sources(
    reader: Callable[..., Page],
):
    # Given a registered user on a code page
    page = reader()
    open_settled(page, "/code/icd10cm/R00.1")
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/assistant/ask") else None,
    )
    # When they ask about "this code" from the keyboard
    box = ask_panel(page).get_by_label("Your question")
    box.fill("What does this code mean?")
    box.press("Tab")
    page.keyboard.press("Enter")
    # Then the answer appears in the live region, with the code it rests on linked
    answer = ask_panel(page).locator(".ask-answer")
    assert answer.get_attribute("aria-live") == "polite"
    expect(answer.get_by_role("heading", name="CasePilot’s answer")).to_be_visible()
    expect(answer).to_contain_text("R00.1")
    source = answer.locator(".sources").get_by_role("link", name="R00.1 Bradycardia, unspecified")
    assert source.get_attribute("href") == "/code/icd10cm/R00.1"
    # And the question carried the page's code as its context
    assert sent == [
        {"question": "What does this code mean?", "context": {"system": "icd10cm", "code": "R00.1"}}
    ]


def test_the_assistant_page_answers_and_states_a_rate_limit_in_words(
    reader: Callable[..., Page],
):
    page = reader(DESKTOP)
    open_settled(page, "/assistant")
    box = page.get_by_label("Your question")
    box.fill("What is R00.1?")
    page.get_by_role("button", name="Ask CasePilot").click()
    answer = page.locator(".ask-answer")
    expect(
        answer.locator(".sources").get_by_role("link", name="R00.1 Bradycardia, unspecified")
    ).to_be_visible()
    # When the hourly allowance is used up, the panel says so and when to try again
    page.route(
        "**/api/assistant/ask",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "1800", "Content-Type": "application/json"},
            body=json.dumps(
                {
                    "error": {
                        "code": "too_many_requests",
                        "message": "You have asked CasePilot 30 questions this hour.",
                    }
                }
            ),
        ),
    )
    page.get_by_role("button", name="Ask CasePilot").click()
    expect(answer).to_contain_text(
        "CasePilot could not answer. You have asked CasePilot 30 questions this hour. "
        "Please try again in 30 minutes."
    )


def test_case2code_highlights_phrases_lists_candidates_excludes_denials_and_copies(
    browsing: Browsing, reader: Callable[..., Page]
):
    # Given a member who lets the page use the clipboard
    page = reader()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_settled(page, "/case2code")
    # When they paste a note and submit it
    page.get_by_label("Case note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Find codes").click()
    result = page.locator("#c2c-result")
    # Then the note shows with its phrases highlighted and the denied one struck through
    note = result.locator(".note-view")
    # (the test server's first note loads medspaCy, which takes seconds on a busy machine)
    expect(note).to_have_text(NOTE.replace("fever", "fever (excluded)"), timeout=90_000)
    expect(note.locator("mark:not(.excluded)")).to_have_text(["HTN", "CP"])
    expect(note.locator("mark.excluded")).to_contain_text("fever")
    # And each phrase has candidate codes with why they matched
    htn = result.locator(".finding").filter(has_text="HTN")
    expect(htn.get_by_role("link", name="I10")).to_have_attribute("href", "/code/icd10cm/I10")
    expect(htn.locator(".why").first).to_contain_text("ypertension")
    expect(result.locator(".excluded-list")).to_contain_text(
        "fever Excluded (“denies”): The note denies it: nothing is coded."
    )
    # When they select two codes and copy them
    htn.get_by_label("Select I10").check()
    result.locator(".finding").filter(has_text="CP").get_by_label("Select R07.9").check()
    result.get_by_role("button", name="Copy selected codes").click()
    status = result.locator(".copy-status")
    expect(status).not_to_be_empty()
    # Then the codes are on the clipboard, or the page shows them to copy by hand
    if status.locator(".copy-fallback").count():
        expect(status.locator(".copy-fallback")).to_have_text("I10, R07.9")
    else:
        expect(status).to_have_text("Copied 2 codes: I10, R07.9")
        assert page.evaluate("() => navigator.clipboard.readText()") == "I10, R07.9"


def test_a_guest_is_shown_case2code_locked(page: Page):
    open_settled(page, "/case2code")
    expect(page.get_by_role("link", name="Register").last).to_be_visible()
    expect(page.get_by_label("Case note", exact=True)).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
def test_the_new_pages_fit_the_screen_and_pass_axe(reader: Callable[..., Page], viewport: dict):
    page = reader(viewport)
    problems = {}
    open_settled(page, "/assistant")
    page.get_by_label("Your question").fill("What is R00.1?")
    page.get_by_role("button", name="Ask CasePilot").click()
    page.locator(".ask-answer .sources").wait_for()
    problems["/assistant"] = [horizontal_overflow(page), axe_violations(page)]
    open_settled(page, "/case2code")
    page.get_by_label("Case note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Find codes").click()
    page.locator(".note-view").wait_for()
    problems["/case2code"] = [horizontal_overflow(page), axe_violations(page)]
    open_settled(page, "/code/icd10cm/R00.1")
    page.get_by_label("Your question").fill("What does this code mean?")
    page.get_by_role("button", name="Ask CasePilot").click()
    page.locator(".ask-answer .sources").wait_for()
    problems["/code/icd10cm/R00.1"] = [horizontal_overflow(page), axe_violations(page)]
    assert problems == {path: [None, []] for path in problems}
