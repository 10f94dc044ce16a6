from coderef.search.sqlite_fts import has_fts5
from coderef.search.text import clean_query, edit_distance, synonyms


def test_the_sqlite_module_used_for_search_has_fts5():
    assert has_fts5()


def test_queries_lose_control_characters_and_accents_and_are_capped():
    assert clean_query("  bradycardie\x00\x1b  vagale ") == "bradycardie vagale"
    assert clean_query("Ménière") == "Meniere"
    assert len(clean_query("x" * 5000)) == 200


def test_edit_distance_counts_a_transposition_as_one_edit():
    assert edit_distance("hypertensoin", "hypertension") == 1
    assert edit_distance("brady", "bradycardia") > 3


def test_the_synonym_list_parses_and_covers_common_abbreviations_and_lay_words():
    table = synonyms()
    assert ("congestive", "heart", "failure") in table[("chf",)]
    assert ("hypertension",) in table[("htn",)]
    assert ("deep", "vein", "thrombosis") in table[("dvt",)]
    assert ("renal", "failure") in table[("kidney", "failure")]
    assert ("diabetes", "mellitus") in table[("sugar", "diabetes")]
    # No entry maps a phrase to itself.
    assert all(key not in alts for key, alts in table.items())
