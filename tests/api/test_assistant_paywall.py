"""Paywall integrity: a member with no views left gets, from CasePilot and Case2Code, only the
lines that answer the question about a code it has not unlocked, never a whole locked section
(all of its notes, its 7th-character table, its children)."""

import json

import pytest

from coderef.api.presenters.catalog import page_body
from coderef.catalog.lookup import CodeLookup

# Codes to spend the free views on, and ten others to ask about.
SPARE = ["R06", "R06.0", "R07", "R50", "S02", "S02.0", "R06.02", "R07.9", "R50.9", "R05"]
ASKED = ["R00.1", "R00", "I10", "I11.9", "E11.9", "E10.9", "S62.101", "E11", "I50.9", "S06.0X0"]
QUESTIONS = [
    "What is R00.1?",
    "What is R00?",
    "Difference between I10 and I11.9",
    "Can E11.9 be coded with E10.9?",
    "Which 7th character for a subsequent encounter for S62.101?",
    "What is the 7th character of S62.101?",
    "What should be coded first with E11?",
    "What additional code goes with E11.9?",
    "Compare I50.9 and I10",
    "Which 7th character for the initial encounter of S06.0X0?",
    "What does E11 include?",
    "Can I code I11.9 with I50.9?",
]
NOTES = [
    "Follow-up for fx of the R wrist. HTN, CHF. Type 2 diabetes.",
    "Initial encounter: closed fracture of right wrist after a fall. Bradycardia.",
]


@pytest.fixture
def member_without_views(member):
    for code in SPARE:
        if member.get("/api/me").json()["meter"]["remaining"] == 0:
            break
        assert member.get(f"/api/codes/icd10cm/{code}").status_code == 200
    me = member.get("/api/me").json()
    assert me["meter"]["remaining"] == 0
    assert member.get("/api/codes/icd10cm/R00.1").status_code == 402
    return member


def whole_sections(app, code):
    """Each locked section of a code's page that has at least two lines: as lists of the
    strings that would show it whole. Lines the guest's page shows anyway (inclusion terms in
    the plain-language text) are not locked."""
    lookup = CodeLookup(app.state.services.catalog)
    page = page_body(lookup.page("icd10cm", code))
    public = json.dumps(page_body(lookup.page_of(lookup.record("icd10cm", code), registered=False)))
    sections = {}
    notes = [item for group in page["notes"] for item in group["items"]]
    notes += [item for group in page["inherited_notes"] for item in group["items"]]
    notes = [item for item in notes if json.dumps(item)[1:-1] not in public]
    if len(notes) >= 2:
        sections["notes"] = notes
    seventh = [row["code"] for row in page["seventh_characters"] if row.get("code")]
    if len(seventh) >= 2:
        sections["seventh_characters"] = seventh
    children = [child["code"] for child in page["children"]]
    if len(children) >= 2:
        sections["children"] = children
    return sections


def test_no_whole_locked_section_leaks_from_either_tool(app, member_without_views):
    # Given a member who has spent every view, and ten codes it has not unlocked
    sections = {code: whole_sections(app, code) for code in ASKED}
    assert sum(len(s) for s in sections.values()) >= 8  # the check has something to catch
    # When it asks CasePilot about them and has Case2Code read notes naming them
    said = []
    for question in QUESTIONS:
        response = member_without_views.post("/api/assistant/ask", json={"question": question})
        assert response.status_code == 200, question
        said.append(json.dumps(response.json(), ensure_ascii=False))
    for note in NOTES:
        response = member_without_views.post("/api/case2code", json={"text": note})
        assert response.status_code == 200
        said.append(json.dumps(response.json(), ensure_ascii=False))
    # Then no answer carries any of those sections whole
    for code, by_name in sections.items():
        for name, lines in by_name.items():
            for n, answer in enumerate(said):
                if name == "children" and n >= len(QUESTIONS):
                    continue  # Case2Code's candidates are search hits, public to guests too
                assert not all(line in answer for line in lines), (code, name, n)
    # And the answers still say what was asked: the matching 7th characters, the notes that
    # name the other code
    seventh = json.loads(said[9])
    assert [c["code"] for c in seventh["details"]["characters"]] == ["S06.0X0A"]
    assert seventh["details"]["locked"] is True
    together = json.loads(said[3])
    assert together["details"]["verdict"] == "excludes1"
    assert {n["text"] for notes in together["details"]["notes"].values() for n in notes} == {
        "type 1 diabetes mellitus (E10.-)",
        "type 2 diabetes mellitus (E11.-)",
    }


def test_an_unlocked_code_shows_its_whole_table(member):
    # Given a member who has opened S62.101's page
    assert member.get("/api/codes/icd10cm/S62.101").status_code == 200
    answer = member.post(
        "/api/assistant/ask", json={"question": "7th character of S62.101?"}
    ).json()
    # Then the assistant shows its whole 7th-character table
    assert [c["code"] for c in answer["details"]["characters"]] == [
        "S62.101A",
        "S62.101B",
        "S62.101S",
    ]
