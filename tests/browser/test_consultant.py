"""The /consultant page: the address and retention notice before anyone writes, locked for
guests; for members the form, the answer as mailed (links to code pages), the threads newest
first with their status, and deleting one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, axe_violations, open_settled
from tests.browser.test_pages import horizontal_overflow


def test_a_guest_sees_the_address_the_retention_notice_and_the_form_locked(page: Page):
    open_settled(page, "/consultant")
    expect(page.locator("#consult-address")).to_have_text("consult@coderef.localhost")
    expect(page.locator("#retention")).to_contain_text("kept for 30 days, then deleted")
    panel = page.locator("#consult")
    expect(panel.get_by_role("link", name="Register")).to_be_visible()
    expect(panel.get_by_label("Question", exact=True)).to_be_hidden()
    expect(page.locator("#threads-panel")).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_member_asks_sees_the_answer_and_the_thread_and_deletes_it(
    reader: Callable[..., Page], viewport: dict
):
    # Given a member on the consultant page
    page = reader(viewport)
    open_settled(page, "/consultant")
    expect(page.locator("#threads")).to_contain_text("No threads yet.")
    # When they ask whether two codes may be coded together
    page.get_by_label("Question", exact=True).fill("Can E10.9 be coded with E11.9?")
    page.get_by_role("button", name="Ask").click()
    # Then the answer states the Excludes1 rule, with links to the codes' pages
    answer = page.locator("#consult-result")
    expect(answer).to_contain_text("Excludes1 means the two are never coded together.")
    expect(answer.locator(".badge")).to_have_text("answered automatically")
    expect(answer.locator('a[href="/code/icd10cm/E10.9"]').first).to_be_visible()
    # And a question for a human waits for a coder, listed first
    page.get_by_label("Question", exact=True).fill("How do I sequence these for an inpatient stay?")
    page.get_by_label("Ask a human coder instead").check()
    page.get_by_role("button", name="Ask").click()
    expect(answer.locator(".badge")).to_have_text("waiting for a coder")
    threads = page.locator("#threads > li.thread")
    expect(threads).to_have_count(2)
    expect(threads.nth(0)).to_contain_text("waiting for a coder")
    expect(threads.nth(1)).to_contain_text("answered automatically")
    assert not horizontal_overflow(page)
    assert axe_violations(page) == []
    # When they open the older thread, its messages show
    threads.nth(1).get_by_role("button", name="Can E10.9 be coded with E11.9?", exact=True).click()
    expect(threads.nth(1).locator(".message")).to_have_count(2)
    # And when they delete it, it is gone, also after a reload
    page.once("dialog", lambda dialog: dialog.accept())
    threads.nth(1).get_by_role("button", name="Delete", exact=False).click()
    expect(threads).to_have_count(1)
    page.reload()
    expect(page.locator("#threads > li.thread")).to_have_count(1)
    expect(page.locator("#threads")).not_to_contain_text("Can E10.9 be coded with E11.9?")
