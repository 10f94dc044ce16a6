"""SearchFunction invoked as Lambda invokes it: HTTP API payload 2.0 events, the codes table in
DynamoDB (moto, made from template.yaml) and an index built from that table's live records."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys

import pytest

from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.codesets.pipeline import load_release, rebuild_index
from tests import aws
from tests.conftest import CM_FIXTURE
from tests.fixtures.pcs import write_pcs_db
from tests.handlers.events import LambdaContext, http_api_event, response_json

SUMMARY_ROUTE = "GET /api/codes/{system}/{code}/summary"


@pytest.fixture(scope="module")
def search_handler(tmp_path_factory):
    data = tmp_path_factory.mktemp("search-fn")
    index = data / "search.db"
    with aws.fake_aws({"CODEREF_CODES_TABLE": "codes", "CODEREF_INDEX_PATH": str(index)}):
        client = aws.dynamodb()
        catalog = DynamoCatalog(aws.create_table(client, "CodesTable", "codes"), client=client)
        load_release(catalog, "icd10cm", CM_FIXTURE)
        load_release(catalog, "icd10pcs", write_pcs_db(data / "pcs.db"))
        rebuild_index(catalog, index)  # from the table's live records, as the layer build does
        sys.modules.pop("coderef.handlers.search", None)
        module = importlib.import_module("coderef.handlers.search")
        yield module.handler


def invoke(handler, event: dict) -> tuple[int, dict, dict]:
    response = handler(event, LambdaContext())
    return response["statusCode"], response.get("headers", {}), response_json(response)


def test_search_finds_codes_and_says_it_may_be_cached(search_handler):
    # Given a browser's search, forwarded by CloudFront with the site's cookies
    event = http_api_event(
        "GET", "/api/search", {"q": "bradycardia"}, cookies=["coderef_guest=abc", "theme=dark"]
    )
    # When the function handles it
    status, headers, body = invoke(search_handler, event)
    # Then it answers from the index with the public cache header
    assert status == 200
    assert headers["cache-control"] == "public, max-age=300"
    assert "R00.1" in [hit["code"] for hit in body["results"]]


def test_suggest_completes_the_last_word(search_handler):
    status, _, body = invoke(search_handler, http_api_event("GET", "/api/suggest", {"q": "brady"}))
    assert status == 200
    assert body["results"], body


def test_summary_reads_the_code_from_the_codes_table(search_handler):
    event = http_api_event(
        "GET", "/api/codes/icd10cm/r001/summary", route_key=SUMMARY_ROUTE, cookies=["a=b"]
    )
    status, _, body = invoke(search_handler, event)
    assert status == 200
    assert (body["code"], body["title"]) == ("R00.1", "Bradycardia, unspecified")
    assert body["release"]["id"] == "icd10cm-2026-04"


def test_an_unknown_code_is_404_with_suggestions(search_handler):
    event = http_api_event("GET", "/api/codes/icd10cm/R00.9/summary", route_key=SUMMARY_ROUTE)
    status, _, body = invoke(search_handler, event)
    assert status == 404
    assert body["error"]["code"] == "code_not_found"
    assert body["error"]["suggestions"]


def test_systems_and_health_report_the_live_releases(search_handler):
    status, _, systems = invoke(search_handler, http_api_event("GET", "/api/systems"))
    assert status == 200
    loaded = {s["id"]: [r["id"] for r in s["releases"]] for s in systems["systems"]}
    assert loaded["icd10cm"] == ["icd10cm-2026-04"]
    assert loaded["icd10pcs"]
    status, _, health = invoke(search_handler, http_api_event("GET", "/api/health"))
    assert (status, health["systems"]) == (200, ["icd10cm", "icd10pcs"])


def test_bad_input_is_a_clear_400(search_handler):
    status, _, body = invoke(search_handler, http_api_event("GET", "/api/search", {"q": ""}))
    assert status == 400
    assert body["error"]["code"] == "invalid_input"


def test_the_metered_page_is_not_served_here(search_handler):
    # The search function has no metered route: a full page asked of it is simply not found.
    event = http_api_event("GET", "/api/codes/icd10cm/R00.1", route_key="$default")
    status, _, body = invoke(search_handler, event)
    assert status == 404
    assert body["error"]["code"] == "not_found"


@pytest.fixture
def json_logs():
    """The function's log lines, formatted exactly as it writes them to CloudWatch."""
    from coderef.handlers.runtime import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_each_request_logs_json_with_the_api_request_id(search_handler, json_logs):
    event = http_api_event("GET", "/api/search", {"q": "heart"})
    invoke(search_handler, event)
    request_log = next(line for line in json_logs() if line["message"] == "request")
    assert request_log["correlation_id"] == event["requestContext"]["requestId"]
    assert (request_log["path"], request_log["status"]) == ("/api/search", 200)


def test_a_search_that_finds_nothing_is_counted_as_a_metric(search_handler, capsys):
    invoke(search_handler, http_api_event("GET", "/api/search", {"q": "qqqqzzzz xxxyyy"}))
    emf = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if '"_aws"' in line and "SearchesWithNoResults" in line
    ]
    assert emf and emf[0]["SearchesWithNoResults"] == [1.0]
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CodeRef"


def test_an_unreachable_table_is_a_503_and_a_json_warning(search_handler, tmp_path, json_logs):
    # Given the function deployed against a codes table that is not there
    env = {"CODEREF_CODES_TABLE": "missing", "CODEREF_INDEX_PATH": str(tmp_path / "none.db")}
    with aws.fake_aws(env):
        sys.modules.pop("coderef.handlers.search", None)
        broken = importlib.import_module("coderef.handlers.search").handler
        event = http_api_event("GET", "/api/health")
        # When a request comes in
        status, headers, body = invoke(broken, event)
    # Then the visitor gets the error shape with a retry hint, and the operator a log line
    assert status == 503
    assert headers["retry-after"]
    assert body["error"]["code"] == "service_unavailable"
    warning = next(line for line in json_logs() if line["level"] == "WARNING")
    assert "ResourceNotFoundException" in warning["message"]
    assert warning["correlation_id"] == event["requestContext"]["requestId"]
