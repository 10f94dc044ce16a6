"""CareerCenter in the browser: a member posts a job through /jobs, the operator approves it with
`coderef jobs approve`, a visitor finds it by a credential and a title word, opens its page
(JobPosting data), and once the clock passes its expiry it leaves search and answers 410.
Script and markup in every field and in search never run (any CSP violation or script error
fails these tests; see conftest's PageWatch)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from coderef import cli
from coderef.jobs import service
from tests.browser.conftest import (
    DESKTOP,
    PASSWORD,
    PHONE,
    Browsing,
    LiveServer,
    axe_violations,
    open_settled,
    register_through_api,
    settled,
    unique_email,
)

XSS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "javascript:window.__xss=1",
]


@pytest.fixture
def operator(live_server: LiveServer, monkeypatch, capsys):
    """`coderef jobs ...` in the operator's shell, on the live server's data directory."""
    monkeypatch.setenv("CODEREF_DATA_DIR", str(live_server.data_dir))

    def run(*argv: str) -> str:
        capsys.readouterr()
        assert cli.main(["jobs", *argv]) == 0
        return capsys.readouterr().out

    return run


@pytest.fixture
def move_clock(monkeypatch):
    def to(days: int) -> None:
        now = service.utc_now()
        monkeypatch.setattr(service, "utc_now", lambda: now + timedelta(days=days))

    return to


def fill_post_form(page: Page, title: str, description: str, **text: str) -> None:
    form = page.locator("#post-job")
    form.get_by_label("Job title").fill(title)
    form.get_by_label("Organisation", exact=True).fill(text.get("organization", "Example Health"))
    form.get_by_label("Organisation website (https://)").fill("https://example.org")
    form.get_by_label("Work arrangement").select_option("remote")
    form.get_by_label("Employment type").select_option("full-time")
    form.get_by_label("Experience").select_option("mid")
    form.get_by_label("Salary from ($)").fill("52000")
    form.get_by_label("Salary to ($)").fill("61000")
    form.get_by_label("Salary per").select_option("year")
    form.locator("#credentials_required-CCS").check()
    form.locator("#specialties-inpatient").check()
    form.get_by_label("Description (Markdown)").fill(description)
    form.get_by_label("How to apply (https:// address or email)").fill(
        text.get("apply", "https://example.org/apply")
    )


def my_job_id(page: Page, title: str) -> str:
    mine = page.context.request.get("/api/me/jobs").json()["jobs"]
    return next(j["id"] for j in mine if j["title"] == title)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_post_approve_find_open_and_expire(
    browsing: Browsing, operator, move_clock, viewport: dict
):
    word = "Quillon" + uuid.uuid4().hex[:6]
    title = f"{word} inpatient coder"
    # Given a member on /jobs, who posts a job through the form
    employer = browsing.context(viewport)
    register_through_api(employer, unique_email("employer"), PASSWORD)
    page = open_settled(employer.new_page(), "/jobs")
    assert axe_violations(page) == []
    fill_post_form(page, title, "Code **inpatient** stays.\n\n- DRG review")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#post-status")).to_contain_text("waiting for review")
    expect(page.locator("#my-jobs")).to_contain_text("pending")
    job_id = my_job_id(page, title)
    # And while it waits, its page is "not found" to a visitor; its employer sees it marked
    stranger = open_settled(browsing.page(viewport), f"/jobs/{job_id}")
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Job not found")
    open_settled(page, f"/jobs/{job_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#job")).to_contain_text("Only you see this post. Status: pending")

    # When the operator approves it from the CLI
    assert job_id in operator("pending")
    operator("approve", job_id)

    # Then a visitor finds it by a credential filter and a word of its title
    visitor = browsing.page(viewport)
    open_settled(visitor, f"/jobs?credential=CCS&q={word.lower()}")
    expect(visitor.locator("#job-count")).to_contain_text("1 job found")
    assert visitor.get_by_label("Credential").input_value() == "CCS"  # the URL fills the form
    expect(visitor.locator("#job-results > li")).to_have_count(1)  # the script adds none
    assert axe_violations(visitor) == []
    if viewport == PHONE:
        # And with JavaScript off the server's page lists it, and its form searches again
        board = browsing.page(PHONE, java_script_enabled=False)
        board.goto(f"/jobs?credential=CCS&q={word.lower()}")
        expect(board.locator("#job-count")).to_have_text("1 job found.")
        expect(board.get_by_role("link", name=title)).to_have_attribute("href", f"/jobs/{job_id}")
        assert board.get_by_label("Credential").input_value() == "CCS"
        board.get_by_label("Credential").select_option("RHIA")
        board.get_by_role("button", name="Find jobs").click()
        expect(board.locator("#job-count")).to_have_text("No open jobs match this search.")
        assert "credential=RHIA" in board.url and f"q={word.lower()}" in board.url
    visitor.get_by_role("link", name=title).click()
    visitor.wait_for_url(f"**/jobs/{job_id}")
    settled(visitor)
    # And its page shows it, with schema.org JobPosting data
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.locator(".job-description strong")).to_have_text("inpatient")
    data = json.loads(visitor.locator("#job-jsonld").text_content())
    assert data["@type"] == "JobPosting" and data["title"] == title
    assert data["hiringOrganization"]["name"] == "Example Health"
    assert axe_violations(visitor) == []
    assert visitor.context.request.get(f"/api/jobs/{job_id}").status == 200
    # And "report this job", which the script adds, is received
    visitor.get_by_role("button", name="Report this job").click()
    expect(visitor.locator("#job-report")).to_contain_text("Thank you")

    # And with JavaScript off, the page a crawler reads holds the job and its JobPosting data
    crawler = browsing.page(viewport, java_script_enabled=False)
    crawler.goto(f"/jobs/{job_id}")
    expect(crawler.get_by_role("heading", level=1)).to_have_text(title)
    expect(crawler.locator("#job-facts")).to_contain_text("$52,000–$61,000 a year")
    expect(crawler.locator("#job-facts")).to_contain_text("CCS")
    expect(crawler.locator(".job-description strong")).to_have_text("inpatient")
    expect(crawler.get_by_role("link", name="Apply")).to_have_attribute(
        "href", "https://example.org/apply"
    )
    expect(crawler.get_by_role("button", name="Report this job")).to_be_hidden()
    posting = json.loads(crawler.locator('script[type="application/ld+json"]').text_content())
    assert posting["@type"] == "JobPosting" and posting["title"] == title
    assert posting["jobLocationType"] == "TELECOMMUTE"
    assert posting["baseSalary"]["value"]["unitText"] == "YEAR"
    # (axe needs scripts; it checked this same server markup on the visitor's page above)

    # When the clock passes its expiry (60 days by default)
    move_clock(61)
    # Then it drops out of search, and its page answers 410 and says so
    open_settled(visitor, f"/jobs?credential=CCS&q={word.lower()}")
    expect(visitor.locator("#job-count")).to_contain_text("No open jobs")
    assert visitor.context.request.get(f"/api/jobs/{job_id}").status == 410
    open_settled(visitor, f"/jobs/{job_id}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This job is no longer open")
    assert axe_violations(visitor) == []
    # (rendered on the server: the crawler gets the same 410 page with scripts off)
    assert crawler.goto(f"/jobs/{job_id}").status == 410
    expect(crawler.get_by_role("heading", level=1)).to_have_text("This job is no longer open")


def test_an_employer_closes_their_post_and_it_leaves_the_board(browsing: Browsing, operator):
    word = "Closer" + uuid.uuid4().hex[:6]
    employer = browsing.context(PHONE)
    register_through_api(employer, unique_email("closer"), PASSWORD)
    page = open_settled(employer.new_page(), "/jobs")
    fill_post_form(page, f"{word} auditor", "Audit charts.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#my-jobs")).to_contain_text("pending")
    operator("approve", my_job_id(page, f"{word} auditor"))
    page.get_by_role("button", name="Close this post").click()
    expect(page.locator("#my-jobs")).to_contain_text("closed")
    assert page.context.request.get(f"/api/jobs?q={word}").json()["total"] == 0


def test_script_in_every_field_and_in_search_never_runs(browsing: Browsing, operator):
    employer = browsing.context(DESKTOP)
    register_through_api(employer, unique_email("xss"), PASSWORD)
    page = open_settled(employer.new_page(), "/jobs")
    marker = "Xssjob" + uuid.uuid4().hex[:6]
    title = f"{marker} {XSS[1]}"[:120]
    # A bad apply address is refused, naming the field (and the form marks it)
    fill_post_form(page, title, "x", apply=XSS[3])
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#post-job .form-error")).to_contain_text("apply")
    expect(page.locator('#post-job [name="apply"]')).to_have_attribute("aria-invalid", "true")
    # Payloads in every free-text field are kept as text
    fill_post_form(
        page,
        title,
        "\n\n".join(XSS) + "\n\n[click](javascript:window.__xss=1)",
        organization=XSS[0][:120],
    )
    page.get_by_label("City (not for remote)").fill(XSS[2])
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#post-status")).to_contain_text("waiting for review")
    job_id = my_job_id(page, title)
    operator("approve", job_id)

    visitor = browsing.page(DESKTOP)
    for path in (
        f"/jobs?q={marker}",
        "/jobs?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
        f"/jobs/{job_id}",
        "/jobs/%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E",
    ):
        open_settled(visitor, path)
        assert visitor.evaluate("() => window.__xss") is None, path
    # The board as the server sends it (scripts off) lists the title as text
    board = browsing.page(DESKTOP, java_script_enabled=False)
    board.goto(f"/jobs?q={marker}")
    expect(board.locator("#job-results")).to_contain_text("<img src=x")
    assert board.locator("#job-results img, #job-results [onerror]").count() == 0
    # The page shows the payloads as text, and no link goes to javascript:
    open_settled(visitor, f"/jobs/{job_id}")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("<img src=x")
    assert visitor.locator("#job script, #job img, #job svg").count() == 0
    hrefs = visitor.locator("#job a").evaluate_all("links => links.map(a => a.href)")
    assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    # And the page as the server sends it (scripts off) keeps every payload as text: in the
    # markup, and in the JobPosting data, which no field can close early
    crawler = browsing.page(DESKTOP, java_script_enabled=False)
    crawler.goto(f"/jobs/{job_id}")
    expect(crawler.get_by_role("heading", level=1)).to_contain_text("<img src=x")
    expect(crawler.locator("#job-lead")).to_contain_text(XSS[0][:120])
    assert (
        crawler.locator("#job script, #job img, #job svg, #job [onerror], #job [onload]").count()
        == 0
    )
    assert crawler.locator("script").count() == 2  # the page's module and the JSON-LD block
    posting = json.loads(crawler.locator('script[type="application/ld+json"]').text_content())
    assert posting["title"] == title
    assert posting["hiringOrganization"]["name"] == XSS[0][:120]
    crawler_hrefs = crawler.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert not [h for h in crawler_hrefs if h.lower().startswith("javascript:")]
