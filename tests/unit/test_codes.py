import pytest

from coderef.catalog.codes import display_code, looks_like_code, normalize_code, resolve_system
from coderef.errors import InvalidInput, UnknownSystem


@pytest.mark.parametrize("typed", ["R00.1", "r001", "R001", " r00.1 ", "R00 .1"])
def test_any_typed_form_of_a_code_gives_one_key(typed):
    # Given a code typed in any case, with or without its dot
    # When it is normalized
    # Then every form gives the same storage key
    assert normalize_code(typed) == "R001"


@pytest.mark.parametrize("bad", ["", "   ", "R00.1;DROP", "../etc", "R" * 17, "R00/1"])
def test_malformed_codes_are_refused_with_a_clear_error(bad):
    with pytest.raises(InvalidInput) as err:
        normalize_code(bad)
    assert "code" in err.value.message


def test_display_form_puts_the_dot_after_the_category_only_for_icd10cm():
    assert display_code("icd10cm", "S62101A") == "S62.101A"
    assert display_code("icd10cm", "R00") == "R00"
    assert display_code("icd10cm", "E08-E13") == "E08-E13"
    assert display_code("icd10pcs", "0FT44ZZ") == "0FT44ZZ"


@pytest.mark.parametrize("text", ["R00.1", "r00", "S62.101A", "0FT44ZZ", "QA0", "0FT4"])
def test_code_shaped_queries_are_recognised(text):
    assert looks_like_code(text)


@pytest.mark.parametrize("text", ["chf", "heart failure", "htn", "hypertension", "a"])
def test_word_queries_are_not_taken_for_codes(text):
    assert not looks_like_code(text)


def test_systems_resolve_from_common_spellings_and_unknown_ones_are_refused():
    assert resolve_system("ICD-10-CM").id == "icd10cm"
    assert resolve_system("pcs").id == "icd10pcs"
    with pytest.raises(UnknownSystem):
        resolve_system("cpt4")
