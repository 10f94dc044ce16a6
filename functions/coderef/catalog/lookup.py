"""Code lookup: the public summary and the full page of one code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, CodeSystem, display_code, normalize_code, resolve_system
from coderef.catalog.notices import licence_notice
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.references import referenced_keys
from coderef.catalog.releases import HistoryStep, ReleaseHistory
from coderef.errors import CodeNotFound

Suggester = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class CodeView:
    """One code as its public summary shows it."""

    record: CodeRecord
    system: CodeSystem
    release: Release | None  # the loaded release the record is from; None if not listed
    notice: str | None  # the licence notice a page must carry (CPT, CDT dental codes)


@dataclass(frozen=True)
class CodePage:
    """One code's full page. For a guest (registered False) the sections for registered
    accounts are not even read: related stays empty and the api shows locks. The children
    are read for everyone (the code tree is free to browse)."""

    view: CodeView
    history: list[HistoryStep]
    registered: bool
    children: list[CodeRecord] = field(default_factory=list)
    related: list[CodeRecord] = field(default_factory=list)


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

    def _release(self, record: CodeRecord) -> Release | None:
        loaded = self.catalog.all_releases(record.system)
        return next((r for r in loaded if r.id == record.release), None)

    def summary(self, system_raw: str, code_raw: str, on_date: date | None = None) -> CodeView:
        return self.summary_of(self.record(system_raw, code_raw, on_date))

    def summary_of(self, record: CodeRecord) -> CodeView:
        return CodeView(
            record=record,
            system=SYSTEMS[record.system],
            release=self._release(record),
            notice=licence_notice(record, self.cpt_notice),
        )

    def page(self, system_raw: str, code_raw: str, on_date: date | None = None) -> CodePage:
        """The whole page, every section open (the CLI and internal callers)."""
        return self.page_of(self.record(system_raw, code_raw, on_date), registered=True)

    def page_of(self, record: CodeRecord, registered: bool) -> CodePage:
        """The full page. Sections for registered accounts are not even read for a guest, so
        nothing locked leaves the server."""
        view = self.summary_of(record)
        history = self.releases.history(record.system, record.key)
        if not registered:
            # The code tree is free to browse: a guest's page lists the codes under this one
            # too (read only when there are some); notes and related codes stay locked.
            children = (
                self.catalog.get_many(record.system, record.children, release=record.release)
                if record.children
                else {}
            )
            return CodePage(
                view,
                history,
                registered=False,
                children=[children[k] for k in record.children if k in children],
            )
        related_keys = [
            key
            for items in record.notes.values()
            for item in items
            for key in referenced_keys(item)
            if key != record.key
        ]
        if not view.system.notes_name_codes:
            related_keys = []
        # Children and related codes in one read (one BatchGetItem on DynamoDB, not two).
        briefs = self.catalog.get_many(
            record.system, [*record.children, *related_keys], release=record.release
        )
        return CodePage(
            view,
            history,
            registered=True,
            children=[briefs[k] for k in record.children if k in briefs],
            related=[briefs[k] for k in dict.fromkeys(related_keys) if k in briefs],
        )

    def titles(self, codes: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Titles of (system, key) pairs in the live releases, one read per system; codes no
        live release has are left out."""
        by_system: dict[str, list[str]] = {}
        for system, key in codes:
            by_system.setdefault(system, []).append(key)
        return {
            (system, key): record.title
            for system, keys in by_system.items()
            for key, record in self.catalog.get_many(system, keys).items()
        }
