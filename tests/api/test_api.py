"""The public API through HTTP, on the fixture catalog."""


def test_health_and_systems_name_the_loaded_releases(client):
    assert client.get("/api/health").json()["status"] == "ok"
    systems = {s["id"]: s for s in client.get("/api/systems").json()["systems"]}
    assert systems["icd10cm"]["releases"][0]["name"] == "ICD-10-CM April 1, 2026 release"
    assert systems["icd10pcs"]["releases"][0]["name"] == (
        "ICD-10-PCS FY2025 (Medical and Surgical section)"
    )


def test_search_returns_the_documented_shape(client):
    body = client.get("/api/search", params={"q": "vagal bradycardia", "system": "icd10cm"}).json()
    assert body["query"] == "vagal bradycardia"
    assert body["total"] == 1
    assert body["results"][0] == {
        "system": "icd10cm",
        "code": "R00.1",
        "title": "Bradycardia, unspecified",
        "billable": True,
        "kind": "code",
    }


def test_search_and_suggest_are_publicly_cacheable(client):
    for path in ("/api/search", "/api/suggest"):
        response = client.get(path, params={"q": "brady"})
        assert response.status_code == 200
        assert response.headers["cache-control"].startswith("public")


def test_a_typo_search_reports_did_you_mean(client):
    body = client.get("/api/search", params={"q": "hypertensoin"}).json()
    assert body["did_you_mean"] == "hypertension"


def test_summary_is_public_and_uses_the_canonical_code(client):
    body = client.get("/api/codes/icd10cm/r001/summary").json()
    assert body["code"] == "R00.1"
    assert [a["code"] for a in body["ancestors"]] == ["18", "R00-R09", "R00"]
    assert body["release"]["name"] == "ICD-10-CM April 1, 2026 release"
    assert "notes" not in body


def test_full_page_has_descriptor_plain_language_notes_children_and_related(member):
    client = member
    body = client.get("/api/codes/icd10cm/R00").json()
    assert body["description"] == "Abnormalities of heart beat"
    assert body["plain_language"]["source"].startswith("Assembled by CodeRef")
    assert [c["code"] for c in body["children"]] == ["R00.0", "R00.1", "R00.2"]
    kinds = [n["kind"] for n in body["notes"]]
    assert kinds == ["excludes1", "excludes2"]
    page = client.get("/api/codes/icd10cm/R00.1").json()
    assert page["inherited_notes"][0]["from"] == "R00"


def test_a_stem_page_lists_its_seventh_character_codes(member):
    body = member.get("/api/codes/icd10cm/S02.0").json()
    assert [(s["char"], s["code"]) for s in body["seventh_characters"]] == [
        ("A", "S02.0XXA"),
        ("B", "S02.0XXB"),
    ]


def test_a_pcs_page_lists_its_axes(client):
    body = client.get("/api/codes/icd10pcs/0ft44zz").json()
    assert body["code"] == "0FT44ZZ"
    assert [a["label"] for a in body["axes"]][:3] == [
        "Medical and Surgical",
        "Hepatobiliary System and Pancreas",
        "Resection",
    ]


def test_an_unknown_code_is_404_with_suggestions(client):
    response = client.get("/api/codes/icd10cm/R00.9")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "code_not_found"
    assert "R00.9" in error["message"]
    assert "R00" in [s["code"] for s in error["suggestions"]]


def test_malformed_input_is_400_in_the_error_shape(client):
    for path, params in [
        ("/api/codes/icd10cm/R00%3B1", None),
        ("/api/search", {"q": ""}),
        ("/api/search", {"q": "heart", "limit": "lots"}),
        ("/api/search", {"q": "x" * 500}),
        ("/api/suggest", {"q": "   "}),
    ]:
        response = client.get(path, params=params)
        assert response.status_code == 400, (path, params)
        assert set(response.json()["error"]) >= {"code", "message"}


def test_an_unknown_system_is_404_in_the_error_shape(client):
    response = client.get("/api/codes/snomed/22298006/summary")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_system"


def test_unknown_api_paths_are_404_in_the_error_shape(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_document_is_served(client):
    assert client.get("/api/openapi.json").json()["info"]["title"] == "CodeRef API"
    assert client.get("/api/docs").status_code == 200


def test_home_page_is_served_without_a_frontend(client):
    response = client.get("/")
    assert response.status_code == 200 and "CodeRef" in response.text
