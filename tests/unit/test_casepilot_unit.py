"""CasePilot on the in-memory fakes: the evidence it gathers for each kind of question, the
deterministic answer written from it, and what the api presents. Milliseconds, no index."""

from __future__ import annotations

import pytest

from coderef.api.presenters.assistant import answer_body
from coderef.assistant.casepilot import CasePilot
from coderef.assistant.guidelines import GuidelinePassage, GuidelineSource
from coderef.errors import InvalidInput
from tests.fakes import FakeCandidates, FakeGuidelines

PCS = GuidelineSource("icd10pcs", "ICD-10-PCS Official Guidelines", "CMS", "test passages")
EXCISION = GuidelinePassage(PCS, "B3.8", "Root Operation", "Excision vs Resection", "Text.")


@pytest.fixture
def pilot(catalog) -> CasePilot:
    def near(system: str, written: str) -> list[dict]:
        return [{"system": "icd10cm", "code": "R00.1", "title": "Bradycardia, unspecified"}]

    return CasePilot(catalog, FakeCandidates(catalog), FakeGuidelines([EXCISION]), near)


def test_a_code_is_defined_from_its_record(pilot):
    answer = pilot.ask("What is R00.1?")
    assert answer.evidence.kind == "define" and answer.evidence.answered
    assert [r.code for r in answer.evidence.codes] == ["R00.1"]
    assert "Bradycardia, unspecified" in answer.text
    assert answer.composer == "deterministic"


def test_the_presented_answer_links_each_code_and_its_release(pilot):
    body = answer_body(pilot.ask("What is R00.1?"))
    card = body["details"]["codes"][0]
    assert card["url"] == "/code/icd10cm/R00.1"
    assert card["release"]["id"] == "icd10cm-2026-04"
    kinds = [s["kind"] for s in body["sources"]]
    assert kinds == ["code", "release"]


def test_an_unknown_code_is_said_to_be_missing_with_codes_near_it(pilot):
    answer = pilot.ask("What is R00.9?")
    assert answer.evidence.kind == "code_not_found" and not answer.evidence.answered
    assert "R00.9 is not a code in the loaded ICD-10-CM" in answer.text
    body = answer_body(answer)
    assert body["suggestions"][0]["url"] == "/?q=R00.9"
    assert body["details"]["missing"][0]["near"][0]["url"] == "/code/icd10cm/R00.1"


def test_two_codes_are_compared(pilot):
    answer = pilot.ask("Difference between I10 and I11.9")
    assert answer.evidence.kind == "compare"
    assert {r.code for r in answer.evidence.codes} == {"I10", "I11.9"}


def test_codes_for_a_condition_come_from_the_candidate_source(pilot):
    answer = pilot.ask("Codes for bradycardia")
    assert answer.evidence.kind == "codes_for"
    assert [c.code for c in answer.evidence.candidates][:1] == ["R00.1"]


def test_a_guideline_question_cites_the_passage(pilot):
    body = answer_body(pilot.ask("Excision vs resection: what does the guideline say?"))
    assert body["details"]["passages"][0]["url"] == "/guidelines/icd10pcs/B3.8"


def test_an_empty_question_is_refused_before_anything_is_read(pilot, catalog):
    with pytest.raises(InvalidInput):
        pilot.ask("   ")
    assert catalog.reads == 0
