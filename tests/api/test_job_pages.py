"""/jobs/{id} as a crawler gets it, with no script run: the job's facts and its schema.org
JobPosting data in the HTML, 410 with similar open jobs once it expires or closes, and 404
(saying nothing about the post) while it is pending or after it is rejected."""

import json
from datetime import timedelta

import lxml.etree
import lxml.html
import pytest

from tests.api.test_jobs_api import START, clock, job_body, operator  # noqa: F401  (fixtures)
from tests.conftest import new_client, register


def _doc(response):
    return lxml.html.fromstring(response.text)


def _job_posting(doc) -> dict:
    (block,) = doc.xpath('//script[@type="application/ld+json"]')
    return json.loads(block.text)


def _text(doc, xpath: str) -> str:
    return " ".join(" ".join(el.itertext()) for el in doc.xpath(xpath)).strip()


def _posted(app, operator, **changes) -> str:  # noqa: F811
    employer = new_client(app)
    register(employer)
    response = employer.post("/api/jobs", json=job_body(**changes))
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    operator("approve", job_id)
    return job_id


def test_an_open_jobs_page_carries_its_facts_and_job_posting_without_script(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given an approved on-site job paid by the hour
    job_id = _posted(
        app,
        operator,
        title="Inpatient DRG coder",
        arrangement="on-site",
        city="Austin",
        state="TX",
        employment_type="part-time",
        credentials_required=["CCS"],
        credentials_preferred=["RHIT"],
        specialties=["inpatient", "auditing"],
        salary_min=38,
        salary_max=45,
        salary_period="hour",
        apply="jobs@example.org",
        expires_in_days=30,
    )
    # When a crawler asks for its page (no cookie, no script)
    response = new_client(app).get(f"/jobs/{job_id}")
    # Then it is a 200 HTML page, cached briefly at the edge for everyone, not in browsers
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "public, max-age=0, s-maxage=300"
    doc = _doc(response)
    # And the job's facts are in the markup itself
    assert _text(doc, "//h1") == "Inpatient DRG coder"
    facts = _text(doc, '//*[@id="job-facts"]')
    for fact in ("$38–$45 an hour", "On-site · Austin, TX", "part-time, mid level", "CCS", "RHIT"):
        assert fact in facts
    assert "inpatient, auditing" in facts
    assert "2026-11-27" in facts and "2026-12-27" in facts  # posted, open until
    assert doc.xpath('//*[@id="job-description"]//strong')[0].text == "outpatient"
    assert (
        doc.xpath('//*[@id="job-apply"]//a[@class="button"]/@href')[0] == "mailto:jobs@example.org"
    )
    assert doc.xpath('//link[@rel="canonical"]/@href')[0].endswith(f"/jobs/{job_id}")
    # And its JobPosting data parses, with what search engines require and recommend
    posting = _job_posting(doc)
    assert posting["@type"] == "JobPosting"
    assert posting["title"] == "Inpatient DRG coder"
    assert posting["datePosted"] == "2026-11-27"
    assert posting["validThrough"] == "2026-12-27T12:00:00Z"
    assert posting["employmentType"] == "PART_TIME"
    assert posting["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Example Health",
        "sameAs": "https://example.org",
    }
    assert posting["jobLocation"]["address"]["addressLocality"] == "Austin"
    assert posting["jobLocation"]["address"]["addressRegion"] == "TX"
    assert "jobLocationType" not in posting
    assert posting["baseSalary"]["value"]["unitText"] == "HOUR"
    assert posting["baseSalary"]["value"]["minValue"] == 38
    assert "<strong>outpatient</strong>" in posting["description"]


def test_a_remote_jobs_posting_says_telecommute_and_where_applicants_may_live(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    job_id = _posted(app, operator, arrangement="remote")
    posting = _job_posting(_doc(new_client(app).get(f"/jobs/{job_id}")))
    assert posting["jobLocationType"] == "TELECOMMUTE"
    assert posting["applicantLocationRequirements"]["name"] == "USA"
    assert posting["baseSalary"]["value"]["unitText"] == "YEAR"


def test_a_page_is_cached_no_longer_than_the_job_stays_open(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    job_id = _posted(app, operator, expires_in_days=5)
    clock.now = START + timedelta(days=5, seconds=-90)
    response = new_client(app).get(f"/jobs/{job_id}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=0, s-maxage=90"


@pytest.mark.parametrize("how", ["expired", "closed"])
def test_an_expired_or_closed_job_answers_410_with_similar_open_jobs_rendered(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
    how,
):
    # Given a job and a similar one (same credential) that stays open
    employer = new_client(app)
    register(employer)
    gone = employer.post(
        "/api/jobs",
        json=job_body(title=f"Gone{how} coder", credentials_required=["CPMA"], expires_in_days=5),
    ).json()["id"]
    similar = employer.post(
        "/api/jobs", json=job_body(title="Stillopen auditor", credentials_required=["CPMA"])
    ).json()["id"]
    for job_id in (gone, similar):
        operator("approve", job_id)
    # When the first expires, or its employer closes it
    if how == "expired":
        clock.now = START + timedelta(days=6)
    else:
        assert employer.delete(f"/api/jobs/{gone}").status_code == 200
    response = new_client(app).get(f"/jobs/{gone}")
    # Then its page is a 410 that names no detail of the old post and lists the open one
    assert response.status_code == 410
    doc = _doc(response)
    assert _text(doc, "//h1") == "This job is no longer open"
    assert f"Gone{how}" not in response.text
    links = doc.xpath('//*[@id="similar-jobs"]//a/@href')
    assert f"/jobs/{similar}" in links
    assert "Stillopen auditor" in _text(doc, '//*[@id="similar-jobs"]')
    assert doc.xpath('//meta[@name="robots"]/@content')[0] == "noindex"
    assert not doc.xpath('//script[@type="application/ld+json"]')


def test_pending_rejected_and_unknown_jobs_answer_404_and_leak_nothing(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given a pending post and a rejected one, each with a unique title
    employer = new_client(app)
    register(employer)
    pending = employer.post("/api/jobs", json=job_body(title="Secretpending coder")).json()["id"]
    rejected = employer.post("/api/jobs", json=job_body(title="Secretrejected coder")).json()["id"]
    operator("reject", rejected, "--reason", "Not a coding job")
    for job_id, word in ((pending, "Secretpending"), (rejected, "Secretrejected"), ("nosuch", "")):
        # When anyone (the employer too: the page is the same for all) opens the page
        for viewer in (new_client(app), employer):
            response = viewer.get(f"/jobs/{job_id}")
            # Then it is "not found", with nothing of the post in it
            assert response.status_code == 404
            assert _text(_doc(response), "//h1") == "Job not found"
            if word:
                assert word not in response.text and "Not a coding job" not in response.text
            assert "Example Health" not in response.text
            assert "application/ld+json" not in response.text


def test_the_page_answers_head_and_the_job_page_shell_is_gone(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    job_id = _posted(app, operator)
    visitor = new_client(app)
    assert visitor.head(f"/jobs/{job_id}").status_code == 200
    assert visitor.get("/job.html").status_code == 404


def test_open_jobs_are_in_the_sitemap_and_others_are_not(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given an open job and a pending one
    open_id = _posted(app, operator, title="Sitemapped coder")
    employer = new_client(app)
    register(employer)
    pending = employer.post("/api/jobs", json=job_body()).json()["id"]
    visitor = new_client(app)
    # Then the sitemap index lists the jobs part, which lists the open job's page only
    assert "/sitemaps/jobs.xml</loc>" in visitor.get("/sitemap.xml").text
    part = visitor.get("/sitemaps/jobs.xml")
    assert part.status_code == 200 and part.headers["content-type"].startswith("application/xml")
    locs = lxml.etree.fromstring(part.content).xpath("//*[local-name()='loc']/text()")
    assert any(loc.endswith(f"/jobs/{open_id}") for loc in locs)
    assert not any(loc.endswith(f"/jobs/{pending}") for loc in locs)
    # And once it expires, it leaves the sitemap
    clock.now = START + timedelta(days=61)
    assert f"/jobs/{open_id}" not in new_client(app).get("/sitemaps/jobs.xml").text
