"""The ICD-10-PCS tables XML (CMS `icd10pcs_tables_<year>.xml`): what each character means.

Each <pcsTable> names its first three characters (section, body system, operation; the
operation with its official definition) and holds <pcsRow>s listing the values allowed
together in characters four to seven. A code's meaning is read from the row that allows all
four of its last characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coderef.catalog.records import SURGICAL_AXIS_NAMES, Axis
from coderef.codesets.xmltree import Node, parse_xml
from coderef.errors import SourceError

# Where the XML gives an axis no <title>, the Medical and Surgical names stand in.
_TITLE_ALIASES = {"Operation": "Root Operation"}


@dataclass
class PcsTable:
    key: str  # the first three characters
    line: int
    names: dict[int, str]  # position -> axis name
    labels: dict[int, tuple[str, str]]  # positions 1-3 -> (value, label)
    definition: str | None  # of the root operation (or the section's third character)
    rows: list[dict[int, dict[str, str]]] = field(default_factory=list)  # pos -> value -> label

    def axes_for(self, code: str) -> list[Axis] | None:
        """The seven characters of a code with their meanings; None if no row allows it."""
        for row in self.rows:
            if all(code[pos - 1] in row.get(pos, {}) for pos in range(4, 8)):
                axes = []
                for pos in range(1, 8):
                    label = self.labels[pos][1] if pos <= 3 else row[pos][code[pos - 1]]
                    definition = self.definition if pos == 3 else None
                    axes.append(Axis(pos, self.names[pos], code[pos - 1], label, definition))
                return axes
        return None


def _name(node: Node, pos: int) -> str:
    title = node.findtext("title") or SURGICAL_AXIS_NAMES[pos - 1]
    return _TITLE_ALIASES.get(title, title)


def _labels(path: Path, axis: Node) -> dict[str, str]:
    labels = {}
    for label in axis.findall("label"):
        value = label.attrs.get("code", "")
        if len(value) != 1 or not value.isalnum() or not label.text:
            raise SourceError(
                str(path), f"line {label.line} <label>", "needs a one-character code and a text"
            )
        labels[value] = label.text
    if not labels:
        raise SourceError(str(path), f"line {axis.line} <axis>", "holds no <label>")
    return labels


def _position(path: Path, axis: Node) -> int:
    raw = axis.attrs.get("pos", "")
    if not raw.isdigit() or not 1 <= int(raw) <= 7:
        raise SourceError(str(path), f"line {axis.line} <axis>", f"pos '{raw}' is not 1 to 7")
    return int(raw)


def read_tables(path: Path) -> dict[str, PcsTable]:
    """Every table by its three characters; a malformed table raises SourceError."""
    root = parse_xml(path)
    if root.tag != "ICD10PCS.tabular":
        raise SourceError(
            str(path), f"line {root.line}", f"expected <ICD10PCS.tabular>, found <{root.tag}>"
        )
    tables: dict[str, PcsTable] = {}
    for node in root.findall("pcsTable"):
        names: dict[int, str] = {}
        labels: dict[int, tuple[str, str]] = {}
        definition = None
        for axis in node.findall("axis"):
            pos = _position(path, axis)
            values = _labels(path, axis)
            if pos > 3 or len(values) != 1:
                raise SourceError(
                    str(path),
                    f"line {axis.line} <axis>",
                    "a table's own axes are positions 1 to 3, with one label each",
                )
            names[pos] = _name(axis, pos)
            labels[pos] = next(iter(values.items()))
            if pos == 3:
                definition = axis.findtext("definition") or None
        if sorted(labels) != [1, 2, 3]:
            raise SourceError(
                str(path), f"line {node.line} <pcsTable>", "needs axes 1, 2 and 3 (one each)"
            )
        key = "".join(labels[pos][0] for pos in (1, 2, 3))
        table = tables.setdefault(key, PcsTable(key, node.line, names, labels, definition))
        for row_node in node.findall("pcsRow"):
            row: dict[int, dict[str, str]] = {}
            for axis in row_node.findall("axis"):
                pos = _position(path, axis)
                if pos < 4:
                    raise SourceError(
                        str(path), f"line {axis.line} <axis>", "a row's axes are positions 4 to 7"
                    )
                row[pos] = _labels(path, axis)
                table.names.setdefault(pos, _name(axis, pos))
            if sorted(row) != [4, 5, 6, 7]:
                raise SourceError(
                    str(path), f"line {row_node.line} <pcsRow>", "needs axes 4, 5, 6 and 7"
                )
            table.rows.append(row)
    if not tables:
        raise SourceError(
            str(path), f"line {root.line}", "no <pcsTable> elements: file is empty or cut short"
        )
    return tables
