"""CasePilot through HTTP on the fixture catalog: each kind of question, grounding, locks."""

import logging

import pytest

from coderef.assistant.grounding import code_tokens
from coderef.local import create_local_app
from tests.conftest import new_client, register


def ask(client, question, context=None):
    body = {"question": question}
    if context:
        body["context"] = context
    return client.post("/api/assistant/ask", json=body)


def codes_in(answer):
    return [s["code"] for s in answer["sources"] if s["kind"] == "code"]


def assert_grounded(client, answer):
    """Every code the prose names opens a code page or was quoted from catalog text: the
    composer invented nothing. Every source is a link."""
    for source in answer["sources"]:
        assert source["url"].startswith(("/code/", "/systems/", "/guidelines/"))
    for source in (s for s in answer["sources"] if s["kind"] == "code"):
        summary = client.get(f"/api/codes/{source['system']}/{source['code']}/summary")
        assert summary.status_code == 200


def test_what_is_a_code_gives_descriptor_plain_text_hierarchy_and_link(member):
    # Given a signed-in coder
    # When they ask what R00.1 is
    answer = ask(member, "What is ICD-10-CM code R00.1?").json()
    # Then the answer names the code, its descriptor and its place, and links it
    assert answer["kind"] == "define" and answer["answered"] is True
    assert "Bradycardia, unspecified" in answer["answer"]
    assert "R00-R09" in answer["answer"]  # the hierarchy, from the plain-language text
    card = answer["details"]["codes"][0]
    assert card["url"] == "/code/icd10cm/R00.1"
    assert [a["code"] for a in card["ancestors"]] == ["18", "R00-R09", "R00"]
    kinds = {s["kind"] for s in answer["sources"]}
    assert kinds == {"code", "release"}
    assert answer["composer"] == "deterministic"
    assert_grounded(member, answer)


def test_what_does_a_procedure_code_mean_reads_its_axes(member):
    answer = ask(member, "what does 0FT44ZZ mean").json()
    assert answer["kind"] == "define"
    assert "Resection of Gallbladder, Percutaneous Endoscopic Approach" in answer["answer"]
    axes = {a["name"]: a["label"] for a in answer["details"]["codes"][0]["axes"]}
    assert axes["Root Operation"] == "Resection" and axes["Approach"] == "Percutaneous Endoscopic"
    assert codes_in(answer) == ["0FT44ZZ"]


def unlock(client, *codes):
    for code in codes:
        assert client.get(f"/api/codes/icd10cm/{code}").status_code == 200


def test_difference_between_two_codes_shows_both_and_their_notes(member):
    # Given a member who has opened both codes' pages
    unlock(member, "I10", "I11.9")
    answer = ask(member, "Difference between I10 and I11.9").json()
    assert answer["kind"] == "compare"
    assert [c["code"] for c in answer["details"]["codes"]] == ["I10", "I11.9"]
    text = answer["answer"]
    assert "Essential (primary) hypertension" in text
    assert "Hypertensive heart disease without heart failure" in text
    assert "Hypertensive heart disease NOS" in text  # I11.9's inclusion term
    assert "high blood pressure" in text  # I10's Includes note
    notes = answer["details"]["notes"]
    assert any(n["kind"] == "excludes1" for n in notes["I10"])
    assert answer["details"]["shared_ancestor"]["code"] == "I10-I1A"
    assert_grounded(member, answer)


def test_excludes1_means_never_coded_together(member):
    answer = ask(member, "Can E11.9 be coded with E10.9?").json()
    assert answer["kind"] == "together"
    assert answer["details"]["verdict"] == "excludes1"
    assert answer["answer"].startswith("No:")
    relations = answer["details"]["relations"]
    assert {(r["on"], r["covers"]) for r in relations} == {("E11", "E10.9"), ("E10", "E11.9")}
    assert "never coded together" in answer["answer"]
    assert answer["details"]["ncci_edits"]["loaded"] is False


def test_excludes2_means_both_may_be_coded(member):
    # R00 has Excludes2 "specified arrhythmias (I47-I49)"; R05 has Excludes2 "(R04.2)".
    answer = ask(member, "Can R00.1 be reported together with R00.2?").json()
    assert answer["kind"] == "together"
    assert answer["details"]["verdict"] == "no_excludes_note"
    assert "do not stop coding both" in answer["answer"]


def test_a_code_and_its_own_category_are_not_both_reported(member):
    answer = ask(member, "Can I code E11 and E11.9 together?").json()
    assert answer["details"]["verdict"] == "same_family"
    assert "most specific" in answer["answer"]


def test_seventh_character_question_lists_the_table_with_full_codes(member):
    # The fixture gives S62.101 its own table: A, B and S (no subsequent-encounter character).
    unlock(member, "S62.101")
    answer = ask(member, "Which 7th character for a subsequent encounter for S62.101?").json()
    assert answer["kind"] == "seventh_character"
    assert "no 7th character for a subsequent encounter" in answer["answer"]
    chars = answer["details"]["characters"]
    assert [(c["char"], c["code"]) for c in chars] == [
        ("A", "S62.101A"),
        ("B", "S62.101B"),
        ("S", "S62.101S"),
    ]
    assert not any(c["matches"] for c in chars)
    assert_grounded(member, answer)


def test_seventh_character_for_an_initial_encounter_picks_the_matching_codes(member):
    answer = ask(member, "7th character for the initial encounter, S62.101?").json()
    matches = [c["code"] for c in answer["details"]["characters"] if c["matches"]]
    assert matches == ["S62.101A", "S62.101B"]
    assert "S62.101A" in answer["answer"]


def test_codes_for_a_condition_ranks_candidates_with_reasons(member):
    answer = ask(member, "Codes for type 2 diabetes with neuropathy").json()
    assert answer["kind"] == "codes_for"
    candidates = answer["details"]["candidates"]
    assert candidates[0]["code"] == "E11.40"
    assert all(c["reason"] for c in candidates)
    assert candidates[0]["url"] == "/code/icd10cm/E11.40"


def test_lay_words_find_codes_and_say_how_they_were_read(member):
    answer = ask(member, "what is the code for slow heart rate?").json()
    first = answer["details"]["candidates"][0]
    assert first["code"] == "R00.1"
    assert "bradycardia" in first["reason"]


def test_guideline_questions_are_answered_from_the_loaded_guidelines(member):
    answer = ask(member, "When is a biopsy followed by a resection coded in PCS?").json()
    assert answer["kind"] == "guideline" and answer["answered"]
    passages = answer["details"]["passages"]
    assert passages[0]["section"] == "B3.4b"
    assert "both the biopsy and the more definitive treatment are coded" in passages[0]["text"]
    guideline_sources = [s for s in answer["sources"] if s["kind"] == "guideline"]
    assert guideline_sources[0]["url"] == "/guidelines/icd10pcs/B3.4b"
    assert "Official Guidelines" in guideline_sources[0]["label"]
    # The cited passage opens at its link
    passage = member.get("/api/guidelines/icd10pcs/B3.4b").json()
    assert passage["title"].startswith("Biopsy followed by")


def test_an_unanswerable_question_says_so_and_suggests_a_search(member):
    answer = ask(member, "What is the weather in Paris tomorrow?").json()
    assert answer["answered"] is False
    assert "found nothing" in answer["answer"]
    assert answer["sources"] == []
    assert answer["suggestions"][0]["url"].startswith("/?q=")
    assert code_tokens(answer["answer"]) == []


def test_a_code_that_does_not_exist_is_said_not_to_exist_and_nothing_is_invented(member):
    answer = ask(member, "What is E11.99?").json()
    assert answer["kind"] == "code_not_found" and answer["answered"] is False
    assert "E11.99 is not a code in the loaded ICD-10-CM" in answer["answer"]
    missing = answer["details"]["missing"][0]
    assert missing["written"] == "E11.99"
    # Nearby codes are real ones, each with its link
    assert missing["near"] and all(n["code"].startswith("E11") for n in missing["near"])
    for near in missing["near"]:
        assert member.get(near["url"].replace("/code/", "/api/codes/") + "/summary").is_success
    assert answer["suggestions"][0]["url"] == "/?q=E11.99"


def test_a_missing_seven_character_code_is_reported_too(member):
    answer = ask(member, "what does 0ZZ99ZZ mean?").json()
    assert answer["kind"] == "code_not_found"
    assert "0ZZ99ZZ is not a code in the loaded ICD-10-PCS" in answer["answer"]


def test_a_lower_case_word_shaped_like_a_code_is_read_as_a_word(member):
    # "b12" is no code here; the question is about a vitamin, not a missing code
    answer = ask(member, "codes for vitamin b12 deficiency").json()
    assert answer["kind"] == "codes_for"
    assert "not a code" not in answer["answer"]


def test_the_code_page_context_is_the_subject_when_the_question_names_none(member):
    context = {"system": "icd10cm", "code": "S62.101"}
    answer = ask(member, "Which 7th character for a sequela?", context).json()
    assert answer["kind"] == "seventh_character"
    assert [c["code"] for c in answer["details"]["characters"] if c["matches"]] == ["S62.101S"]
    together = ask(
        member, "Can it be coded with E10.9?", {"system": "icd10cm", "code": "E11.9"}
    ).json()
    assert together["kind"] == "together" and together["details"]["verdict"] == "excludes1"


@pytest.mark.parametrize(
    "body",
    [{"question": ""}, {"question": "   "}, {"question": "x" * 501}, {}, {"question": 5}],
)
def test_bad_questions_are_refused_with_the_error_shape(member, body):
    response = member.post("/api/assistant/ask", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_guests_see_casepilot_locked(client):
    response = ask(client, "What is R00.1?")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_signed_in"
    assert "registered accounts" in error["message"]


def test_questions_are_rate_limited_per_account(fixture_settings):
    # Given an app that allows two questions an hour
    app = create_local_app(
        fixture_settings.model_copy(
            update={"casepilot_questions_per_hour": 2, "guest_meters_per_address_per_day": 100_000}
        )
    )
    first, second = new_client(app), new_client(app)
    register(first)
    register(second)
    # When one account asks three
    statuses = [ask(first, "What is R00.1?").status_code for _ in range(3)]
    # Then the third is refused with Retry-After, and another account is unaffected
    assert statuses == [200, 200, 429]
    refused = ask(first, "What is R00.1?")
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert ask(second, "What is R00.1?").status_code == 200


def test_questions_from_another_site_are_refused(member):
    response = member.post(
        "/api/assistant/ask",
        json={"question": "What is R00.1?"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_guideline_sources_are_listed_and_unknown_passages_are_404(client):
    listing = client.get("/api/guidelines").json()
    source = listing["sources"][0]
    assert source["id"] == "icd10pcs" and len(source["sections"]) == 60
    assert client.get("/api/guidelines/icd10pcs/Z9.9").status_code == 404
    assert client.get("/api/guidelines/icd10pcs/Z9.9").json()["error"]["code"] == (
        "guideline_not_found"
    )


def test_an_unknown_context_system_is_bad_input(member):
    response = ask(member, "What is this?", {"system": "snomed", "code": "R00.1"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_question_not_in_english_is_refused_and_never_logged(member, caplog):
    with caplog.at_level(logging.DEBUG):
        response = ask(member, "2型糖尿病のコードは何ですか？")
        nonsense = ask(member, "blorf quexit zandy?").json()
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert nonsense["answered"] is False and "found nothing" in nonsense["answer"]
    assert "糖尿病" not in caplog.text and "quexit" not in caplog.text


def test_a_code_set_that_is_not_loaded_is_said_plainly(fixture_settings, tmp_path):
    # Given a catalog with ICD-10-CM only (no HCPCS, no CPT)
    from coderef.adapters.sqlite_catalog import SqliteCatalog
    from coderef.codesets.pipeline import load_release, rebuild_index
    from coderef.settings import Settings
    from tests.conftest import CM_FIXTURE

    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path)})
    catalog = SqliteCatalog(settings.catalog_path)
    load_release(catalog, "icd10cm", CM_FIXTURE)
    rebuild_index(catalog, settings.index_path)
    client = new_client(
        create_local_app(settings.model_copy(update={"guest_meters_per_address_per_day": 100_000}))
    )
    register(client)
    # When a coder asks about a CPT code and an HCPCS code
    cpt = ask(client, "What is CPT code 99213?").json()
    hcpcs = ask(client, "What is HCPCS code J1100?").json()
    # Then each answer says the code set is not loaded and what the operator must load
    assert cpt["kind"] == "code_set_not_loaded" and "CPT" in cpt["answer"]
    assert "not loaded" in cpt["answer"] and "--system cpt" in cpt["answer"]
    assert "HCPCS" in hcpcs["answer"] and "--system hcpcs" in hcpcs["answer"]
    assert cpt["details"]["not_loaded"][0]["system"] == "cpt"
    assert code_tokens(cpt["answer"]) == []
