"""Code lookup: the public summary and the full page of one code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, display_code, normalize_code, resolve_system
from coderef.catalog.notes import ancestor_keys, inherited_notes, own_notes
from coderef.catalog.notices import licence_notice
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.references import referenced_keys
from coderef.catalog.releases import ReleaseHistory, release_dict, standing
from coderef.errors import CodeNotFound

__all__ = ["CodeLookup", "release_dict"]

Suggester = Callable[[str, str], list[dict[str, Any]]]

# Sections a guest never receives: the coding notes, the 7th-character table, and the codes
# around this one. The official descriptor and the plain-language text stay open. A guest
# learns only which of them this code has and how many entries each holds.
REGISTERED_SECTIONS = ("notes", "inherited_notes", "seventh_characters", "children", "related")


def _no_suggestions(system: str, text: str) -> list[dict[str, Any]]:
    return []


class CodeLookup:
    """Answers from the live release of a system, or from the release in force on a date."""

    def __init__(
        self,
        catalog: CodeCatalog,
        suggest: Suggester = _no_suggestions,
        cpt_notice: str | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.catalog = catalog
        self.suggest = suggest
        self.cpt_notice = cpt_notice
        self.today = today
        self.releases = ReleaseHistory(catalog)
        # Whether a code named in a note exists in a release, remembered: the same chapter and
        # block notes name the same codes on thousands of pages. Bounded; a release's codes do
        # not change once loaded (a reload under the same id is rare and only stales a link).
        self._exists: dict[tuple[str, str, str], bool] = {}

    def record(self, system_raw: str, code_raw: str, on_date: date | None = None) -> CodeRecord:
        """The record from the live release or, for a date, from the release in force then
        (the nearest loaded release when none was: the page says so)."""
        system = resolve_system(system_raw).id
        key = normalize_code(code_raw)
        release = None
        if on_date:
            # None only when no release of the system is loaded: in_force_on says so
            release = self.releases.answering(system, on_date) or self.releases.in_force_on(
                system, on_date
            )
        record = self.catalog.get(system, key, release.id if release else None)
        if record is None:
            raise self._not_found(system, key, release)
        return record

    def require_release_on(self, system_raw: str, on_date: date) -> Release:
        """Strict matching: the release in force on the date, or ReleaseNotFound."""
        return self.releases.in_force_on(resolve_system(system_raw).id, on_date)

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

    def _release(self, record: CodeRecord, asked: date | None) -> dict[str, Any]:
        """The release a page's text comes from, and whether it is in force today (and covers
        the date asked)."""
        loaded = self.catalog.all_releases(record.system)
        release = next((r for r in loaded if r.id == record.release), None)
        out = release_dict(release, record.release)
        if release is not None:
            out.update(standing(release, loaded, self.today(), asked))
        return out

    def summary(
        self, system_raw: str, code_raw: str, on_date: date | None = None, strict: bool = False
    ) -> dict[str, Any]:
        if on_date and strict:
            self.require_release_on(system_raw, on_date)
        return self.summary_of(self.record(system_raw, code_raw, on_date), on_date)

    def summary_of(self, record: CodeRecord, on_date: date | None = None) -> dict[str, Any]:
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
            "release": self._release(record, on_date),
            "notice": licence_notice(record, self.cpt_notice),
        }

    def page(self, system_raw: str, code_raw: str, on_date: date | None = None) -> dict[str, Any]:
        """The whole page, every section open (the CLI and internal callers)."""
        return self.page_of(self.record(system_raw, code_raw, on_date), True, on_date)

    def page_of(
        self, record: CodeRecord, registered: bool, on_date: date | None = None
    ) -> dict[str, Any]:
        """The full page. Sections for registered accounts are not even sent to a guest: they
        are replaced by a lock marker with their size, so nothing locked leaves the server.

        Reads beyond the record: one get_many for the levels above (at most 6 on ICD-10-CM), the
        child codes and the codes the code's own notes name, and a second only when inherited
        notes name codes not yet read (docs/architecture.md counts them for DynamoDB)."""
        page = self.summary_of(record, on_date)
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
        page["history"] = self.releases.history(record.system, record.key)
        own = own_notes(record)
        related_keys = (
            [k for g in own for item in g.items for k in referenced_keys(item) if k != record.key]
            if record.system == "icd10cm"
            else []
        )
        # The levels above, the children and the codes the code's own notes name: one read.
        got = self.catalog.get_many(
            record.system,
            [*ancestor_keys(record), *record.children, *related_keys],
            release=record.release,
        )
        inherited = inherited_notes(record, got)
        named = (
            [k for g in inherited for item in g.items for k in referenced_keys(item)]
            if record.system == "icd10cm" and registered
            else []
        )
        # Which codes the inherited notes name exist: a second read, for codes not seen before
        # (a guest sees no notes, so none).
        named_present = self._present(record, [k for k in dict.fromkeys(named) if k not in got])
        sections: dict[str, Any] = {
            "notes": [g.to_dict() for g in own],
            "inherited_notes": [g.to_dict() for g in inherited],
            "seventh_characters": [
                {
                    "char": s.char,
                    "meaning": s.meaning,
                    "code": s.code,
                    "clarifications": s.clarifications,
                }
                for s in record.seventh_characters
            ],
            "children": [got[k].brief() for k in record.children if k in got],
            "related": [got[k].brief() for k in dict.fromkeys(related_keys) if k in got],
        }
        if registered:
            page.update(sections)
            # Codes the notes name that this release lacks: the page links them to search,
            # never to a page that does not exist.
            page["absent_codes"] = sorted(
                display_code(record.system, k)
                for k in dict.fromkeys([*related_keys, *named])
                if k not in got and k not in named_present
            )
            return page
        for name, content in sections.items():
            page[name] = _lock(name, content)
        return page

    def _present(self, record: CodeRecord, keys: list[str]) -> set[str]:
        """The keys, of those given, that the record's release has."""
        memo = self._exists
        unknown = [k for k in keys if (record.system, record.release, k) not in memo]
        if unknown:
            found = self.catalog.get_many(record.system, unknown, release=record.release)
            if len(memo) > 50_000:
                memo.clear()
            for k in unknown:
                memo[(record.system, record.release, k)] = k in found
        return {k for k in keys if memo.get((record.system, record.release, k))}


def _lock(section: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    """What a guest learns of a locked section: that it exists, and how many entries it has
    (notes count their items). An empty section is locked with a count of 0."""
    if section in ("notes", "inherited_notes"):
        count = sum(len(g["items"]) for g in content)
    else:
        count = len(content)
    return {"locked": True, "reason": "register", "count": count}
