from coderef.catalog.plain_language import compose
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
