"""Licence notices a page must carry, decided from the record alone."""

from __future__ import annotations

import re

from coderef.catalog.records import CodeRecord
from coderef.catalog.systems import SYSTEMS

# HCPCS Level II dental codes (D0100-D9999) are the ADA's Current Dental Terminology.
ADA_CDT_NOTICE = (
    "Dental procedure codes D0100-D9999 and their descriptors are Current Dental Terminology "
    "(CDT), copyright American Dental Association. All rights reserved."
)

# Shown on CPT pages when the operator has not configured the notice their AMA licence asks for.
DEFAULT_CPT_NOTICE = (
    "CPT codes and descriptors are copyright American Medical Association. All rights "
    "reserved. CPT is a registered trademark of the American Medical Association."
)

_DENTAL_CODE = re.compile(r"^D[0-9]{4}$")


def licence_notice(record: CodeRecord, cpt_notice: str | None = None) -> str | None:
    """The notice for this record's page, or None where the text is public domain."""
    if SYSTEMS[record.system].copyrighted:
        return cpt_notice or DEFAULT_CPT_NOTICE
    if record.system == "hcpcs" and _DENTAL_CODE.match(record.key):
        return ADA_CDT_NOTICE
    return None
