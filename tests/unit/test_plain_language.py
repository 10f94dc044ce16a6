from coderef.catalog.plain_language import common_words, compose
from coderef.catalog.records import Ancestor, CodeRecord
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.codesets.icd10pcs_coder_db import read_database
from tests.conftest import CM_FIXTURE
from tests.fixtures.pcs import write_pcs_db


def test_icd10cm_text_uses_inclusion_terms_and_names_the_hierarchy():
    by_key = {r.key: r for r in read_tabular(CM_FIXTURE)[1]}
    text = compose(by_key["R001"])
    assert "Also known as: Sinoatrial bradycardia; Sinus bradycardia" in text
    assert "category R00 (Abnormalities of heart beat)" in text
    assert "chapter 18" in text
    assert "may be reported on its own" in text


def test_a_stem_says_a_seventh_character_is_needed_and_a_full_code_says_which():
    by_key = {r.key: r for r in read_tabular(CM_FIXTURE)[1]}
    assert "add a 7th character" in compose(by_key["S020"])
    assert "7th character, A, means initial encounter for closed fracture" in compose(
        by_key["S020XXA"]
    )


def test_icd10pcs_text_reads_each_axis_from_the_official_definitions(tmp_path):
    by_key = {r.key: r for r in read_database(write_pcs_db(tmp_path / "p.db"))[1]}
    text = compose(by_key["0FT44ZZ"])
    assert text.startswith("This procedure is a resection: cutting out or off")
    assert "gallbladder (hepatobiliary system and pancreas)" in text
    assert "percutaneous endoscopic, meaning entry, by puncture" in text
    # Guideline B6.1b: "No device" means no device value is coded, not that nothing stays
    assert "No device value is coded" in text
    assert "left in place" not in text


def _code(code: str, title: str, ancestors=(), notes=None, billable=True) -> CodeRecord:
    return CodeRecord(
        system="icd10cm",
        code=code,
        key=code.replace(".", ""),
        kind="code",
        billable=billable,
        title=title,
        description=title,
        release="icd10cm-2026-04",
        ancestors=list(ancestors),
        notes=notes or {},
    )


def test_a_manifestation_code_is_never_first_and_names_what_comes_first():
    g = _code("G63", "Polyneuropathy in diseases classified elsewhere")
    g.notes["code_first"] = ["underlying disease, such as: amyloidosis (E85.-)"]
    text = compose(g)
    assert "never listed first" in text
    assert "amyloidosis (E85.-)" in text
    assert "may be reported on its own" not in text


def test_a_code_first_note_on_the_category_binds_the_code_below():
    category = _code("D63", "Anemia in chronic diseases classified elsewhere", billable=False)
    category.kind = "category"
    category.notes["code_first"] = ["underlying disease"]
    code = _code("D63.1", "Anemia in chronic kidney disease", [Ancestor("D63", "x", "category")])
    text = compose(code, [category])
    assert "never" in text and "underlying disease" in text
    assert "may be reported on its own" not in text


def test_an_external_cause_code_is_secondary_only():
    text = compose(_code("W01.0XXA", "Fall on same level from slipping, initial encounter"))
    assert "secondary only" in text and "never the first-listed" in text
    assert "may be reported on its own" not in text


def test_instructions_written_as_inclusion_terms_are_not_other_names():
    z = _code(
        "Z85.3",
        "Personal history of malignant neoplasm of breast",
        notes={"inclusion_terms": ["Conditions classifiable to C50.-"]},
    )
    o = _code(
        "O80",
        "Encounter for full-term uncomplicated delivery",
        notes={
            "inclusion_terms": [
                "Delivery requiring minimal or no assistance. This code is for use as a single "
                "diagnosis code"
            ]
        },
    )
    assert "Also known as" not in compose(z)
    assert "It also covers: Conditions classifiable to C50.-." in compose(z)
    # O80's one term holds a name and an instruction: each goes where it belongs
    assert "Also known as: Delivery requiring minimal or no assistance." in compose(o)
    assert "Instruction: This code is for use as a single diagnosis code." in compose(o)


def test_proper_nouns_keep_the_capital_the_official_title_gives_them():
    words = common_words([_code("A00", "Other acute fracture"), _code("A01", "Acute fracture")])
    assert "Colles' fracture of right radius" in compose(
        _code("S52.531", "Colles' fracture of right radius"), words=words
    )
    assert "West Nile virus infection" in compose(
        _code("A92.30", "West Nile virus infection, unspecified"), words=words
    )
    assert "code for acute fracture" in compose(_code("S00.1", "Acute fracture"), words=words)


def test_the_hierarchy_reads_naturally_and_skips_a_one_category_block():
    code = _code(
        "O09.523",
        "Supervision of elderly multigravida, third trimester",
        [
            Ancestor("15", "Pregnancy, childbirth and the puerperium (O00-O9A)", "chapter"),
            Ancestor("O09-O09", "Supervision of high risk pregnancy (O09)", "block"),
            Ancestor("O09", "Supervision of high risk pregnancy", "category"),
        ],
    )
    text = compose(code)
    assert (
        "It comes under category O09 (Supervision of high risk pregnancy), within chapter 15 "
        "(Pregnancy, childbirth and the puerperium)." in text
    )
    assert "O09-O09" not in text


def test_a_pcs_removal_names_the_device_taken_out(tmp_path):
    by_key = {r.key: r for r in read_database(write_pcs_db(tmp_path / "p.db"))[1]}
    texts = [compose(r) for r in by_key.values() if r.axes]
    assert all("left in place as part of the procedure" not in t for t in texts)
