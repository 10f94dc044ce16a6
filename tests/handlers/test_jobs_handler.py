"""JobsFunction as Lambda runs it (under moto): the job page rendered from the SiteLayer's copy
of the templates, with the HTTP API event CloudFront's /jobs/* behaviour sends."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from coderef.adapters.dynamodb_jobs import DynamoJobs
from coderef.api.site import copy_site
from coderef.jobs.model import OPEN, JobPost, iso
from coderef.settings import Settings
from tests import aws
from tests.handlers.conftest import SECRET_PARAMETER, SITE_URL, SITE_URL_PARAMETER, fresh_import
from tests.handlers.events import LambdaContext, http_api_event

NOW = datetime.now(UTC)


def _job(job_id: str, **changes) -> JobPost:
    fields = dict(
        id=job_id,
        employer_id="u1",
        employer_email="hr@example.org",
        status=OPEN,
        posted_at=iso(NOW - timedelta(days=1)),
        approved_at=iso(NOW - timedelta(hours=2)),
        expires_at=iso(NOW + timedelta(days=30)),
        title="Risk adjustment coder",
        organization="Example Health",
        organization_website="https://example.org",
        arrangement="remote",
        city=None,
        state="OH",
        employment_type="contract",
        credentials_required=("CRC",),
        credentials_preferred=(),
        specialties=("risk adjustment",),
        experience="senior",
        salary_min=30,
        salary_max=40,
        salary_period="hour",
        description="Review **HCC** charts.",
        apply="https://example.org/apply",
    )
    fields.update(changes)
    return JobPost(**fields)


@pytest.fixture(scope="module")
def jobs_function(tmp_path_factory):
    # Given the SiteLayer as its build makes it (infra/site-layer/Makefile)
    layer = tmp_path_factory.mktemp("site-layer") / "site"
    assert copy_site(Settings.from_env({}).frontend_dir, layer) > 10
    env = {
        "CODEREF_DATA_DIR": str(tmp_path_factory.mktemp("jobs-fn")),
        "CODEREF_JOBS_TABLE": "jobs",
        "CODEREF_ACCOUNTS_TABLE": "accounts",
        "CODEREF_FRONTEND_DIR": str(layer),
        "CODEREF_SITE_URL_PARAMETER": SITE_URL_PARAMETER,
        "CODEREF_ADDRESS_SECRET_PARAMETER": SECRET_PARAMETER,
    }
    with aws.fake_aws(env):
        import boto3

        client = aws.dynamodb()
        aws.create_table(client, "JobsTable", "jobs")
        aws.create_table(client, "AccountsTable", "accounts")
        ssm = boto3.client("ssm", region_name=aws.REGION)
        ssm.put_parameter(Name=SITE_URL_PARAMETER, Type="String", Value=SITE_URL + "/")
        ssm.put_parameter(Name=SECRET_PARAMETER, Type="SecureString", Value="s3cret-for-tests")
        store = DynamoJobs("jobs", client=client)
        store.create_job(_job("open1"))
        store.create_job(_job("pending1", status="pending", title="Hidden pending"))
        store.create_job(_job("old1", expires_at=iso(NOW - timedelta(days=1))))
        yield fresh_import("coderef.handlers.jobs")


def _get(module, path: str) -> dict:
    event = http_api_event(
        "GET", path, route_key="GET /jobs/{job_id}", headers={"accept": "text/html"}
    )
    return module.handler(event, LambdaContext())


def test_the_jobs_function_renders_an_open_jobs_page_with_its_job_posting(jobs_function):
    # When CloudFront forwards /jobs/open1
    response = _get(jobs_function, "/jobs/open1")
    # Then the function answers the page itself, with the facts and the JobPosting data
    assert response["statusCode"] == 200
    html = response["body"]
    assert '<h1 id="job-title">Risk adjustment coder</h1>' in html
    assert "$30–$40 an hour" in html
    posting = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    assert posting["@type"] == "JobPosting"
    assert posting["url"] == f"{SITE_URL}/jobs/open1"  # the site's address, from SSM
    assert f'<link rel="canonical" href="{SITE_URL}/jobs/open1">' in html
    assert response["headers"]["cache-control"].startswith("public, max-age=0, s-maxage=")
    # And the assets it names are the hashed names `coderef publish` uploads
    assert re.search(r'href="/style\.[0-9a-f]{10}\.css"', html)


def test_the_jobs_function_answers_410_and_404_as_the_local_server_does(jobs_function):
    assert _get(jobs_function, "/jobs/old1")["statusCode"] == 410
    missing = _get(jobs_function, "/jobs/pending1")
    assert missing["statusCode"] == 404 and "Hidden pending" not in missing["body"]
    assert _get(jobs_function, "/jobs/nope")["statusCode"] == 404


def test_the_jobs_function_renders_the_board_from_the_filters_in_the_query(jobs_function):
    # When CloudFront forwards /jobs with a search (its behaviour keys the cache by the query)
    def board(query: dict[str, str]) -> dict:
        event = http_api_event(
            "GET", "/jobs", query=query, route_key="GET /jobs", headers={"accept": "text/html"}
        )
        return jobs_function.handler(event, LambdaContext())

    found = board({"q": "risk adjustment"})
    # Then the page lists the open job from the DynamoDB store, and not the pending one
    assert found["statusCode"] == 200
    assert '<a href="/jobs/open1">Risk adjustment coder</a>' in found["body"]
    assert "Hidden pending" not in found["body"]
    assert found["headers"]["cache-control"] == "public, max-age=0, s-maxage=60"
    # And a refused filter is a 400 page that says why
    refused = board({"credential": "WIZARD"})
    assert refused["statusCode"] == 400 and "unknown credential" in refused["body"]
