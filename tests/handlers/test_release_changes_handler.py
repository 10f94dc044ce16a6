"""What changed between two releases, served by SearchFunction from the codes table: computed
once when a release is loaded and read back with one Query, never a Scan."""

from __future__ import annotations

import importlib
import sys

import pytest

from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.catalog import changes_body
from coderef.catalog.releases import ReleaseHistory
from coderef.codesets.pipeline import load_release, rebuild_index
from tests import aws
from tests.conftest import CM_FIXTURE, CM_ORDER_2025, CM_ORDER_2026
from tests.handlers.events import LambdaContext, http_api_event, response_json

CHANGES_ROUTE = "GET /api/systems/{system}/changes"
RELEASES = (CM_FIXTURE, CM_ORDER_2026, CM_ORDER_2025)  # loaded in this order, as conftest does


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    data = tmp_path_factory.mktemp("changes-fn")
    index = data / "search.db"
    local = SqliteCatalog(data / "catalog.db")
    for source in RELEASES:
        load_release(local, "icd10cm", source)
    with aws.fake_aws({"CODEREF_CODES_TABLE": "codes", "CODEREF_INDEX_PATH": str(index)}):
        client = aws.dynamodb()
        catalog = DynamoCatalog(aws.create_table(client, "CodesTable", "codes"), client=client)
        for source in RELEASES:
            load_release(catalog, "icd10cm", source)
        rebuild_index(catalog, index)
        sys.modules.pop("coderef.handlers.search", None)
        module = importlib.import_module("coderef.handlers.search")
        yield module, ReleaseHistory(local)


def _calls(module) -> list[str]:
    """Every DynamoDB operation the function's catalog sends from now on."""
    seen: list[str] = []
    catalog = module.app.state.services.catalog
    catalog.client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: seen.append(model.name)
    )
    return seen


@pytest.mark.parametrize(
    "before, after",
    [
        ("icd10cm-2024-10", "icd10cm-2025-10"),
        ("icd10cm-2025-10", "icd10cm-2024-10"),
        ("icd10cm-2024-10", "icd10cm-2026-04"),
        ("icd10cm-2026-04", "icd10cm-2025-10"),
    ],
)
def test_changes_come_from_one_query_and_equal_the_local_comparison(loaded, before, after):
    module, local = loaded
    # Given a warm function (it has listed the releases, so it knows them for a minute)
    systems = http_api_event("GET", "/api/systems", route_key="GET /api/systems")
    assert module.handler(systems, LambdaContext())["statusCode"] == 200
    calls = _calls(module)
    event = http_api_event(
        "GET",
        "/api/systems/icd10cm/changes",
        query={"from": before, "to": after},
        route_key=CHANGES_ROUTE,
    )
    # When a visitor asks what changed between two releases
    response = module.handler(event, LambdaContext())
    # Then the answer is what comparing the records locally gives
    assert response["statusCode"] == 200
    assert response_json(response) == changes_body(local.changes("icd10cm", before, after))
    # And the table was queried once, never scanned
    assert calls == ["Query"]
