"""Case2Code on the in-memory fakes: phrases found in a note, denied ones excluded, the side
and the 7th character read from the note. Milliseconds, no index."""

from __future__ import annotations

import pytest

from coderef.api.presenters.assistant import reading_body
from coderef.assistant.case2code import Case2Code
from coderef.errors import InvalidInput, NoteTooLong
from tests.fakes import FakeCandidates


@pytest.fixture
def case2code(catalog) -> Case2Code:
    return Case2Code(catalog, FakeCandidates(catalog))


def test_a_finding_gets_candidates_and_a_denied_one_is_excluded(case2code):
    note = "Patient reports palpitations. Denies cough."
    reading = case2code.suggest(note, ["icd10cm"])
    found = {f.text: f for f in reading.findings}
    assert "palpitations" in found
    assert found["palpitations"].kind == "condition"
    assert [s.candidate.code for s in found["palpitations"].suggestions][:1] == ["R00.2"]
    assert [e.text for e in reading.excluded] == ["cough"]


def test_the_presented_reading_keeps_places_in_the_note_and_links(case2code):
    note = "Patient reports palpitations."
    body = reading_body(case2code.suggest(note, ["icd10cm"]))
    finding = body["findings"][0]
    assert note[finding["start"] : finding["end"]] == finding["text"]
    assert finding["candidates"][0]["url"] == "/code/icd10cm/R00.2"
    assert body["releases"][0]["system"] == "icd10cm"


def test_a_procedure_is_a_procedure(case2code):
    reading = case2code.suggest("Resection of gallbladder, open approach.", ["icd10pcs"])
    assert reading.findings and reading.findings[0].kind == "procedure"


def test_an_empty_or_too_long_note_is_refused(case2code):
    with pytest.raises(InvalidInput):
        case2code.suggest("  ")
    with pytest.raises(NoteTooLong):
        case2code.suggest("x" * 100_000)
