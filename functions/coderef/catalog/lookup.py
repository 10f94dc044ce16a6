"""Code lookup: the public summary and the full page of one code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, CodeSystem, display_code, normalize_code, resolve_system
from coderef.catalog.notes import NoteGroup, ancestor_keys, inherited_notes, own_notes
from coderef.catalog.notices import licence_notice
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.references import referenced_keys
from coderef.catalog.releases import HistoryStep, ReleaseHistory, Standing, standing
from coderef.errors import CodeNotFound

Suggester = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class CodeView:
    """One code as its public summary shows it."""

    record: CodeRecord
    system: CodeSystem
    release: Release | None  # the loaded release the record is from; None if not listed
    notice: str | None  # the licence notice a page must carry (CPT, CDT dental codes)
    # Whether that release is in force today and covers the date asked (None if not listed)
    standing: Standing | None = None


@dataclass(frozen=True)
class CodePage:
    """One code's full page: the notes written on the code and those inherited from every
    level above it (catalog/notes.py), the children and the codes its notes name.

    For a guest (registered False) the api sends none of the sections for registered accounts,
    only how many entries each holds (api/presenters/catalog.py); the existence check of the
    codes the inherited notes name is not even made, so absent_codes stays empty. The children
    are read and sent for everyone (the code tree is free to browse, issue 17)."""

    view: CodeView
    history: list[HistoryStep]
    registered: bool
    notes: list[NoteGroup] = field(default_factory=list)
    inherited_notes: list[NoteGroup] = field(default_factory=list)  # most specific level first
    children: list[CodeRecord] = field(default_factory=list)
    related: list[CodeRecord] = field(default_factory=list)
    # Codes the notes name that this release lacks (display form): linked to search, never to
    # a page that does not exist
    absent_codes: list[str] = field(default_factory=list)


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

    def summary(
        self, system_raw: str, code_raw: str, on_date: date | None = None, strict: bool = False
    ) -> CodeView:
        if on_date and strict:
            self.require_release_on(system_raw, on_date)
        return self.summary_of(self.record(system_raw, code_raw, on_date), on_date)

    def summary_of(self, record: CodeRecord, on_date: date | None = None) -> CodeView:
        """The summary; with the release's standing today and for the date asked."""
        loaded = self.catalog.all_releases(record.system)
        release = next((r for r in loaded if r.id == record.release), None)
        return CodeView(
            record=record,
            system=SYSTEMS[record.system],
            release=release,
            notice=licence_notice(record, self.cpt_notice),
            standing=standing(release, loaded, self.today(), on_date) if release else None,
        )

    def page(self, system_raw: str, code_raw: str, on_date: date | None = None) -> CodePage:
        """The whole page, every section open (the CLI and internal callers)."""
        return self.page_of(self.record(system_raw, code_raw, on_date), True, on_date)

    def page_of(
        self, record: CodeRecord, registered: bool, on_date: date | None = None
    ) -> CodePage:
        """The full page. A guest's page reads what the lock panel counts, but the api sends a
        guest only those counts (api/presenters/catalog.py), so nothing locked leaves the
        server.

        Reads beyond the record: one get_many for the levels above (at most 6 on ICD-10-CM), the
        child codes and the codes the code's own notes name, and a second only when inherited
        notes name codes not yet read (docs/architecture.md counts them for DynamoDB)."""
        view = self.summary_of(record, on_date)
        history = self.releases.history(record.system, record.key)
        own = own_notes(record)
        related_keys = (
            [k for g in own for item in g.items for k in referenced_keys(item) if k != record.key]
            if view.system.notes_name_codes
            else []
        )
        # The levels above, the children and the codes the code's own notes name: one read
        # (one BatchGetItem on DynamoDB).
        got = self.catalog.get_many(
            record.system,
            [*ancestor_keys(record), *record.children, *related_keys],
            release=record.release,
        )
        inherited = inherited_notes(record, got)
        named = (
            [k for g in inherited for item in g.items for k in referenced_keys(item)]
            if view.system.notes_name_codes and registered
            else []
        )
        # Which codes the inherited notes name exist: a second read, for codes not seen before
        # (a guest sees no notes, so none).
        named_present = self._present(record, [k for k in dict.fromkeys(named) if k not in got])
        absent = (
            sorted(
                display_code(record.system, k)
                for k in dict.fromkeys([*related_keys, *named])
                if k not in got and k not in named_present
            )
            if registered
            else []
        )
        return CodePage(
            view,
            history,
            registered=registered,
            notes=own,
            inherited_notes=inherited,
            children=[got[k] for k in record.children if k in got],
            related=[got[k] for k in dict.fromkeys(related_keys) if k in got],
            absent_codes=absent,
        )

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
