"""CasePilot's crosswalk answers ("what is the ICD-10 code for ICD-9 250.00") on the fakes:
the ICD-9-CM codes a question names, the ICD-10 codes CMS's forward GEMs map them to, the
GEM flags explained, the source cited, and a plain "no such code" for a number ICD-9-CM lacks."""

from __future__ import annotations

import pytest

from coderef.api.presenters.assistant import answer_body
from coderef.assistant.casepilot import CasePilot
from coderef.assistant.questions import icd9_codes_in, kind_of, read_question
from coderef.catalog.crosswalks import Icd9Code, Icd9Target
from tests.fakes import FakeCandidates, FakeGuidelines, FakeIcd9

DM2 = "Diabetes mellitus without mention of complication, type II or unspecified type"
ICD9 = [
    Icd9Code(
        "250.00", False, DM2, targets=(Icd9Target("icd10cm", "E11.9", "x", approximate=True),)
    ),
    Icd9Code(
        "250.01", False, "Diabetes type I", targets=(Icd9Target("icd10cm", "E10.9", "x", True),)
    ),
    Icd9Code(
        "401.9",
        False,
        "Unspecified essential hypertension",
        targets=(Icd9Target("icd10cm", "I10", "x"),),
    ),
    Icd9Code(
        "427.89",
        False,
        "Other specified cardiac dysrhythmias",
        targets=(
            Icd9Target("icd10cm", "R00.1", "x", approximate=True),
            Icd9Target("icd10cm", "R00.0", "x", approximate=True),
        ),
    ),
    Icd9Code(
        "250.40",
        False,
        "Diabetes with renal manifestations",
        targets=(
            Icd9Target("icd10cm", "E11.9", "x", True, True, 1, 1),
            Icd9Target("icd10cm", "I10", "x", True, True, 1, 2),
        ),
    ),
    Icd9Code("365.70", False, "Glaucoma stage, unspecified", no_map=True),
    Icd9Code(
        "V45.81", False, "Aortocoronary bypass status", targets=(Icd9Target("icd10cm", "I10", "x"),)
    ),
    Icd9Code("36.06", True, "Insertion of non-drug-eluting coronary artery stent(s)", no_map=True),
    Icd9Code(
        "51.23",
        True,
        "Laparoscopic cholecystectomy",
        targets=(Icd9Target("icd10pcs", "0FT44ZZ", "x"),),
    ),
]


@pytest.fixture
def pilot(catalog) -> CasePilot:
    return CasePilot(
        catalog,
        FakeCandidates(catalog),
        FakeGuidelines([]),
        lambda system, written: [],
        crosswalks=FakeIcd9(ICD9),
    )


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("What is the ICD-10 code for ICD-9 250.00?", [("250.00", False)]),
        ("ICD-9 250.00 in ICD-10", [("250.00", False)]),
        ("convert 250.00 to icd10", [("250.00", False)]),
        ("GEM for 250.00", [("250.00", False)]),
        ("icd-9 V45.81 to icd-10", [("V45.81", False)]),
        ("ICD-9 code E880.9 in ICD-10", [("E880.9", False)]),
        ("ICD-10-PCS for ICD-9 procedure 36.06", [("36.06", True)]),
        ("what is the icd 10 code for icd 9 250", [("250", False)]),
        ("Map 401.9 and 427.89 to ICD-10-CM", [("401.9", False), ("427.89", False)]),
    ],
)
def test_icd9_codes_are_read_in_every_phrasing(text, codes):
    # Given a crosswalk question, When it is read, Then its ICD-9-CM codes are found
    question = read_question(text)
    assert [(c.code, c.procedure) for c in question.icd9] == codes
    # And it is a crosswalk question, with no ICD-10 code read from the ICD-9-CM one
    assert kind_of(question, len(question.codes)) == "crosswalk"
    assert question.codes == []


@pytest.mark.parametrize(
    "text",
    [
        "What is R00.1?",
        "what does ICD-10 code E11.9 mean",
        "Can E11.9 be coded with E10.9?",
        "age 65 with diabetes",
        "BMI 40.5 code",
        "what is V45.81",  # an ICD-10-CM shape, and nothing says ICD-9
        "ICD-10 code for a fever of 102.5",  # about a fever, not ICD-9-CM 102.5
        "what is 250",  # a bare number
        "Which 7th character for a subsequent encounter for S62.101?",
    ],
)
def test_questions_about_icd10_are_not_read_as_icd9(text):
    assert icd9_codes_in(read_question(text).text) == []


def test_an_icd9_code_is_answered_with_its_icd10_code_linked_and_the_flag_explained(pilot):
    # When a member asks for the ICD-10 code of ICD-9 250.00
    answer = pilot.ask("What is the ICD-10 code for ICD-9 250.00?")
    # Then the answer names the mapped code with its title, from the catalog
    assert answer.evidence.kind == "crosswalk" and answer.evidence.answered
    assert "ICD-9-CM 250.00" in answer.text and DM2 in answer.text
    assert "E11.9 (Type 2 diabetes mellitus without complications)" in answer.text
    # And says what the approximate flag means, and cites the GEM file and the release
    assert "approximate" in answer.text and "not equivalent" in answer.text
    assert "CMS ICD-9-CM/ICD-10-CM GEMs" in answer.text
    assert "ICD-10-CM" in answer.text
    # And every ICD-10 code of the answer is a source linked to its page
    body = answer_body(answer)
    assert {(s["code"], s["url"]) for s in body["sources"] if s["kind"] == "code"} == {
        ("E11.9", "/code/icd10cm/E11.9")
    }
    crosswalk = body["details"]["crosswalk"]
    assert crosswalk["icd9"][0]["targets"][0]["url"] == "/code/icd10cm/E11.9"
    assert crosswalk["icd9"][0]["targets"][0]["approximate"] is True
    assert "approximate" in crosswalk["flags"]


def test_alternatives_and_combinations_are_told_apart(pilot):
    alternatives = pilot.ask("ICD-9 427.89 in ICD-10").text
    assert "one of these ICD-10-CM codes" in alternatives
    assert "- R00.0 (" in alternatives and "- R00.1 (" in alternatives
    combination = pilot.ask("convert 250.40 to icd10").text
    assert "combination" in combination
    assert "Scenario 1: list 1: E11.9 (" in combination and "list 2: I10 (" in combination


def test_no_map_is_said_plainly(pilot):
    answer = pilot.ask("GEM for 365.70")
    assert answer.evidence.answered
    assert "no ICD-10-CM equivalent" in answer.text and "no map" in answer.text
    assert answer.evidence.codes == []


def test_an_icd9_procedure_maps_to_icd10_pcs(pilot):
    answer = pilot.ask("ICD-10-PCS for ICD-9 procedure 51.23")
    assert [r.code for r in answer.evidence.codes] == ["0FT44ZZ"]
    assert "ICD-9-CM procedure 51.23" in answer.text and "ICD-10-PCS" in answer.text
    stent = pilot.ask("ICD-10-PCS for ICD-9 procedure 36.06")
    assert "no ICD-10-PCS equivalent" in stent.text


def test_a_number_that_is_no_icd9_code_is_said_to_be_none_and_nothing_is_guessed(pilot):
    # When the number is no ICD-9-CM code
    answer = pilot.ask("What is the ICD-10 code for ICD-9 250.99?")
    # Then CasePilot says so, and maps nothing
    assert answer.evidence.kind == "crosswalk" and not answer.evidence.answered
    assert "There is no ICD-9-CM code 250.99" in answer.text
    assert answer.evidence.codes == []
    # And a category is answered with the complete codes under it
    category = pilot.ask("icd-9 250.0 to icd-10")
    assert "250.0 is a category" in category.text
    assert "250.00 (" in category.text and "250.01 (" in category.text


def test_an_icd9_shaped_code_icd10_lacks_is_taken_as_icd9(pilot):
    # "V45.81" reads as ICD-10-CM too; ICD-10-CM has no such code, ICD-9-CM does
    answer = pilot.ask("What is the ICD-10 code for V45.81?")
    assert answer.evidence.kind == "crosswalk"
    assert "Aortocoronary bypass status" in answer.text
    assert [r.code for r in answer.evidence.codes] == ["I10"]


def test_without_the_gems_casepilot_says_they_are_not_loaded(catalog):
    pilot = CasePilot(catalog, FakeCandidates(catalog), FakeGuidelines([]), lambda s, w: [])
    answer = pilot.ask("ICD-9 250.00 in ICD-10")
    assert answer.evidence.kind == "crosswalk" and not answer.evidence.answered
    assert "not loaded" in answer.text
