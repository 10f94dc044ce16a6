"""Code lookup: the public summary and the full page of one code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, display_code, normalize_code, resolve_system
from coderef.catalog.crosswalks import crosswalks_of
from coderef.catalog.notices import licence_notice
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import NOTE_KINDS, NOTE_LABELS, CodeRecord, Release
from coderef.catalog.references import referenced_keys
from coderef.catalog.releases import ReleaseHistory, release_dict
from coderef.errors import CodeNotFound

__all__ = ["CodeLookup", "release_dict"]

Suggester = Callable[[str, str], list[dict[str, Any]]]

# Sections a guest never receives: the coding notes, the 7th-character table, and the codes
# around this one. The official descriptor and the plain-language text stay open.
REGISTERED_SECTIONS = ("notes", "inherited_notes", "seventh_characters", "children", "related")
LOCKED = {"locked": True, "reason": "register"}


def _no_suggestions(system: str, text: str) -> list[dict[str, Any]]:
    return []


class CodeLookup:
    """Answers from the live release of a system, or from the release in force on a date."""

    def __init__(
        self,
        catalog: CodeCatalog,
        suggest: Suggester = _no_suggestions,
        cpt_notice: str | None = None,
    ) -> None:
        self.catalog = catalog
        self.suggest = suggest
        self.cpt_notice = cpt_notice
        self.releases = ReleaseHistory(catalog)

    def record(self, system_raw: str, code_raw: str, on_date: date | None = None) -> CodeRecord:
        system = resolve_system(system_raw).id
        key = normalize_code(code_raw)
        release = self.releases.in_force_on(system, on_date) if on_date else None
        record = self.catalog.get(system, key, release.id if release else None)
        if record is None:
            raise self._not_found(system, key, release)
        return record

    def _not_found(self, system: str, key: str, release: Release | None) -> CodeNotFound:
        name = SYSTEMS[system].name
        if release is None:
            release = next((r for r in self.catalog.releases() if r.system == system), None)
        if release is None:
            return CodeNotFound(f"No {name} release is loaded here.", suggestions=[])
        code = display_code(system, key)
        return CodeNotFound(
            f"{name} has no code '{code}' in the {release.name}."
            + self.releases.where_else(system, key, release.id),
            suggestions=self.suggest(system, key),
        )

    def _release(self, record: CodeRecord) -> dict[str, Any]:
        loaded = self.catalog.all_releases(record.system)
        release = next((r for r in loaded if r.id == record.release), None)
        return release_dict(release, record.release)

    def summary(
        self, system_raw: str, code_raw: str, on_date: date | None = None
    ) -> dict[str, Any]:
        return self.summary_of(self.record(system_raw, code_raw, on_date))

    def summary_of(self, record: CodeRecord) -> dict[str, Any]:
        return {
            "system": record.system,
            "system_name": SYSTEMS[record.system].name,
            "code": record.code,
            "title": record.title,
            "billable": record.billable,
            "kind": record.kind,
            "ancestors": [
                {"code": a.code, "title": a.title, "kind": a.kind} for a in record.ancestors
            ],
            "release": self._release(record),
            "notice": licence_notice(record, self.cpt_notice),
        }

    def page(self, system_raw: str, code_raw: str, on_date: date | None = None) -> dict[str, Any]:
        """The whole page, every section open (the CLI and internal callers)."""
        return self.page_of(self.record(system_raw, code_raw, on_date), registered=True)

    def page_of(self, record: CodeRecord, registered: bool) -> dict[str, Any]:
        """The full page. Sections for registered accounts are not even assembled for a
        guest: they are replaced by a lock marker, so nothing locked leaves the server."""
        page = self.summary_of(record)
        page["description"] = record.description
        page["plain_language"] = {
            "text": record.plain_language,
            "source": record.plain_language_source,
        }
        page["axes"] = [
            {
                "position": a.position,
                "name": a.name,
                "value": a.value,
                "label": a.label,
                "definition": a.definition,
            }
            for a in record.axes
        ]
        page["attributes"] = [
            {"id": a.id, "label": a.label, "value": a.value, "meaning": a.meaning}
            for a in record.attributes
            if a.value
        ]
        page["crosswalks"] = crosswalks_of(record)["directions"] if record.crosswalks else []
        page["history"] = self.releases.history(record.system, record.key)
        if not registered:
            page.update({section: dict(LOCKED) for section in REGISTERED_SECTIONS})
            return page
        related_keys = [
            key
            for items in record.notes.values()
            for item in items
            for key in referenced_keys(item)
            if key != record.key
        ]
        if record.system != "icd10cm":
            related_keys = []
        # Children and related codes in one read (one BatchGetItem on DynamoDB, not two).
        briefs = self.catalog.get_many(
            record.system, [*record.children, *related_keys], release=record.release
        )
        children = related = briefs
        page["notes"] = [
            {"kind": kind, "label": NOTE_LABELS[kind], "items": record.notes[kind]}
            for kind in NOTE_KINDS
            if record.notes.get(kind)
        ]
        page["inherited_notes"] = [
            {**n, "label": NOTE_LABELS[n["kind"]]} for n in record.inherited_notes
        ]
        page["seventh_characters"] = [
            {"char": s.char, "meaning": s.meaning, "code": s.code}
            for s in record.seventh_characters
        ]
        page["children"] = [children[k].brief() for k in record.children if k in children]
        page["related"] = [related[k].brief() for k in dict.fromkeys(related_keys) if k in related]
        return page
