"""The search evaluation set parses and the quality benchmark runs (on the fixture index here;
`make bench` runs it on the full data). Scores are reported by the benchmark, not asserted."""

from __future__ import annotations

from bench import search_quality
from coderef.search.engine import SearchIndex


def test_the_evaluation_set_has_enough_realistic_queries_of_both_systems():
    cases = search_quality.load()
    assert len(cases) >= 150
    assert {c.system for c in cases} == {"icd10cm", "icd10pcs"}
    assert len({c.query for c in cases}) == len(cases)  # no query counted twice


def test_accepted_codes_match_exactly_or_as_prefixes():
    case = search_quality.Case("ringing in ears", "icd10cm", ("H93.1-", "R04.0"))
    assert case.accepts("H93.13") and case.accepts("H93.1") and case.accepts("R04.0")
    assert not case.accepts("H93.2") and not case.accepts("R04.01")
    assert search_quality.Case("q", None, ("V03.-",)).accepts("V03")


def test_the_benchmark_reports_hit_rates_and_mrr(fixture_settings):
    # Given the fixture index and two queries it can answer
    index = SearchIndex(fixture_settings.index_path)
    cases = [
        search_quality.Case("vagal bradycardia", "icd10cm", ("R00.1",)),
        search_quality.Case("qwxzv", "icd10cm", ("R00.1",)),
    ]
    # When the benchmark evaluates them
    result = search_quality.evaluate(index, cases)
    # Then the first is a hit at rank one and the second a miss
    assert result["hit@1"] == result["hit@5"] == result["mrr"] == 0.5
    assert [case.query for case, _, _ in result["misses"]] == ["qwxzv"]


def test_the_score_history_parses_with_the_first_row_before_this_work():
    rows = search_quality.history()
    assert rows and rows[0]["commit"] == "d31e3f6"
    assert all(0 <= float(r["hit@1"]) <= float(r["hit@5"]) <= 1 for r in rows)
