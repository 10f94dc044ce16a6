"""ICD-9-CM crosswalks (CMS GEMs), HCC categories and Medicare Code Editor edits through HTTP,
on the fixture catalog (the reference files are the real bundled ones)."""

import pytest

from coderef.api import schemas
from tests.api.test_response_models import assert_described
from tests.conftest import new_client, register


@pytest.fixture
def client(app):
    reader = new_client(app)
    app.state.services.account_service.set_plan(register(reader), "unlimited")
    return reader


def _direction(body, name):
    return next(d for d in body["directions"] if d["direction"] == name)


def test_the_crosswalks_of_an_icd10cm_code_read_both_gem_directions(client):
    # When a coder asks for the ICD-9-CM equivalents of I10
    response = client.get("/api/codes/icd10cm/I10/crosswalks")
    # Then both directions name 401.9 with its ICD-9-CM title, and the flags are explained
    assert response.status_code == 200
    body = response.json()
    forward = [r["code"] for r in _direction(body, "from_icd9")["rows"]]
    backward = [r["code"] for r in _direction(body, "to_icd9")["rows"]]
    assert "401.9" in forward and "401.9" in backward
    assert "hypertension" in _direction(body, "to_icd9")["rows"][0]["title"].lower()
    assert set(body["flags_explained"]) >= {"approximate", "no_map", "combination"}
    assert_described(schemas.CrosswalksResponse, body)


def test_an_unknown_code_has_no_crosswalks_and_says_so_in_the_error_shape(client):
    response = client.get("/api/codes/icd10cm/Q99999/crosswalks")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "code_not_found"


def test_a_code_page_carries_crosswalks_and_hcc_and_edit_labels(client):
    page = client.get("/api/codes/icd10cm/I10").json()
    assert_described(schemas.CodePageResponse, page)
    assert any(d["direction"] == "to_icd9" for d in page["crosswalks"])
    facts = {a["id"]: a for a in page["attributes"]}
    # Each HCC model names the CMS file it comes from and the newest codes that file covers
    assert "F2823T2N_FY22FY23.TXT" in facts["hcc_v28"]["label"]
    assert "codes to FY20" in facts["hcc_v24"]["label"]
    assert facts["hcc_v28"]["value"] == "no HCC"  # hypertension carries no payment HCC
