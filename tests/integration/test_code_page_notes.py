"""Code pages against the source, for every ICD-10-CM code of the bundled April 1, 2026 release.

The tabular XML is read here with ElementTree, independently of the importer (which uses its
own expat tree), so the comparison really checks the importer and the page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

import pytest

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.catalog import page_body
from coderef.catalog.lookup import CodeLookup
from coderef.catalog.notes import inherited_notes, own_notes
from coderef.codesets import bundled
from coderef.codesets.pipeline import load_release

pytestmark = pytest.mark.fullrelease

# The XML's note elements and the kinds a page names them by.
XML_KINDS = {
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
TODAY = date(2026, 11, 27)


def _text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


class Source:
    """The tabular XML as a coder reads it: each code's element and the elements above it."""

    def __init__(self) -> None:
        root = ET.parse(bundled.icd10cm_tabular()).getroot()
        self.parent: dict[ET.Element, ET.Element] = {
            child: parent for parent in root.iter() for child in parent
        }
        self.by_key: dict[str, ET.Element] = {
            d.findtext("name").replace(".", ""): d for d in root.iter("diag")
        }

    def element_of(self, key: str) -> ET.Element:
        """A generated code (stem + placeholder X + 7th character) belongs to its stem."""
        if key in self.by_key:
            return self.by_key[key]
        return self.by_key[key[:-1].rstrip("X")]

    def lineage(self, element: ET.Element) -> list[ET.Element]:
        """The element, then every element above it up to its chapter."""
        out = [element]
        while out[-1].tag != "chapter":
            out.append(self.parent[out[-1]])
        return out

    def notes(self, key: str) -> Counter:
        found: Counter = Counter()
        for element in self.lineage(self.element_of(key)):
            for child in element:
                if child.tag in XML_KINDS:
                    for note in child.findall("note"):
                        if _text(note):
                            found[(XML_KINDS[child.tag], _text(note))] += 1
        return found

    def seventh_values(self, key: str) -> dict[str, tuple[str, list[str]]]:
        """The nearest 7th-character table: value -> (meaning, every clarification)."""
        for element in self.lineage(self.element_of(key)):
            table = element.find("sevenChrDef")
            if table is not None:
                values: dict[str, tuple[str, list[str]]] = {}
                last = None
                for child in table:
                    if child.tag == "extension":
                        last = child.get("char")
                        values[last] = (_text(child), [])
                    elif child.tag == "note" and last is not None:
                        values[last][1].append(_text(child))
                return values
        return {}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    catalog = SqliteCatalog(tmp_path_factory.mktemp("cm") / "catalog.db")
    load_release(catalog, "icd10cm")
    records = {r.key: r for r in catalog.iter_live() if r.system == "icd10cm"}
    return catalog, records, Source()


def _shown(groups) -> Counter:
    return Counter((g.kind, item) for g in groups for item in g.items)


def test_every_code_shows_every_note_the_source_attaches_to_it_and_its_ancestors(release):
    # Given every code of the release and the source's notes for it and each level above it
    _, records, source = release
    codes = [r for r in records.values() if r.kind not in ("chapter", "block")]
    assert len(codes) > 97_000
    wrong = []
    for record in codes:
        # When the notes are resolved as a page resolves them (own, then inherited)
        shown = _shown(own_notes(record) + inherited_notes(record, records))
        # Then they are exactly the source's, none lost and none added
        expected = source.notes(record.key)
        if shown != expected:
            wrong.append((record.code, sorted(expected - shown)[:2], sorted(shown - expected)[:2]))
    assert wrong == []


def test_pages_show_what_the_inherited_view_resolves(release):
    # Given a spread of codes across the release
    catalog, records, _ = release
    lookup = CodeLookup(catalog, today=lambda: TODAY)
    sample = sorted(k for k, r in records.items() if r.kind not in ("chapter", "block"))[::997]
    for key in sample:
        record = records[key]
        # When its page is assembled for a registered reader
        page = page_body(lookup.page_of(record, registered=True))
        # Then the page's notes are the inherited view's, level by level
        expected = own_notes(record) + inherited_notes(record, records)
        got = page["notes"] + page["inherited_notes"]
        assert [(g["kind"], g["from"], g["items"]) for g in got] == [
            (g.kind, g.code, list(g.items)) for g in expected
        ], record.code


def test_every_7th_character_value_carries_every_clarification_of_the_source(release):
    _, records, source = release
    wrong = []
    for record in records.values():
        if not record.seventh_characters:
            continue
        values = source.seventh_values(record.key)
        for value in record.seventh_characters:
            meaning, clarifications = values[value.char]
            if (value.meaning, value.clarifications) != (meaning, clarifications):
                wrong.append(record.code)
    assert wrong == []
    # S52's B reads as both of the source's lines; H34.811's 2 keeps "Old ... occlusion"
    b = next(v for v in records["S52531B"].seventh_characters if v.char == "B")
    assert b.clarifications == ["initial encounter for open fracture NOS"]
    two = next(v for v in records["H34811"].seventh_characters if v.char == "2")
    assert two.clarifications == ["Old central retinal vein occlusion"]


def _groups(page, level):
    return {g["kind"]: g for g in page["inherited_notes"] if g["level"] == level}


def test_o09_523_shows_its_chapter_notes_labelled_with_the_chapter(release):
    catalog, _, _ = release
    page = page_body(CodeLookup(catalog, today=lambda: TODAY).page("icd10cm", "O09.523"))
    chapter = _groups(page, "chapter")
    assert {g["from"] for g in chapter.values()} == {"15"}
    assert any("Z3A" in i for i in chapter["use_additional_code"]["items"])
    assert chapter["excludes1"]["items"] == ["supervision of normal pregnancy (Z34.-)"]
    assert any("MATERNAL RECORDS" in i for i in chapter["notes"]["items"])
    assert "never coded together" in chapter["excludes1"]["meaning"].lower()


def test_i21_4_shows_its_block_code_also_note_labelled_with_the_block(release):
    catalog, _, _ = release
    page = page_body(CodeLookup(catalog, today=lambda: TODAY).page("icd10cm", "I21.4"))
    block = _groups(page, "block")
    assert block["code_also"]["from"] == "I20-I25"
    assert block["code_also"]["items"] == ["the presence of hypertension (I10-I1A)"]
    # Most specific first: the category's notes come before the block's and the chapter's
    levels = [g["level"] for g in page["inherited_notes"]]
    assert levels == sorted(levels, key=["category", "block", "chapter"].index)


MANIFESTATION = re.compile(r"\bin (diseases|conditions) classified elsewhere\b", re.I)


def test_no_text_says_a_manifestation_code_first_or_external_cause_code_stands_alone(release):
    # Given every billable code whose conventions forbid reporting it alone or first
    _, records, _ = release
    limited = []
    for record in records.values():
        if not record.billable:
            continue
        groups = own_notes(record) + inherited_notes(record, records)
        if (
            MANIFESTATION.search(record.title)
            or any(g.kind == "code_first" for g in groups)
            or record.key[0] in "VWXY"
        ):
            limited.append(record)
    assert len(limited) > 7_000
    # Then none of their assembled texts says they may be reported alone, and each says why not
    wrong = [
        r.code
        for r in limited
        if "may be reported on its own" in r.plain_language
        or "reported on a claim" in r.plain_language
        or not re.search(r"never (listed first|reported alone|the first-listed)", r.plain_language)
    ]
    assert wrong == []


def test_official_titles_keep_their_proper_nouns_in_the_assembled_text(release):
    _, records, _ = release
    # Every title starting with a possessive name keeps it as the title spells it
    wrong = [
        r.code
        for r in records.values()
        if re.match(r"^[A-Z][a-z]+('s|s')\s", r.title)
        and r.plain_language
        and r.title not in r.plain_language
    ]
    assert wrong == []
    assert "West Nile" in records["A923"].plain_language
