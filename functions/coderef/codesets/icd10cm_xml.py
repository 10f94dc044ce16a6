"""ICD-10-CM importer for the official tabular XML (CDC/NCHS `icd10cm-tabular-*.xml`).

Every chapter, block (section), category, subcategory and code becomes a record, with every
note. Codes that need a 7th character are defined in the XML only as a stem plus a
`sevenChrDef` table (on the code or inherited from an ancestor); the importer generates each
full code, padding short stems with the placeholder X to six characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from coderef.catalog.codes import display_code
from coderef.catalog.records import Ancestor, CodeRecord, Release, SeventhCharacter
from coderef.codesets.release_naming import icd_effective_date, icd_release, undated
from coderef.codesets.xmltree import Node, parse_xml
from coderef.errors import SourceError

SYSTEM = "icd10cm"

# XML element -> note kind in the record.
_NOTE_ELEMENTS = {
    "inclusionTerm": "inclusion_terms",
    "includes": "includes",
    "notes": "notes",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional_code",
    "codeAlso": "code_also",
    "sevenChrNote": "seventh_character_note",
}

# A rule stated in prose in the tabular list rather than in the sevenChrDef markup. Category
# S06 says: "7th characters D and S do not apply to codes in category S06 with 6th character
# 7 ... or 8". (category, sixth characters, 7th characters that do not apply)
SEVENTH_CHARACTER_EXCEPTIONS: tuple[tuple[str, str, str], ...] = (("S06", "78", "DS"),)

_CODE_NAME = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](\.[0-9A-Z]{1,4})?$")


@dataclass
class _Context:
    path: str
    release: str
    records: list[CodeRecord]
    seen: set[str]
    # One Ancestor per level, shared by every record under it (a category's 7th-character
    # codes name the same five levels): equal records, far fewer objects held by an import.
    levels: dict[str, Ancestor] = field(default_factory=dict)

    def ancestors(self, lineage: list[CodeRecord]) -> list[Ancestor]:
        out = []
        for a in lineage:
            level = self.levels.get(a.key)
            if level is None:
                level = self.levels[a.key] = Ancestor(a.code, a.title, a.kind)
            out.append(level)
        return out


def release_for(tabular: Path, effective_from: date | None = None) -> Release:
    """The release a tabular file holds, from its name (`...-April-1-2026.xml` or
    `icd10cm_tabular_2026.xml` for FY2026) unless the effective date is given."""
    effective = effective_from or icd_effective_date(tabular.name)
    if effective is None:
        raise undated(tabular, "ICD-10-CM")
    return icd_release(
        SYSTEM, "ICD-10-CM", effective, f"CDC/NCHS ICD-10-CM tabular list ({tabular.name})"
    )


def read_tabular(path: Path, release: Release | None = None) -> tuple[Release, list[CodeRecord]]:
    """Parse the whole file first; any structural problem raises SourceError, loading nothing."""
    release = release or release_for(path)
    root = parse_xml(path)
    if root.tag != "ICD10CM.tabular":
        raise SourceError(
            str(path), f"line {root.line}", f"expected <ICD10CM.tabular>, found <{root.tag}>"
        )
    ctx = _Context(str(path), release.id, [], set())
    chapters = root.findall("chapter")
    if not chapters:
        raise SourceError(
            str(path), f"line {root.line}", "no <chapter> elements: file is empty or cut short"
        )
    for chapter in chapters:
        _read_chapter(ctx, chapter)
    return release, ctx.records


def _fail(ctx: _Context, node: Node, problem: str) -> SourceError:
    return SourceError(ctx.path, f"line {node.line} <{node.tag}>", problem)


def _notes_of(node: Node) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for child in node.children:
        kind = _NOTE_ELEMENTS.get(child.tag)
        if kind:
            items = [n.text for n in child.findall("note") if n.text]
            if items:
                notes.setdefault(kind, []).extend(items)
    return notes


def _add(ctx: _Context, node: Node, record: CodeRecord) -> None:
    if record.key in ctx.seen:
        raise _fail(ctx, node, f"code {record.code} appears twice")
    ctx.seen.add(record.key)
    ctx.records.append(record)


def _read_chapter(ctx: _Context, node: Node) -> None:
    name, desc = node.findtext("name"), node.findtext("desc")
    if not name or not desc:
        raise _fail(ctx, node, "chapter without <name> or <desc>")
    chapter = CodeRecord(
        system=SYSTEM,
        code=name,
        key=name,
        kind="chapter",
        billable=False,
        title=desc,
        description=desc,
        release=ctx.release,
        notes=_notes_of(node),
    )
    _add(ctx, node, chapter)
    for section in node.findall("section"):
        chapter.children.append(_read_block(ctx, section, chapter))


def _read_block(ctx: _Context, node: Node, chapter: CodeRecord) -> str:
    block_id = node.attrs.get("id", "")
    desc = node.findtext("desc")
    if not re.match(r"^[A-Z][0-9A-Z]{2}(-[A-Z][0-9A-Z]{2})?$", block_id) or not desc:
        raise _fail(ctx, node, f"section needs an id like A00-A09 and a <desc>, got '{block_id}'")
    # A one-category block (B10) shares its id with its category; the block's key spans itself.
    key = block_id if "-" in block_id else f"{block_id}-{block_id}"
    block = CodeRecord(
        system=SYSTEM,
        code=key,
        key=key,
        kind="block",
        billable=False,
        title=desc,
        description=desc,
        release=ctx.release,
        parent=chapter.key,
        ancestors=[Ancestor(chapter.code, chapter.title, chapter.kind)],
        notes=_notes_of(node),
    )
    _add(ctx, node, block)
    for diag in node.findall("diag"):
        block.children.append(_read_diag(ctx, diag, [chapter, block], None))
    return block.key


def _seventh_defs(ctx: _Context, node: Node) -> dict[str, SeventhCharacter] | None:
    """The 7th-character table of an element. A <note> after an <extension> clarifies that
    value (S52's B: "initial encounter for open fracture NOS"): it belongs to the value."""
    table = node.find("sevenChrDef")
    if table is None:
        return None
    defs: dict[str, SeventhCharacter] = {}
    last: SeventhCharacter | None = None
    for child in table.children:
        if child.tag == "extension" and child.attrs.get("char"):
            last = defs[child.attrs["char"]] = SeventhCharacter(child.attrs["char"], child.text)
        elif child.tag == "note" and child.text:
            if last is None:
                raise _fail(ctx, child, "a 7th-character note before any value")
            last.clarifications.append(child.text)
    return defs


def _value(defn: SeventhCharacter, code: str | None = None) -> SeventhCharacter:
    return SeventhCharacter(defn.char, defn.meaning, code, list(defn.clarifications))


def _read_diag(
    ctx: _Context,
    node: Node,
    lineage: list[CodeRecord],
    inherited_defs: dict[str, SeventhCharacter] | None,
) -> str:
    name, desc = node.findtext("name"), node.findtext("desc")
    if not name or not desc:
        raise _fail(ctx, node, "diag without <name> or <desc>")
    if not _CODE_NAME.match(name):
        raise _fail(ctx, node, f"'{name}' is not an ICD-10-CM code")
    parent = lineage[-1]
    key = name.replace(".", "")
    if parent.kind in ("category", "subcategory") and not key.startswith(parent.key):
        raise _fail(ctx, node, f"{name} is nested under {parent.code} but does not extend it")
    own_defs = _seventh_defs(ctx, node)
    defs = own_defs if own_defs is not None else inherited_defs
    sub_diags = node.findall("diag")
    is_stem = not sub_diags and bool(defs)
    kind = "category" if len(key) == 3 else ("code" if not sub_diags else "subcategory")
    record = CodeRecord(
        system=SYSTEM,
        code=display_code(SYSTEM, key),
        key=key,
        kind=kind,
        billable=not sub_diags and not is_stem,
        title=desc,
        description=desc,
        release=ctx.release,
        parent=parent.key,
        ancestors=ctx.ancestors(lineage),
        notes=_notes_of(node),
    )
    if own_defs:
        record.seventh_characters = [_value(d) for d in own_defs.values()]
    _add(ctx, node, record)
    for sub in sub_diags:
        record.children.append(_read_diag(ctx, sub, [*lineage, record], defs))
    if is_stem and defs:
        _add_extensions(ctx, node, record, lineage, defs)
    return record.key


def _extension_applies(stem_key: str, char: str) -> bool:
    for category, sixth, chars in SEVENTH_CHARACTER_EXCEPTIONS:
        if stem_key.startswith(category) and stem_key[5:6] in sixth and char in chars:
            return False
    return True


def _add_extensions(
    ctx: _Context,
    node: Node,
    stem: CodeRecord,
    lineage: list[CodeRecord],
    defs: dict[str, SeventhCharacter],
) -> None:
    padded = stem.key.ljust(6, "X")
    stem.seventh_characters = []
    ancestors = ctx.ancestors([*lineage, stem])
    for char, defn in defs.items():
        if not _extension_applies(padded, char):
            continue
        key = padded + char
        code = display_code(SYSTEM, key)
        stem.seventh_characters.append(_value(defn, code))
        stem.children.append(key)
        title = f"{stem.title}, {defn.meaning}"
        _add(
            ctx,
            node,
            CodeRecord(
                system=SYSTEM,
                code=code,
                key=key,
                kind="code",
                billable=True,
                title=title,
                description=title,
                release=ctx.release,
                parent=stem.key,
                ancestors=list(ancestors),
                notes={},
                seventh_characters=[_value(defn)],
            ),
        )
