"""The response models say exactly what the API sends: every body validates against the model
its route declares, and the model keeps every key of it (nothing is dropped or renamed on the
way out). The OpenAPI document carries a schema for every 200 and 402 body."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from coderef.api import schemas
from coderef.api.presenters.assistant import answer_body, reading_body
from coderef.api.schemas_assistant import AskResponse, Case2CodeResponse
from tests.conftest import new_client, register


def assert_described(model: type[BaseModel], body: dict) -> None:
    """The body is valid for the model, and the model, dumped back, is the same body."""
    parsed = model.model_validate(body)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == body


def test_every_200_and_402_body_has_a_schema_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").json()
    missing = [
        f"{method.upper()} {path} {status}"
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if (status.startswith("2") and status != "204") or status == "402"
        if "schema" not in response.get("content", {}).get("application/json", {})
    ]
    assert missing == []
    wall = doc["paths"]["/api/codes/{system}/{code}"]["get"]["responses"]["402"]
    assert wall["content"]["application/json"]["schema"]["$ref"].endswith("/ViewWallResponse")


def test_the_code_page_a_guest_gets_and_the_wall_are_described(app):
    guest = new_client(app)
    page = guest.get("/api/codes/icd10cm/S06.0X0")
    assert page.status_code == 200 and page.json()["notes"]["locked"] is True
    assert_described(schemas.CodePageResponse, page.json())
    wall = guest.get("/api/codes/icd10cm/I10")
    assert wall.status_code == 402
    assert_described(schemas.ViewWallResponse, wall.json())


@pytest.mark.parametrize("code", ["R00.1", "S06.0X0", "I11.9", "0FT44ZZ"])
def test_the_code_page_a_member_gets_is_described(member, code):
    system = "icd10pcs" if code[0].isdigit() else "icd10cm"
    page = member.get(f"/api/codes/{system}/{code}")
    assert page.status_code == 200
    assert isinstance(page.json()["notes"], list)
    assert_described(schemas.CodePageResponse, page.json())


def test_me_summary_systems_and_changes_are_described(member, client):
    assert_described(schemas.MeResponse, client.get("/api/me").json())
    member.get("/api/codes/icd10cm/R00.1")
    assert_described(schemas.MeResponse, member.get("/api/me").json())
    summary = client.get("/api/codes/icd10cm/R00.1/summary").json()
    assert_described(schemas.CodeSummary, summary)
    assert_described(schemas.SystemsResponse, client.get("/api/systems").json())


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=bradycardia",
        "/api/search?q=R00&system=icd10cm&limit=5&offset=1",
        "/api/search?q=hart%20failur",  # a typo
        "/api/suggest?q=brady",
    ],
)
def test_search_and_suggest_bodies_are_described(client, path):
    # Search answers with the body the engine builds, validated by no model on the way out
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    # Then that body is exactly what SearchResponse describes
    assert_described(schemas.SearchResponse, response.json())


@pytest.mark.parametrize(
    "question",
    [
        "What is R00.1?",
        "what does 0FT44ZZ mean",
        "Difference between I10 and I11.9",
        "Can E11.9 be coded with E10.9?",
        "Which 7th character for a subsequent encounter for S06.0X?",
        "Codes for type 2 diabetes with neuropathy",
        "Excision vs resection: what does the guideline say?",
        "What is R00.9?",
        "What is the weather tomorrow?",
        "What should be coded first with E11?",
        "What additional code goes with E11.9?",
        "Can I code I11.9 with I50.9?",
        "What is CPT code 99213?",
        "What is the root operation for removing the gallbladder?",
    ],
)
def test_every_kind_of_casepilot_answer_is_described(app, question):
    body = answer_body(app.state.services.casepilot.ask(question))
    assert_described(AskResponse, body)


@pytest.mark.parametrize(
    "note",
    [
        "58 yo M with palpitations and SOB. Denies chest pain. No fever.",
        "Fracture of right wrist, initial encounter. Concussion without loss of consciousness.",
        "Laparoscopic cholecystectomy. Resection of gallbladder.",
        "Nothing codable here.",
        "Follow-up for fx of the R wrist. HTN, CHF. Type 2 diabetes.",
        "R/o CHF. Bradycardia ruled out. Possible palpitations.",
        "History of colon cancer. Family history of diabetes. Watch for fever.",
    ],
)
def test_case2code_readings_are_described(app, note):
    assert_described(Case2CodeResponse, reading_body(app.state.services.case2code.suggest(note)))


def test_ask_and_case2code_over_http_send_what_the_presenters_build(app):
    browser = new_client(app)
    register(browser)
    asked = browser.post("/api/assistant/ask", json={"question": "What is R00.1?"})
    assert asked.status_code == 200
    assert_described(AskResponse, asked.json())
    assert "candidates" not in asked.json()["details"]  # only the details of its kind
    read = browser.post("/api/case2code", json={"text": "Palpitations. Denies cough."})
    assert read.status_code == 200
    assert_described(Case2CodeResponse, read.json())


def test_consultant_bodies_are_described(app):
    from coderef.api.schemas_consultant import (
        AskedResponse,
        ConsultantInfo,
        ThreadDetail,
        ThreadList,
    )

    member = new_client(app)
    register(member)
    assert_described(ConsultantInfo, member.get("/api/consultant").json())
    for question, ask_human in (("Can E10.9 be coded with E11.9?", False), ("Sequence?", True)):
        asked = member.post(
            "/api/consultant/threads", json={"question": question, "ask_human": ask_human}
        )
        assert asked.status_code == 201
        assert_described(AskedResponse, asked.json())
    threads = member.get("/api/consultant/threads").json()
    assert_described(ThreadList, threads)
    detail = member.get(f"/api/consultant/threads/{threads['threads'][0]['id']}").json()
    assert_described(ThreadDetail, detail)
