"""Releases side by side, HCPCS and CPT through HTTP, on the fixture catalog.

ICD-10-CM is loaded three times: FY2025 and FY2026 from CMS order files, and the live April 1,
2026 release from the tabular XML. Between FY2025 and FY2026 the fixture adds E11.40, deletes
R00.8, retitles I10 and makes E11.4 a heading (no longer billable).
"""

from datetime import date

import pytest

from coderef.catalog.notices import ADA_CDT_NOTICE
from tests.conftest import CPT_NOTICE, new_client, register


@pytest.fixture
def client(app):
    """A reader on the unlimited plan: these tests open many full pages, and the meter is
    tested elsewhere."""
    reader = new_client(app)
    app.state.services.account_service.set_plan(register(reader), "unlimited")
    return reader


def test_systems_list_every_loaded_release_newest_first_with_the_live_one_marked(client):
    systems = {s["id"]: s for s in client.get("/api/systems").json()["systems"]}
    cm = systems["icd10cm"]["releases"]
    assert [(r["id"], r["live"]) for r in cm] == [
        ("icd10cm-2026-04", True),
        ("icd10cm-2025-10", False),
        ("icd10cm-2024-10", False),
    ]
    assert cm[2]["name"] == "ICD-10-CM FY2025 release" and cm[2]["records"] == 44
    assert systems["hcpcs"]["releases"][0]["name"] == "HCPCS Level II January 2026 release"
    assert systems["cpt"]["releases"][0]["name"] == "CPT 2026 release"


@pytest.mark.parametrize(
    "day, release",
    [
        ("2025-06-01", "icd10cm-2024-10"),
        ("2026-01-15", "icd10cm-2025-10"),
        ("2026-05-01", "icd10cm-2026-04"),
    ],
)
def test_a_date_answers_from_the_release_in_force_that_day(client, day, release):
    page = client.get("/api/codes/icd10cm/R00.1", params={"date": day}).json()
    summary = client.get("/api/codes/icd10cm/R00.1/summary", params={"date": day}).json()
    assert page["release"]["id"] == summary["release"]["id"] == release


def test_without_a_date_the_live_release_answers(client):
    assert client.get("/api/codes/icd10cm/I10/summary").json()["release"]["id"] == (
        "icd10cm-2026-04"
    )


def test_a_deleted_code_is_found_on_a_date_it_was_valid_and_explained_otherwise(client):
    # Given R00.8, deleted in FY2026
    old = client.get("/api/codes/icd10cm/R00.8", params={"date": "2025-03-01"})
    assert old.status_code == 200 and old.json()["title"] == "Other abnormalities of heart beat"
    # When asked for without a date, the answer says where it still is
    now = client.get("/api/codes/icd10cm/R00.8")
    assert now.status_code == 404
    assert "R00.8 is in: ICD-10-CM FY2025 release" in now.json()["error"]["message"]
    assert "It was deleted in the ICD-10-CM FY2026 release." in now.json()["error"]["message"]


def test_the_title_follows_the_release_of_the_date(client):
    then = client.get("/api/codes/icd10cm/i10/summary", params={"date": "2025-01-01"}).json()
    assert then["title"] == "Essential hypertension"
    assert client.get("/api/codes/icd10cm/i10/summary").json()["title"] == (
        "Essential (primary) hypertension"
    )


def test_a_page_shows_the_code_history_across_loaded_releases(client):
    def statuses(code):
        history = client.get(f"/api/codes/icd10cm/{code}").json()["history"]
        return [(h["release"]["id"], h["status"]) for h in history]

    assert statuses("E11.40") == [
        ("icd10cm-2024-10", "absent"),
        ("icd10cm-2025-10", "added"),
        ("icd10cm-2026-04", "unchanged"),
    ]
    assert statuses("I10")[1] == ("icd10cm-2025-10", "revised")
    deleted = client.get("/api/codes/icd10cm/R00.8", params={"date": "2025-01-01"}).json()
    assert [h["status"] for h in deleted["history"]] == ["present", "deleted", "absent"]
    retitled = client.get("/api/codes/icd10cm/I10").json()["history"][1]
    assert retitled["before"]["title"] == "Essential hypertension"


def test_changes_between_two_releases_list_added_deleted_and_revised_codes(client):
    body = client.get(
        "/api/systems/icd10cm/changes", params={"from": "icd10cm-2024-10", "to": "2025-10"}
    ).json()
    assert (body["from"]["id"], body["to"]["id"]) == ("icd10cm-2024-10", "icd10cm-2025-10")
    assert body["counts"] == {"added": 1, "deleted": 1, "revised": 2}
    assert [c["code"] for c in body["added"]] == ["E11.40"]
    assert [c["code"] for c in body["deleted"]] == ["R00.8"]
    revised = {c["code"]: c for c in body["revised"]}
    assert revised["E11.4"]["changed"] == ["billable"]
    assert revised["E11.4"]["before"] == {"billable": True}
    assert revised["I10"]["before"]["title"] == "Essential hypertension"


def test_releases_can_be_named_by_a_date_they_were_in_force(client):
    by_date = client.get(
        "/api/systems/cm/changes", params={"from": "2025-01-01", "to": "2026-01-01"}
    ).json()
    assert by_date["counts"] == {"added": 1, "deleted": 1, "revised": 2}


def test_the_order_file_and_the_xml_of_one_year_show_no_code_changes(client):
    # Chapters and blocks exist only in the XML: they organise codes and are not compared.
    body = client.get(
        "/api/systems/icd10cm/changes", params={"from": "icd10cm-2025-10", "to": "icd10cm-2026-04"}
    ).json()
    assert body["counts"] == {"added": 0, "deleted": 0, "revised": 0}


@pytest.mark.parametrize(
    "path, params, status, code",
    [
        (
            "/api/codes/icd10cm/R00.1",
            {"date": "2019-01-01", "strict": "true"},
            404,
            "release_not_found",
        ),
        ("/api/codes/icd10cm/R00.1/summary", {"date": "2026-02-30"}, 400, "invalid_input"),
        ("/api/codes/icd10cm/R00.1", {"date": "yesterday"}, 400, "invalid_input"),
        ("/api/systems/icd10cm/changes", {"from": "icd10cm-2024-10"}, 400, "invalid_input"),
        (
            "/api/systems/icd10cm/changes",
            {"from": "fy1999", "to": "2026-01-01"},
            404,
            "release_not_found",
        ),
        (
            "/api/systems/icd10cm/changes",
            {"from": "hcpcs-2026-01", "to": "2026-01-01"},
            404,
            "release_not_found",
        ),
        ("/api/systems/snomed/changes", {"from": "a", "to": "b"}, 404, "unknown_system"),
        ("/api/systems/icd10cm/changes", {"from": "x" * 41, "to": "b"}, 400, "invalid_input"),
    ],
)
def test_bad_release_questions_get_the_error_shape(client, path, params, status, code):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_date_before_any_loaded_release_names_what_is_loaded_when_strict(client):
    error = client.get(
        "/api/codes/icd10cm/R00.1", params={"date": "2019-01-01", "strict": "true"}
    ).json()["error"]
    assert "No loaded ICD-10-CM release was in force on 2019-01-01" in error["message"]
    assert "FY2025 release (2024-10-01 to 2025-09-30)" in error["message"]


def test_cpt_pages_carry_the_operators_licence_notice(client):
    summary = client.get("/api/codes/cpt/10001/summary").json()
    page = client.get("/api/codes/cpt/10001").json()
    assert summary["notice"] == page["notice"] == CPT_NOTICE
    assert page["plain_language"]["source"] == "AMA CPT consumer-friendly descriptor"
    assert page["notes"][0]["label"] == "Clinician descriptors"


def test_hcpcs_dental_codes_carry_the_ada_notice_and_public_domain_pages_none(client):
    assert client.get("/api/codes/hcpcs/D0120/summary").json()["notice"] == ADA_CDT_NOTICE
    assert client.get("/api/codes/hcpcs/A0021/summary").json()["notice"] is None
    assert client.get("/api/codes/icd10cm/R00.1/summary").json()["notice"] is None


def test_a_hcpcs_page_lists_the_administrative_facts(client):
    page = client.get("/api/codes/hcpcs/a4253").json()
    facts = {a["id"]: a for a in page["attributes"]}
    assert facts["coverage"] == {
        "id": "coverage",
        "label": "Medicare coverage",
        "value": "M",
        "meaning": "Non-covered by Medicare",
    }
    assert page["plain_language"]["text"].startswith("A4253 is the HCPCS Level II code for blood")


@pytest.mark.parametrize(
    "query, system, first",
    [
        ("reagent strips", "hcpcs", "A4253"),
        ("A4253", None, "A4253"),
        ("LT", None, "LT"),
        ("rt", "hcpcs", "RT"),
        ("cyst", "cpt", "10001"),
        ("25", "cpt", "25"),
        ("0001F", None, "0001F"),
        ("cutaneous cyst", None, "10001"),  # a clinician descriptor
    ],
)
def test_search_covers_every_loaded_system(client, query, system, first):
    params = {"q": query, **({"system": system} if system else {})}
    results = client.get("/api/search", params=params).json()["results"]
    assert results[0]["code"] == first
    if system:
        assert {r["system"] for r in results} == {system}


def test_a_system_with_nothing_loaded_says_so(tmp_path):
    from fastapi.testclient import TestClient

    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.codesets.pipeline import load_release, rebuild_index
    from coderef.local import create_local_app
    from coderef.settings import Settings
    from tests.conftest import HCPCS_FIXTURE

    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path)})
    catalog = SqliteCatalog(settings.catalog_path)
    load_release(catalog, "hcpcs", HCPCS_FIXTURE)
    rebuild_index(catalog, settings.index_path)
    client = TestClient(create_local_app(settings))
    error = client.get("/api/codes/cpt/10001").json()["error"]
    assert error == {
        "code": "code_not_found",
        "message": "No CPT release is loaded here.",
        "suggestions": [],
    }


def test_a_date_no_release_covers_answers_from_the_nearest_with_a_warning(client):
    # Given releases from FY2025 to April 2026 loaded, and a date of service before them all
    body = client.get("/api/codes/icd10cm/R00.1", params={"date": "2019-01-01"}).json()
    # Then the nearest release answers, and says plainly that it does not cover the date
    release = body["release"]
    assert release["name"] == "ICD-10-CM FY2025 release"
    assert release["covers_asked_date"] is False
    assert any("No loaded ICD-10-CM release covers 2019-01-01" in w for w in release["warnings"])


def test_a_future_date_answers_from_the_newest_release_and_says_it_is_in_the_future(client):
    body = client.get("/api/codes/icd10cm/R00.1/summary", params={"date": "2099-01-01"}).json()
    assert body["release"]["name"] == "ICD-10-CM April 1, 2026 release"
    assert any("in the future" in w for w in body["release"]["warnings"])


def test_a_release_that_has_ended_says_so_and_how_to_load_the_current_one(client, app, monkeypatch):
    # Given today is 2026-11-27, after the newest loaded release ended on 2026-09-30
    monkeypatch.setattr(app.state.services.lookup, "today", lambda: date(2026, 11, 27))
    # When a page is opened without a date
    release = client.get("/api/codes/icd10cm/R00.1/summary").json()["release"]
    # Then it says the release is not in force, when it ended, and how an operator loads another
    assert release["in_force_today"] is False and release["in_force_release"] is None
    assert any("ended on 2026-09-30" in w for w in release["warnings"])
    assert any("coderef import --system icd10cm" in w for w in release["warnings"])


def test_a_release_in_force_today_carries_no_warning(client, app, monkeypatch):
    monkeypatch.setattr(app.state.services.lookup, "today", lambda: date(2026, 5, 1))
    release = client.get("/api/codes/icd10cm/R00.1").json()["release"]
    assert release["in_force_today"] is True and release["warnings"] == []


def test_an_older_release_names_the_release_in_force_today(client, app, monkeypatch):
    monkeypatch.setattr(app.state.services.lookup, "today", lambda: date(2026, 5, 1))
    release = client.get("/api/codes/icd10cm/I10", params={"date": "2025-01-01"}).json()["release"]
    assert release["in_force_today"] is False
    assert release["in_force_release"]["name"] == "ICD-10-CM April 1, 2026 release"
    assert any("in force today is the ICD-10-CM April 1, 2026" in w for w in release["warnings"])
