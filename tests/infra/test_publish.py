"""`coderef publish`: every live code page to a folder, and to S3 (moto) uploading only what
changed, with content types and cache headers CloudFront passes on."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest

from coderef.adapters.s3_site import S3SiteBucket
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.site import HTML_CACHE, IMMUTABLE, STATIC_PAGES, Site
from coderef.cli import main
from coderef.publish import publish_to_bucket, publish_to_dir, site_files
from tests import aws

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SITE_URL = "https://coderef.example"


@pytest.fixture(scope="module")
def catalog(fixture_settings) -> SqliteCatalog:
    return SqliteCatalog(fixture_settings.catalog_path)


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(FRONTEND, SITE_URL)


def test_publish_to_a_folder_writes_every_live_code_page(tmp_path, catalog, site):
    # Given the fixture catalog's live releases
    live = [(r.system, r.code) for r in catalog.iter_live()]
    # When the site is published to a folder
    report = publish_to_dir(site_files(site, catalog), tmp_path)
    # Then every live code has its page, and the static pages, assets and sitemaps are there
    for system, code in live:
        assert (tmp_path / "code" / system / f"{code}.html").is_file(), (system, code)
    for name in [
        "index.html",
        "login.html",
        "reset-password.html",
        "confirm-email.html",
        "consultant.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
    ]:
        assert (tmp_path / name).is_file()
    assert list((tmp_path / "js").glob("code.*.js"))
    # the static pages and the not-found page; the job board and job pages are rendered per
    # request (api/job_pages.py), since a job opens, closes and expires between two publishes
    assert report.pages == len(live) + len(STATIC_PAGES) + 1
    assert not (tmp_path / "job.html").exists() and not (tmp_path / "jobs").exists()
    assert not (tmp_path / "jobs.html").exists()
    assert report.bytes == sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())


def test_a_published_page_is_the_page_the_local_server_renders(tmp_path, catalog, app):
    # Given the same site address for both
    served = app.state.services.settings.public_url
    publish_to_dir(site_files(Site(FRONTEND, served), catalog), tmp_path)
    from tests.conftest import new_client

    # Then the published R00.1 is byte for byte what `coderef serve` answers
    assert (tmp_path / "code/icd10cm/R00.1.html").read_text() == new_client(app).get(
        "/code/icd10cm/R00.1"
    ).text


def test_the_publish_command_writes_a_folder(tmp_path, fixture_settings, monkeypatch, capsys):
    monkeypatch.setenv("CODEREF_DATA_DIR", str(fixture_settings.data_dir))
    assert main(["publish", "--out", str(tmp_path / "site"), "--site-url", SITE_URL]) == 0
    assert "pages" in capsys.readouterr().err
    html = (tmp_path / "site/code/icd10cm/R00.1.html").read_text()
    assert f'<link rel="canonical" href="{SITE_URL}/code/icd10cm/R00.1">' in html


def test_the_publish_command_needs_a_destination(capsys):
    assert main(["publish"]) == 2


def test_publish_to_s3_uploads_only_what_changed(catalog, site):
    with aws.fake_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="site")
        bucket = S3SiteBucket("site", s3)
        # Given a bucket with a page of a code the live release no longer has
        s3.put_object(Bucket="site", Key="code/icd10cm/Z99.99.html", Body=b"old")
        # When the site is published the first time
        first = publish_to_bucket(site_files(site, catalog), bucket, workers=4)
        # Then everything is uploaded, and the stale page is gone
        assert first.uploaded == first.files and first.unchanged == 0
        assert first.deleted == 1
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
        assert "code/icd10cm/Z99.99.html" not in keys
        assert "code/icd10cm/R00.1.html" in keys
        # with content types and cache headers CloudFront passes on to readers
        page = s3.get_object(Bucket="site", Key="code/icd10cm/R00.1.html")
        assert page["ContentType"] == "text/html; charset=utf-8"
        assert page["CacheControl"] == HTML_CACHE
        css_key = next(k for k in keys if re.fullmatch(r"style\.[0-9a-f]{10}\.css", k))
        css = s3.get_object(Bucket="site", Key=css_key)
        assert css["ContentType"] == "text/css; charset=utf-8"
        assert css["CacheControl"] == IMMUTABLE
        # When it is published again with nothing changed, Then nothing is uploaded
        again = publish_to_bucket(site_files(site, catalog), bucket, workers=4)
        assert again.uploaded == 0 and again.unchanged == again.files
        # When one page differs in the bucket, Then only that page is uploaded
        s3.put_object(Bucket="site", Key="code/icd10cm/R00.1.html", Body=b"tampered")
        third = publish_to_bucket(site_files(site, catalog), bucket, workers=4)
        assert third.uploaded == 1
        body = s3.get_object(Bucket="site", Key="code/icd10cm/R00.1.html")["Body"].read()
        assert b"Bradycardia, unspecified" in body


def test_the_publish_command_uploads_to_a_bucket(fixture_settings, monkeypatch, capsys):
    monkeypatch.setenv("CODEREF_DATA_DIR", str(fixture_settings.data_dir))
    with aws.fake_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="coderef-site")
        # When the operator runs `coderef publish --bucket` (make publish BUCKET=...)
        assert main(["publish", "--bucket", "coderef-site", "--site-url", SITE_URL]) == 0
        # Then the pages are in the bucket, and the command says what it did
        page = s3.get_object(Bucket="coderef-site", Key="code/icd10cm/R00.1.html")
        assert b"Bradycardia, unspecified" in page["Body"].read()
        assert "published to s3://coderef-site" in capsys.readouterr().err
