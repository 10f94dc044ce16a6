"""Case2Code through HTTP on the fixture catalog: written notes with negations and shorthand,
offsets for highlighting, 7th characters, locks, and no note text in logs or storage."""

import logging
import subprocess
import sys

import pytest

from coderef.assistant.case_notes import MAX_NOTE_CHARS
from coderef.local import create_local_app
from tests.conftest import new_client, register


def read(client, text, systems=None):
    body = {"text": text}
    if systems is not None:
        body["systems"] = systems
    return client.post("/api/case2code", json=body)


def by_text(result):
    return {f["text"]: f for f in result["findings"]}


def first_codes(result):
    return {f["text"]: f["candidates"][0]["code"] for f in result["findings"]}


def test_shorthand_is_read_and_denied_findings_are_excluded(member):
    # Given a note with abbreviations and a list of denied symptoms
    note = (
        "45 yo F with HTN and CHF presents with CP and SOB. Denies fever or cough. No palpitations."
    )
    # When Case2Code reads it
    result = read(member, note).json()
    # Then each present finding has candidates from the catalog, closest first
    assert first_codes(result) == {
        "HTN": "I10",
        "CHF": "I50.9",
        "CP": "R07.9",
        "SOB": "R06.02",
    }
    # And the denied ones are listed as excluded, with the cue, and get no codes
    excluded = {e["text"]: e["cue"] for e in result["excluded"]}
    assert excluded == {"fever": "denies", "cough": "denies", "palpitations": "no"}
    # And every offset points at the phrase in the note, for highlighting
    for item in result["findings"] + result["excluded"]:
        assert note[item["start"] : item["end"]] == item["text"]
    reason = by_text(result)["HTN"]["candidates"][0]["reason"]
    assert "hypertension" in reason.lower()


def test_side_and_encounter_are_read_and_no_seventh_character_is_invented(member):
    note = "Follow-up for fx of the R wrist, healing well. Pt denies chest pain. Hx of T2DM."
    # Given a member who has opened S62.101's page (its 7th-character table is theirs)
    assert member.get("/api/codes/icd10cm/S62.101").status_code == 200
    result = read(member, note).json()
    assert result["encounter"]["type"] == "subsequent"
    assert note[result["encounter"]["start"] : result["encounter"]["end"]] == "Follow-up"
    fracture = by_text(result)["fx of the R wrist"]
    assert fracture["laterality"] == "right"
    first = fracture["candidates"][0]
    assert first["code"] == "S62.101"
    # The fixture's S62.101 has no subsequent-encounter character: none is made up
    seventh = first["seventh_character"]
    assert seventh["encounter"] == "subsequent" and seventh["chosen"] == []
    assert [o["code"] for o in seventh["options"]] == ["S62.101A", "S62.101B", "S62.101S"]
    # A past condition is history: the fixture holds no personal-history code, so none is
    # offered, and its own code (E11.9) never is
    t2dm = by_text(result)["T2DM"]
    assert t2dm["status"] == "history" and t2dm["candidates"] == []
    assert [e["text"] for e in result["excluded"]] == ["chest pain"]


def test_an_initial_encounter_picks_the_full_code(member):
    note = "Initial encounter: closed fracture of right wrist after a fall."
    fracture = read(member, note).json()["findings"][0]
    chosen = fracture["candidates"][0]["seventh_character"]["chosen"]
    assert [c["code"] for c in chosen] == ["S62.101A"]


def test_procedures_and_inclusion_terms_are_found(member):
    note = "Patient underwent lap chole today. Postop: rapid heart beat noted, no chest pain."
    result = read(member, note).json()
    chole = by_text(result)["lap chole"]
    assert chole["kind"] == "procedure"
    assert chole["candidates"][0]["code"] == "0FT44ZZ"
    assert "percutaneous endoscopic" in chole["candidates"][0]["reason"]
    heart = by_text(result)["rapid heart beat"]
    assert heart["candidates"][0]["code"] == "R00.0"
    assert "Rapid heart beat" in heart["candidates"][0]["reason"]
    assert [e["text"] for e in result["excluded"]] == ["chest pain"]


def test_ruled_out_is_excluded_and_uncertain_is_coded_by_setting(member):
    note = "R/o CHF. Bradycardia ruled out. Possible palpitations."
    # Given an outpatient note: an uncertain diagnosis is never coded, it is reported as such
    result = read(member, note).json()
    assert result["setting"] == "outpatient" and result["findings"] == []
    excluded = {e["text"]: (e["status"], e["cue"]) for e in result["excluded"]}
    assert excluded == {
        "CHF": ("uncertain", "r/o"),
        "Bradycardia": ("negated", "ruled out."),
        "palpitations": ("uncertain", "possible"),
    }
    assert "symptoms" in result["excluded"][0]["reason"]
    # When the same note is an inpatient record, the uncertain diagnoses are coded as if
    # established, flagged uncertain with the rule
    inpatient = member.post("/api/case2code", json={"text": note, "setting": "inpatient"}).json()
    statuses = {f["text"]: f["status"] for f in inpatient["findings"]}
    assert statuses == {"CHF": "uncertain", "palpitations": "uncertain"}
    assert all("as if established" in f["note"] for f in inpatient["findings"])


def test_a_denial_ends_where_the_note_moves_on(member):
    result = read(member, "Denies chest pain but reports palpitations and fever.").json()
    assert set(first_codes(result)) == {"palpitations", "fever"}
    assert first_codes(result)["fever"] == "R50.9"
    assert [e["text"] for e in result["excluded"]] == ["chest pain"]


def test_systems_limit_the_candidates(member):
    note = "Lap chole for gallbladder disease; HTN."
    pcs_only = read(member, note, systems=["icd10pcs"]).json()
    assert pcs_only["systems"] == ["icd10pcs"]
    assert {c["system"] for f in pcs_only["findings"] for c in f["candidates"]} == {"icd10pcs"}
    assert read(member, note, systems=["cpt-ish"]).status_code == 400


def test_a_note_with_nothing_codable_returns_no_findings(member):
    result = read(member, "Seen today. Plan discussed with the family.").json()
    assert result["findings"] == [] and result["excluded"] == []


def test_every_candidate_is_a_real_code(member):
    note = "58 yo M with T2DM, HTN, CHF. Tachycardia and palpitations. Fever. Lap chole."
    for finding in read(member, note).json()["findings"]:
        for candidate in finding["candidates"]:
            summary = member.get(candidate["url"].replace("/code/", "/api/codes/") + "/summary")
            assert summary.status_code == 200


def test_a_note_over_the_limit_is_refused_with_413(member):
    response = read(member, "fever " * (MAX_NOTE_CHARS // 6 + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "note_too_long"
    assert read(member, "  ").status_code == 400


def test_guests_see_case2code_locked(client):
    response = read(client, "Fever and cough.")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"


def test_notes_are_rate_limited_per_account(fixture_settings):
    app = create_local_app(
        fixture_settings.model_copy(
            update={"case2code_notes_per_hour": 1, "guest_meters_per_address_per_day": 10**5}
        )
    )
    client = new_client(app)
    register(client)
    assert read(client, "Fever.").status_code == 200
    refused = read(client, "Fever.")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


# -- privacy --------------------------------------------------------------------------------
PRIVATE_NOTE = (
    "Zebediah Quuxworth, DOB 03/14/1961, MRN 77123904, seen at 14 Marigold Lane. "
    "Denies fever. Reports palpitations and HTN since his divorce from Philippa Quuxworth."
)
# Only what identifies the patient: ordinary words of the note ("divorce") are in code titles,
# ICD-9-CM's among them, and so in the search index.
FRAGMENTS = ["Zebediah", "Quuxworth", "77123904", "Marigold", "03/14/1961", "Philippa"]


def _logged_text(records) -> str:
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
    return "\n".join(parts)


def test_the_note_never_reaches_the_logs(member, caplog):
    # Given every logger capturing at DEBUG
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        logging.getLogger(name).setLevel(logging.DEBUG)
    # When a note with identifying details is read
    response = read(member, PRIVATE_NOTE)
    assert response.status_code == 200
    assert first_codes(response.json())["palpitations"] == "R00.2"
    # Then no part of it appears in anything logged
    logged = _logged_text(caplog.records)
    for fragment in [*FRAGMENTS, PRIVATE_NOTE]:
        assert fragment not in logged


def test_a_failure_while_reading_a_note_logs_no_part_of_it(member, app, caplog, monkeypatch):
    # Given a fault deep inside that quotes its input (as Python errors often do)
    def boom(phrase, *args, **kwargs):
        raise ValueError(f"cannot read {phrase!r} in {PRIVATE_NOTE!r}")

    monkeypatch.setattr(app.state.services.candidates, "find", boom)
    caplog.set_level(logging.DEBUG)
    # When a note is read
    response = read(member, PRIVATE_NOTE)
    # Then the caller gets a plain error, and the logs hold the error's type only
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    logged = _logged_text(caplog.records)
    assert "ValueError" in logged
    for fragment in [*FRAGMENTS, PRIVATE_NOTE]:
        assert fragment not in logged
        assert fragment not in response.text


_SCAN = """
import pathlib, sys
root, fragments = pathlib.Path(sys.argv[1]), sys.argv[2:]
for path in root.rglob("*"):
    if path.is_file():
        content = path.read_bytes()
        for fragment in fragments:
            if fragment.encode() in content:
                print(path.name, fragment)
"""


def test_the_note_is_not_stored(member, fixture_settings):
    read(member, PRIVATE_NOTE)
    # Scanned from another process: closing a descriptor of an open SQLite file in this one
    # would drop the locks SQLite holds on it.
    found = subprocess.run(
        [sys.executable, "-c", _SCAN, str(fixture_settings.data_dir), *FRAGMENTS],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout == ""


@pytest.mark.parametrize("status", ["negated"])
def test_excluded_findings_carry_no_candidates(member, status):
    result = read(member, "No fever, no cough, no chest pain.").json()
    assert result["findings"] == []
    assert all(e["status"] == status and "candidates" not in e for e in result["excluded"])


def test_a_note_not_in_english_is_refused_and_nonsense_says_it_names_nothing(member, caplog):
    # Given a note in another script, and a note of made-up words
    with caplog.at_level(logging.DEBUG):
        foreign = read(member, "患者は2型糖尿病と高血圧があります。")
        nonsense = read(member, "Blorf quexit zandy morp.")
    # Then the first is bad input, the second says plainly that it names nothing codable
    assert foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "invalid_input"
    assert "English" in foreign.json()["error"]["message"]
    assert nonsense.status_code == 200
    assert nonsense.json()["findings"] == [] and nonsense.json()["message"]
    # And neither note reaches the logs
    assert "糖尿病" not in caplog.text and "quexit" not in caplog.text
