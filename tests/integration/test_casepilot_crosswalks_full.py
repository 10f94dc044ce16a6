"""CasePilot's crosswalk answers on the whole bundled data: CMS's GEMs as the code pages show
them, turned around in the search index (issue 16, item 4)."""

import pytest

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.assistant import answer_body
from coderef.api.services import Services

pytestmark = pytest.mark.fullrelease


@pytest.fixture(scope="module")
def services(full_release):
    return Services(settings=full_release, catalog=SqliteCatalog(full_release.catalog_path))


def ask(services, question):
    return answer_body(services.casepilot.ask(question))


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("What is the ICD-10 code for ICD-9 250.00?", ["E11.9"]),
        ("convert 250.00 to icd10", ["E11.9"]),
        ("GEM for V45.81", ["Z95.1"]),
        ("ICD-9 E880.9 in ICD-10", ["W10.8XXA"]),
        ("ICD-9 820.8 in ICD-10", ["S72.009A"]),
        ("ICD-10-PCS code for ICD-9 procedure 51.23", ["0FT44ZZ"]),
    ],
)
def test_an_icd9_code_is_answered_with_the_icd10_codes_its_gem_names(services, question, codes):
    # When a member asks for the ICD-10 equivalent of an ICD-9-CM code
    body = ask(services, question)
    # Then CasePilot answers from the GEMs with the mapped codes, each a linked source
    assert body["kind"] == "crosswalk" and body["answered"]
    assert [c["code"] for c in body["details"]["codes"]] == codes
    linked = {s["code"]: s["url"] for s in body["sources"] if s["kind"] == "code"}
    for code in codes:
        assert code in body["answer"]
        assert linked[code].endswith(f"/{code}")
    assert "Source: CMS" in body["answer"]


def test_the_answer_agrees_with_the_code_page_crosswalk(services):
    # Given what E11.9's page lists as ICD-9-CM codes mapping to it (forward GEM)
    page = services.lookup.record("icd10cm", "E11.9")
    forward = {c.code for c in page.crosswalks if c.direction == "from_icd9"}
    assert "250.00" in forward
    # Then asking about 250.00 names E11.9, with the approximate flag the page shows
    body = ask(services, "ICD-9 250.00 in ICD-10")
    target = body["details"]["crosswalk"]["icd9"][0]["targets"][0]
    row = next(c for c in page.crosswalks if c.direction == "from_icd9" and c.code == "250.00")
    assert (target["code"], target["approximate"]) == ("E11.9", bool(row.approximate))
    assert "approximate" in body["answer"]


def test_a_combination_lists_its_scenario_and_choice_lists(services):
    body = ask(services, "ICD-9 073.0 in ICD-10")
    assert "combination" in body["answer"]
    assert "Scenario 1: list 1: A70 (" in body["answer"] and "list 2: J17 (" in body["answer"]


def test_a_no_map_procedure_is_said_to_have_no_equivalent(services):
    body = ask(services, "ICD-10-PCS for ICD-9 procedure 36.06")
    assert (
        body["answered"] and body["details"]["codes"] == [] if "codes" in body["details"] else True
    )
    assert "no ICD-10-PCS equivalent" in body["answer"] and "no map" in body["answer"]


def test_a_number_no_icd9_list_has_is_said_to_be_none(services):
    body = ask(services, "What is the ICD-10 code for ICD-9 250.99?")
    assert body["kind"] == "crosswalk" and not body["answered"]
    assert "There is no ICD-9-CM code 250.99" in body["answer"]
    category = ask(services, "icd 9 250.0 to icd 10")
    assert "250.0 is a category" in category["answer"] and "250.00 (" in category["answer"]
