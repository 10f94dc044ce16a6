"""The public site as a reader without JavaScript (or a search engine) gets it: server-rendered
pages from the one base layout, a 404 for unknown codes, sitemaps, robots.txt and caching."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from coderef.api.site import IMMUTABLE, SITEMAP_URLS, Site
from tests.conftest import new_client

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _text(html: str) -> str:
    """What a reader sees: the body's text without tags."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_a_code_page_is_real_html_with_code_title_and_breadcrumb(client):
    # Given no JavaScript at all, When a reader opens a code's address
    response = client.get("/code/icd10cm/R00.1")
    # Then the page itself carries the code, its title, its breadcrumb and its source
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = _text(response.text)
    assert "R00.1 Bradycardia, unspecified" in text
    assert "Billable" in text
    crumbs = re.search(r'<ol id="crumbs">(.*?)</ol>', response.text, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', crumbs)
    assert links[0] == "/" and links[-1] == "/code/icd10cm/R00"
    assert "/code/icd10cm/R00-R09" in links
    assert "Source:" in text and "Release:" in text
    # and the meter was never asked: no guest cookie
    assert "coderef_guest" not in response.headers.get("set-cookie", "")


def test_a_code_page_names_its_canonical_address_and_describes_itself(client):
    html = client.get("/code/icd10cm/R00.1").text
    assert '<link rel="canonical" href="http://127.0.0.1:8000/code/icd10cm/R00.1">' in html
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("R00.1 Bradycardia, unspecified")
    description = re.search(r'<meta name="description" content="([^"]+)"', html).group(1)
    assert "R00.1" in description and "Billable" in description
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["about"] == {
        "@type": "MedicalCode",
        "codeValue": "R00.1",
        "codingSystem": "ICD-10-CM",
        "name": "Bradycardia, unspecified",
    }


def test_a_category_page_lists_the_codes_under_it_with_their_titles_for_free(client):
    # Given a guest who has spent nothing
    response = client.get("/code/icd10cm/R00")
    text = _text(response.text)
    # Then the category's page lists its codes with titles, the free code tree
    assert "Codes under R00" in text
    assert "R00.1 Bradycardia, unspecified" in text
    assert 'data-tree="true"' in response.text
    # and the meter is untouched
    assert client.get("/api/me").json()["meter"]["remaining"] == 1


def test_other_spellings_of_a_code_redirect_to_its_one_address(client):
    response = client.get("/code/icd10cm/r001", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/code/icd10cm/R00.1"


def _release_note(page: str) -> str:
    """The text of the page's "Release in force" note ('' when the note is hidden)."""
    note = re.search(r'<div id="release-warning"([^>]*)>(.*?)</div>', page, re.S)
    if "hidden" in note.group(1):
        return ""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", note.group(2))))


def test_a_dated_address_shows_the_code_as_that_days_release_wrote_it(client):
    # Given no JavaScript, When a reader follows a link to I10 as of a date in FY2025
    response = client.get("/code/icd10cm/I10", params={"date": "2025-01-01"})
    # Then the page is the FY2025 wording, names that release, and says it is not today's
    assert response.status_code == 200
    text = _text(response.text)
    assert "I10 Essential hypertension" in text
    assert "Essential (primary) hypertension" not in text
    assert "Release: ICD-10-CM FY2025 release" in text
    note = _release_note(response.text)
    assert "Not the release in force today." in note and "ended on 2025-09-30" in note
    assert 'href="/code/icd10cm/I10">Show the code as of today</a>' in response.text
    # And search engines are still pointed at the one undated address
    assert re.search(r'<link rel="canonical" href="[^"?]*/code/icd10cm/I10">', response.text)


def test_an_undated_page_shows_no_release_note(client):
    assert _release_note(client.get("/code/icd10cm/I10").text) == ""


def test_a_date_no_release_covers_shows_the_nearest_release_and_says_so(client):
    response = client.get("/code/icd10cm/R00.1", params={"date": "2019-01-01"})
    assert "Release: ICD-10-CM FY2025 release" in _text(response.text)
    assert "No loaded ICD-10-CM release covers 2019-01-01" in _release_note(response.text)


@pytest.mark.parametrize("asked", ["2026-02-30", "yesterday", "20250101"])
def test_a_date_that_is_no_date_shows_todays_page_and_says_why(client, asked):
    response = client.get("/code/icd10cm/I10", params={"date": asked})
    assert response.status_code == 200
    assert "I10 Essential (primary) hypertension" in _text(response.text)
    note = _release_note(response.text)
    assert f"The date {asked} is not a valid date of service" in note
    assert "This page shows today's release." in note


def test_a_loosely_typed_code_keeps_its_date_on_the_way_to_its_address(client):
    response = client.get("/code/icd10cm/i10?date=2025-01-01", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/code/icd10cm/I10?date=2025-01-01"


@pytest.mark.parametrize("path", ["/code/icd10cm/R99.99", "/code/nosuch/R00.1"])
def test_an_unknown_code_answers_404_with_a_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Code not found" in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_an_unknown_code_page_suggests_near_codes(client):
    response = client.get("/code/icd10cm/R00.9")
    assert response.status_code == 404
    assert "Did you mean one of these?" in response.text
    assert 'href="/code/icd10cm/R00.' in response.text


def test_every_page_comes_from_one_layout_with_its_navigation(client):
    # Given each page of the site, Then each has the same header links and footer, so a reader
    # without JavaScript can always get to search, the tools and their account
    for path in [
        "/",
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password",
        "/confirm-email",
        "/account",
        "/assistant",
        "/case2code",
        "/code/icd10cm/R00.1",
        "/nothing-here",
    ]:
        html = client.get(path).text
        for link in [
            'href="/assistant"',
            'href="/case2code"',
            'href="/login"',
            'href="/register"',
            'href="/account"',
            'class="brand" href="/"',
        ]:
            assert link in html, (path, link)
        assert html.count('<header class="site-header">') == 1


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FRONTEND.parent / "tests/fixtures/sitemaps" / name)))


def test_sitemap_index_and_parts_are_valid_and_list_every_code_page(client, app):
    # Given the sitemap index, Then it validates against the protocol's schema
    index_xml = client.get("/sitemap.xml").content
    _schema("siteindex.xsd").assertValid(etree.fromstring(index_xml))
    urlset_schema = _schema("sitemap.xsd")
    index = ET.fromstring(index_xml)
    assert index.tag == f"{SITEMAP_NS}sitemapindex"
    locs = [e.text for e in index.iter(f"{SITEMAP_NS}loc")]
    assert locs and all(loc.startswith("http://127.0.0.1:8000/sitemaps/") for loc in locs)
    pages: list[str] = []
    for loc in locs:
        part = client.get(loc.removeprefix("http://127.0.0.1:8000"))
        assert part.status_code == 200
        assert part.headers["content-type"].startswith("application/xml")
        urlset_schema.assertValid(etree.fromstring(part.content))
        urlset = ET.fromstring(part.content)
        assert urlset.tag == f"{SITEMAP_NS}urlset"
        urls = [e.text for e in urlset.iter(f"{SITEMAP_NS}loc")]
        assert len(urls) <= SITEMAP_URLS
        pages += urls
    assert "http://127.0.0.1:8000/code/icd10cm/R00.1" in pages
    assert "http://127.0.0.1:8000/code/icd10pcs/0FT44ZZ" in pages
    assert len(pages) == len(set(pages))
    # and every live code of the catalog has its address there
    live = {
        f"http://127.0.0.1:8000/code/{r.system}/{r.code}"
        for r in app.state.services.catalog.iter_live()
    }
    assert live <= set(pages)


def test_a_sitemap_splits_at_the_protocols_limit():
    site = Site(FRONTEND, "https://coderef.example")
    parts = site.sitemap_parts({"icd10cm": [f"A{n:05d}" for n in range(SITEMAP_URLS + 1)]})
    sizes = [len(p.paths) for p in parts if p.name.startswith("sitemaps/icd10cm")]
    assert sizes == [SITEMAP_URLS, 1]


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in response.text
    assert "Disallow: /api/" in response.text


def test_assets_have_content_hashed_names_and_immutable_caching(client):
    # Given a page, When the stylesheet and modules it names are fetched
    html = client.get("/code/icd10cm/R00.1").text
    assets = re.findall(r'(?:href|src)="(/(?:js/)?[\w-]+\.[0-9a-f]{10}\.(?:css|js|svg))"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        assert response.headers["cache-control"] == IMMUTABLE
    # and a module imports its neighbours under their hashed names too
    code_js = client.get(next(a for a in assets if "/js/code." in a)).text
    assert re.search(r"from '\./api\.[0-9a-f]{10}\.js'", code_js)
    # while the page itself is short-lived
    assert client.get("/code/icd10cm/R00.1").headers["cache-control"] == "public, max-age=300"


def test_templates_are_never_served_as_files(client):
    assert client.get("/templates/base.html").status_code == 404


def test_a_guest_reads_children_of_a_code_on_the_api_too(app):
    # Given a guest's full page of a category: the codes under it are free, not locked
    guest = new_client(app)
    page = guest.get("/api/codes/icd10cm/R00").json()
    assert [c["code"] for c in page["children"]][:2] == ["R00.0", "R00.1"]
    # while the notes stay locked: a guest learns only their size (issue 14's lock counts)
    notes = page["notes"]
    assert notes["locked"] is True and notes["reason"] == "register" and notes["count"] >= 1
    assert set(notes) == {"locked", "reason", "count"}


def test_a_stems_list_of_7th_character_codes_names_only_what_each_adds(client):
    # Given a stem whose codes are its title plus an encounter
    html = client.get("/code/icd10cm/S02.0").text
    section = re.search(r'<section class="block tree" id="children".*?</section>', html, re.S)
    text = _text("<body>" + section.group(0))
    # Then each row says what its 7th character adds, not the stem's title again
    assert "S02.0XXA … initial encounter for closed fracture" in text
    assert "vault of skull, initial" not in text


def test_pages_answer_head_requests_as_the_cdn_does(client):
    response = client.head("/code/icd10cm/R00.1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
