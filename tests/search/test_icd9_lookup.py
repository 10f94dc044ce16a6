"""The GEMs' ICD-9-CM side in the search index: the forward rows the live code pages carry,
turned around, so CasePilot finds the ICD-10 codes for an ICD-9-CM code in one indexed read."""

from __future__ import annotations

from coderef.catalog.records import CodeRecord, Crosswalk
from coderef.search.engine import SearchIndex
from coderef.search.index_build import build_index


def _record(system: str, code: str, title: str, *rows: Crosswalk) -> CodeRecord:
    return CodeRecord(
        system=system,
        code=code,
        key=code.replace(".", ""),
        kind="code",
        billable=True,
        title=title,
        description=title,
        release=f"{system}-2026",
        crosswalks=list(rows),
    )


def test_an_icd9_code_finds_the_icd10_codes_whose_pages_list_it(tmp_path):
    # Given live records whose pages carry forward GEM rows, and CMS's list of ICD-9-CM codes
    records = [
        _record(
            "icd10cm", "E11.9", "Type 2 diabetes mellitus without complications",
            Crosswalk("from_icd9", "250.00", "Diabetes type II", approximate=1),
            Crosswalk("to_icd9", "250.00", "Diabetes type II", approximate=1),
        ),
        _record(
            "icd10cm", "E11.21", "Type 2 diabetes mellitus with diabetic nephropathy",
            Crosswalk("from_icd9", "250.40", "Diabetes with renal", 1, 0, 1, 1, 1),
        ),
        _record(
            "icd10cm", "N08", "Glomerular disorders in diseases classified elsewhere",
            Crosswalk("from_icd9", "250.40", "Diabetes with renal", 1, 0, 1, 1, 2),
        ),
        _record("icd10pcs", "0FT44ZZ", "Resection of Gallbladder, Perc Endo Approach",
                Crosswalk("from_icd9", "51.23", "Laparoscopic cholecystectomy")),
    ]  # fmt: skip
    icd9 = [
        ("250.00", False, "Diabetes type II", False),
        ("250.01", False, "Diabetes type I", False),
        ("365.70", False, "Glaucoma stage, unspecified", True),
        ("36.06", True, "Insertion of non-drug-eluting coronary artery stent(s)", True),
    ]
    path = tmp_path / "search.db"
    build_index(records, path, "test", icd9_codes=icd9)
    index = SearchIndex(path)
    # When CasePilot asks for 250.00, Then it gets E11.9 with the row's flag
    found = index.icd9("250.00", procedure=False)
    assert found is not None and found.title == "Diabetes type II" and not found.no_map
    assert [(t.code, t.approximate) for t in found.targets] == [("E11.9", True)]
    # And a combination keeps its scenario and choice lists
    combo = index.icd9("250.40", procedure=False)
    assert combo is not None
    assert combo.scenarios() == {1: {1: [combo.targets[0]], 2: [combo.targets[1]]}}
    assert [t.code for t in combo.targets] == ["E11.21", "N08"]
    # And procedures are their own namespace, mapped to ICD-10-PCS
    lap = index.icd9("51.23", procedure=True)
    assert lap is not None and lap.targets[0].system == "icd10pcs"
    assert index.icd9("51.23", procedure=False) is None
    # And "no map" codes are known, with nothing to map to
    stent = index.icd9("36.06", procedure=True)
    assert stent is not None and stent.no_map and stent.targets == ()
    # And a number ICD-9-CM lacks is None; a category lists the codes under it
    assert index.icd9("250.99", procedure=False) is None
    assert [c.code for c in index.icd9_under("250.0", procedure=False)] == ["250.00", "250.01"]
    # And the backward rows (ICD-10 to ICD-9) are not read as forward ones
    assert index.icd9("250.01", procedure=False).targets == ()
