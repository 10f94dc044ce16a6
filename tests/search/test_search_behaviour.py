"""Search behaviour on the fixture catalog: code forms, words, synonyms, typos, ranking."""

import shutil

import pytest

from coderef.search.engine import SearchIndex
from coderef.search.index_build import build_index


@pytest.fixture(scope="module")
def index(fixture_settings):
    return SearchIndex(fixture_settings.index_path)


def codes(page):
    return [h.code for h in page.results]


@pytest.mark.parametrize("typed", ["R00.1", "r001", "R001", "r00.1"])
def test_a_code_in_any_form_finds_that_code_first(index, typed):
    assert codes(index.search(typed))[0] == "R00.1"


def test_a_category_comes_first_then_its_children(index):
    assert codes(index.search("R00")) == ["R00", "R00.0", "R00.1", "R00.2"]


def test_partial_codes_work_as_prefixes(index):
    assert codes(index.search("0FT4")) == ["0FT40ZZ", "0FT44ZZ"]
    assert codes(index.search("S02.0XXA")) == ["S02.0XXA"]
    assert codes(index.search("0FT44ZZ")) == ["0FT44ZZ"]


def test_words_in_any_order_and_stemmed_forms_match(index):
    assert codes(index.search("bradycardia vagal"))[0] == "R00.1"
    assert "S62.101" in codes(index.search("fractures carpal"))


def test_inclusion_terms_find_a_code_but_rank_below_titles(index):
    assert codes(index.search("slow heart beat"))[0] == "R00.1"
    page = index.search("tachycardia")
    assert codes(page)[0] == "R00.0"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("CHF", "I50.9"),
        ("htn", "I10"),
        ("high blood pressure", "I10"),
        ("sugar diabetes", "E08-E13"),
        ("heart failure", "I50.9"),
    ],
)
def test_lay_words_and_abbreviations_find_the_official_code(index, typed, expected):
    assert codes(index.search(typed))[0] == expected


def test_a_typo_gets_a_did_you_mean_and_its_results(index):
    page = index.search("hypertensoin")
    assert page.did_you_mean == "hypertension"
    assert codes(page)[0] == "I10"


def test_nonsense_finds_nothing_and_offers_no_correction(index):
    page = index.search("qwxzv")
    assert page.total == 0 and page.results == [] and page.did_you_mean is None


def test_billable_codes_lead_codes_that_are_as_relevant(index):
    results = index.search("diabetes type").results
    first_non_billable = next(i for i, h in enumerate(results) if not h.billable)
    assert all(h.billable for h in results[:first_non_billable])
    assert first_non_billable >= 1


def test_the_system_filter_keeps_one_system(index):
    assert {h.system for h in index.search("open approach", system="icd10pcs").results} == {
        "icd10pcs"
    }
    assert index.search("gallbladder", system="icd10cm").total == 0


def test_paging_walks_through_results_without_overlap(index):
    first = codes(index.search("S0", limit=3, offset=0))
    second = codes(index.search("S0", limit=3, offset=3))
    assert len(first) == 3 and len(second) == 3 and not set(first) & set(second)


def test_suggest_completes_the_last_word(index):
    assert codes(index.suggest("brady"))[0] == "R00.1"
    assert codes(index.suggest("gallbl", system="icd10pcs"))[:2] == ["0FT40ZZ", "0FT44ZZ"]


@pytest.mark.parametrize(
    "syntax", ['"', "AND", "NOT OR (", "col:val", "*", "'; DROP", "NEAR(a b)", "^", "-"]
)
def test_search_syntax_in_user_input_is_read_as_plain_text(index, syntax):
    # Given a word that finds a code, with full-text query syntax before or after it
    # When it is searched
    # Then the syntax neither raises nor changes the query: the code still comes first
    assert codes(index.search(f"bradycardia {syntax}"))[0] == "R00.1"
    assert codes(index.search(f"{syntax} bradycardia"))[0] == "R00.1"
    # And where anything is suggested, the code the typed word completes to comes first
    # (codes matching only the syntax's words, such as "not", may follow as partial matches)
    suggested = codes(index.suggest(f"{syntax} brady"))
    assert suggested[:1] in ([], ["R00.1"])


def test_a_stray_word_no_code_has_leaves_the_codes_matching_the_rest(index):
    # Given a query with one word no code has and no correction fits
    page = index.search("vagal bradycardia zqxj")
    # Then the codes matching the other words are listed, not nothing
    assert codes(page)[0] == "R00.1"


@pytest.mark.parametrize(
    "typed, corrected, first",
    [
        ("bradycardia vagl", "bradycardia vagal", "R00.1"),
        ("heart failer congestive", "heart failure congestive", "I50.9"),
    ],
)
def test_a_typo_in_any_word_of_a_phrase_is_corrected(index, typed, corrected, first):
    page = index.search(typed)
    assert page.did_you_mean == corrected
    assert codes(page)[0] == first


def test_paging_through_words_neither_repeats_nor_skips_a_code(index):
    # Given a word many codes match
    whole = codes(index.search("fracture", limit=40))
    assert len(whole) >= 8
    # When the same results are read a page at a time
    paged = [
        c
        for offset in range(0, 40, 4)
        for c in codes(index.search("fracture", limit=4, offset=offset))
    ]
    # Then the pages hold the same codes in the same order
    assert paged == whole


def test_a_kept_answer_is_the_answer_worked_out_afresh(fixture_settings):
    # Given one index read with its result cache and one without
    kept = SearchIndex(fixture_settings.index_path, cache_size=8)
    fresh = SearchIndex(fixture_settings.index_path, cache_size=0)
    for query in ["bradycardia", "heart failure", "R00", "hypertensoin", "qwxzv"]:
        first = kept.search(query).to_dict()
        # When a query is asked again, and changing what a caller got changes nothing
        kept.search(query).results.clear()
        # Then it gets the same page as an index working it out afresh
        assert kept.search(query).to_dict() == first == fresh.search(query).to_dict()
    assert kept.suggest("brady").to_dict() == fresh.suggest("brady").to_dict()


@pytest.mark.parametrize("cache_size", [8, 0])
def test_kept_answers_are_dropped_when_the_index_file_is_replaced(
    fixture_settings, tmp_path, cache_size
):
    # Given an index (keeping answers, or working each out afresh) that has answered a query
    path = tmp_path / "search.db"
    shutil.copy(fixture_settings.index_path, path)
    index = SearchIndex(path, cache_size=cache_size)
    assert codes(index.search("bradycardia"))[0] == "R00.1"
    # When an import renames a new index (holding no codes) into its place
    build_index([], path)
    # Then the same query is answered from the new file, not from memory
    assert index.search("bradycardia").total == 0
