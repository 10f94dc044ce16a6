"""CasePilot and Case2Code on the whole bundled data: every example of issue 15's "what goes
wrong today", and the evaluation set's targets. One import per module (about a minute)."""

import pytest

from bench import assistant_eval
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.services import Services
from coderef.codesets.pipeline import ensure_bundled
from coderef.settings import Settings

pytestmark = pytest.mark.fullrelease


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("assistant-full")
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(data_dir)})
    catalog = SqliteCatalog(settings.catalog_path)
    ensure_bundled(catalog, settings.index_path, None)
    return Services(settings=settings, catalog=catalog)


def read(services, text, setting=None):
    from coderef.api.presenters.assistant import reading_body

    return reading_body(services.case2code.suggest(text, setting=setting))


def firsts(result):
    return {f["text"]: f["candidates"][0]["code"] for f in result["findings"] if f["candidates"]}


def all_codes(result):
    return {c["code"] for f in result["findings"] for c in f["candidates"]} | {
        c["code"] for s in result["coding_sets"] for c in s["codes"]
    }


def ask(services, question):
    from coderef.api.presenters.assistant import answer_body

    return answer_body(services.casepilot.ask(question))


# -- Case2Code ----------------------------------------------------------------------------


def test_a_long_opening_keeps_type_2_diabetes(services):
    note = "58-year-old man with type 2 diabetes and essential hypertension presents for a checkup."
    assert firsts(read(services, note)) == {
        "type 2 diabetes": "E11.9",
        "essential hypertension": "I10",
    }


def test_a_combination_phrase_keeps_its_type(services):
    assert firsts(read(services, "Type 2 diabetes with polyneuropathy.")) == {
        "Type 2 diabetes with polyneuropathy": "E11.42"
    }


@pytest.mark.parametrize(
    "note, first",
    [
        ("Septic shock.", "R65.21"),  # not T81.12, postprocedural
        ("Primary osteoarthritis of the right hip.", "M16.11"),  # not M19.011, the shoulder
        # not Q65.89, congenital: the unspecified neck of femur, as the subcategory or its code
        ("Femoral neck fracture.", "S72.00"),
    ],
)
def test_the_code_that_fits_the_phrase_ranks_first(services, note, first):
    assert next(iter(firsts(read(services, note)).values())).startswith(first)


def test_history_and_family_history_go_to_their_z_codes(services):
    result = read(
        services,
        "History of breast cancer. Family history of bipolar disorder. History of MI 2019.",
    )
    got = {f["text"]: (f["status"], f["candidates"][0]["code"]) for f in result["findings"]}
    assert got == {
        "breast cancer": ("history", "Z85.3"),
        "bipolar disorder": ("family_history", "Z81.8"),
        "MI": ("history", "I25.2"),
    }
    # The active conditions' codes are never offered
    assert not {c for c in all_codes(result) if c.startswith(("C50", "C79", "F31", "I21"))}
    # The old MI's code follows the Excludes2 note at Z86.7
    note = result["findings"][2]["candidates"][0]["note"]
    assert note["on"] == "Z86.7" and "old myocardial infarction (I25.2)" in note["text"]


def test_context_pmh_uncertain_past_procedure_and_encounter(services):
    note = (
        "PMH: hypertension on lisinopril. Cough. R/o pneumonia. Appendectomy done ten days "
        "ago. Initial encounter for closed Colles fracture of the left radius."
    )
    result = read(services, note)
    # A chronic condition under treatment is current
    assert firsts(result)["hypertension"] == "I10"
    # The uncertain diagnosis is reported as uncertain, not dropped, and not coded
    excluded = {e["text"]: e["status"] for e in result["excluded"]}
    assert excluded["pneumonia"] == "uncertain"
    assert excluded["Appendectomy"] == "past_procedure"
    assert not {c for c in all_codes(result) if c.startswith(("J18", "0DTJ"))}
    # The named encounter gives the full code
    assert firsts(result)["Colles fracture of the left radius"] == "S52.532A"


def test_linked_conditions_come_back_as_ordered_sets(services):
    result = read(services, "Type 2 diabetes with stage 4 chronic kidney disease.")
    codes = [c["code"] for c in result["coding_sets"][0]["codes"]]
    assert codes == ["E11.22", "N18.4"]
    assert result["coding_sets"][0]["codes"][0]["note"]["kind"] == "code_first"
    result = read(services, "Hypertension and chronic kidney disease stage 3a.")
    assert [c["code"] for c in result["coding_sets"][0]["codes"]] == ["I12.9", "N18.31"]
    result = read(services, "Anemia in chronic kidney disease. CKD stage 3b.")
    assert [c["code"] for c in result["coding_sets"][0]["codes"]] == ["N18.32", "D63.1"]


# -- CasePilot ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, codes",
    [
        ("E11.22 with N18.4", ["E11.22", "N18.4"]),
        ("How do I code hypertension with CKD stage 3a?", ["I12.9", "N18.31"]),
        ("sepsis due to E. coli with septic shock", ["A41.51", "R65.21"]),
    ],
)
def test_combination_questions_are_answered_with_an_ordered_set(services, question, codes):
    answer = ask(services, question)
    assert answer["answered"]
    assert [c["code"] for c in answer["details"]["coding_set"]] == codes


@pytest.mark.parametrize(
    "question, first",
    [
        ("PCS code for laparoscopic cholecystectomy", "0FT44ZZ"),
        ("closed Colles fracture of the left wrist", "S52.532A"),
    ],
)
def test_described_procedures_and_injuries_are_found(services, question, first):
    answer = ask(services, question)
    assert answer["details"]["candidates"][0]["code"] == first


def test_i10_with_n18_4_is_coded_as_hypertensive_ckd(services):
    answer = ask(services, "Can I code I10 with N18.4?")
    assert answer["details"]["verdict"] == "combination"
    assert [c["code"] for c in answer["details"]["coding_set"]] == ["I12.9", "N18.4"]
    assert answer["answer"].startswith("Not as I10 and N18.4")


def test_a_without_complications_code_is_not_reported_beside_a_complication(services):
    answer = ask(services, "Can E11.9 be coded with E11.65?")
    assert answer["details"]["verdict"] == "without_complications"
    assert answer["answer"].startswith("No: report E11.65 alone.")


def test_what_to_code_first_quotes_the_code_first_note(services):
    answer = ask(services, "What should be coded first with D63.1?")
    assert answer["kind"] == "sequence"
    notes = answer["details"]["instructions"]
    assert notes[0]["kind"] == "code_first" and "(N18.-)" in notes[0]["text"]
    assert "N18" in answer["answer"]


def test_cpt_is_said_not_to_be_loaded(services):
    answer = ask(services, "What is CPT code 99213?")
    assert answer["kind"] == "code_set_not_loaded"
    assert "CPT codes are not loaded" in answer["answer"]


def test_the_evaluation_set_meets_its_targets(services):
    result = assistant_eval.run(services)
    assert result["all_hits"] >= 0.9 * result["all_expected"]
    assert result["questions"]["invented"] == result["notes"]["invented"] == 0
    assert result["notes"]["as_current"] == 0
    assert result["questions"]["said"] == result["questions"]["says"]
