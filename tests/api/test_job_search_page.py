"""/jobs as a visitor with scripts off gets it: the search's results rendered on the server from
the URL's filters (the same search as GET /api/jobs), the form filled in, the count and the
links to the pages around, and a clear 400 page when a filter is refused."""

import lxml.html

from tests.api.test_jobs_api import START, clock, job_body, operator  # noqa: F401  (fixtures)
from tests.conftest import new_client, register

XSS_TITLE = '"><img src=x onerror="window.__xss=1"> coder'


def _post(app, **changes) -> str:
    employer = new_client(app)
    register(employer)
    response = employer.post("/api/jobs", json=job_body(**changes))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _doc(response):
    return lxml.html.fromstring(response.text)


def _titles(doc) -> list[str]:
    return [a.text_content() for a in doc.xpath('//ol[@id="job-results"]//h3/a')]


def test_the_page_lists_approved_jobs_matching_the_filters_with_the_form_filled(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given an approved CCS job, an approved CPC-only job, and a pending CCS job
    wanted = _post(app, title="Nimbuscoder inpatient", credentials_preferred=["CCS"])
    other = _post(app, title="Nimbuscoder clinic", credentials_preferred=[])
    _post(app, title="Nimbuscoder pending", credentials_preferred=["CCS"])
    operator("approve", wanted)
    operator("approve", other)
    # When a visitor with no script asks for /jobs by a word and a credential
    response = new_client(app).get(
        "/jobs", params={"q": "nimbuscoder", "credential": "ccs", "sort": "best"}
    )
    # Then the page lists the approved matching job only, linked to its page
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "public, max-age=0, s-maxage=60"
    doc = _doc(response)
    assert _titles(doc) == ["Nimbuscoder inpatient"]
    assert doc.xpath('//ol[@id="job-results"]//h3/a/@href') == [f"/jobs/{wanted}"]
    card = doc.xpath('//ol[@id="job-results"]/li')[0].text_content()
    for fact in ("Example Health", "Remote", "$55,000–$65,000 a year", START.date().isoformat()):
        assert fact in card
    assert doc.get_element_by_id("job-count").text_content() == "1 job found."
    # And the same search through the API finds the same job (one search serves both)
    api = new_client(app).get("/api/jobs", params={"q": "nimbuscoder", "credential": "CCS"})
    assert [j["id"] for j in api.json()["jobs"]] == [wanted]
    # And the form shows the search that was run
    assert doc.xpath('//input[@name="q"]/@value') == ["nimbuscoder"]
    assert doc.xpath('//select[@name="credential"]/option[@selected]/@value') == ["CCS"]
    assert doc.xpath('//select[@name="sort"]/option[@selected]/@value') == ["best"]
    assert doc.xpath('//form[@id="job-search"]/@method') == ["get"]


def test_results_page_with_previous_and_next_links_that_keep_the_filters(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given three approved remote jobs (approved by the operator's CLI, on its own clock, so
    # two may share a listing time: the test does not rely on their order)
    for n in range(3):
        operator("approve", _post(app, title=f"Pagercoder {n}"))
    visitor = new_client(app)
    # When a visitor asks for them one per page
    first = _doc(visitor.get("/jobs", params={"q": "pagercoder", "limit": 1}))
    # Then the first page holds one, with a link to the next page only
    assert first.get_element_by_id("job-count").text_content() == "3 jobs found."
    paging = first.get_element_by_id("job-paging")
    assert "Page 1 of 3" in paging.text_content()
    assert paging.xpath(".//a/text()") == ["Next page"]
    # When they follow it, Then the second page has both links, and the filters hold
    (next_href,) = paging.xpath('.//a[@rel="next"]/@href')
    assert "q=pagercoder" in next_href and "offset=1" in next_href
    second = _doc(visitor.get(next_href))
    links = second.get_element_by_id("job-paging").xpath(".//a/text()")
    assert links == ["Previous page", "Next page"]
    (last_href,) = second.xpath('//a[@rel="next"]/@href')
    last = _doc(visitor.get(last_href))
    assert last.get_element_by_id("job-paging").xpath(".//a/text()") == ["Previous page"]
    # And the three pages list each job once
    seen = _titles(first) + _titles(second) + _titles(last)
    assert sorted(seen) == ["Pagercoder 0", "Pagercoder 1", "Pagercoder 2"]
    (back_href,) = last.xpath('//a[@rel="prev"]/@href')
    assert _titles(_doc(visitor.get(back_href))) == _titles(second)


def test_a_bad_filter_answers_400_with_a_clear_message_and_the_form(app):
    visitor = new_client(app)
    for params, field in (
        ({"credential": "WIZARD"}, "credential"),
        ({"state": "ZZ"}, "state"),
        ({"salary_min": "lots"}, "salary_min"),
        ({"posted_within_days": "0"}, "posted_within_days"),
        ({"offset": "-5"}, "offset"),
        ({"q": "x" * 201}, "q"),
    ):
        # When a visitor sends a filter the board refuses
        response = visitor.get("/jobs", params=params)
        # Then the page answers 400, says which filter and why, and lists nothing
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("text/html")
        doc = _doc(response)
        message = doc.get_element_by_id("job-search-error").text_content()
        assert message.startswith("This search could not be run.") and field in message
        assert "Traceback" not in response.text
        assert _titles(doc) == []
        assert doc.xpath('//form[@id="job-search"]')  # and the form, to search again


def test_script_in_a_job_title_and_in_the_search_stays_text(
    app,
    clock,  # noqa: F811
    operator,  # noqa: F811
):
    # Given an approved job whose title carries markup
    operator("approve", _post(app, title=XSS_TITLE))
    payload = '"><script>window.__xss=1</script>'
    # When a visitor searches for it with markup in the words
    response = new_client(app).get("/jobs", params={"q": f"coder {payload}", "sort": "best"})
    assert response.status_code == 200
    doc = _doc(response)
    # Then neither becomes an element or an attribute: both are text
    assert not doc.xpath("//main//img | //main//script | //*[@onerror]")
    assert "<img src=x" not in response.text and "<script>window" not in response.text
    assert doc.xpath('//input[@name="q"]/@value') == [f"coder {payload}"]
    broad = _doc(new_client(app).get("/jobs"))
    assert XSS_TITLE in _titles(broad)
