"""Releases side by side: which release was in force on a date, a code's history across the
loaded releases, and what changed between two releases of one system."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, CodeSystem, display_code, resolve_system
from coderef.catalog.ports import CodeCatalog, SavedChanges
from coderef.catalog.records import CodeRecord, Release
from coderef.errors import ReleaseNotFound

# Records that organise codes rather than being codes (ICD-10-CM chapters and blocks,
# ICD-10-PCS sections and body systems). Sources differ in whether they carry them (the CMS
# order files do not), so changes and history leave them out.
GROUPING_KINDS = frozenset({"chapter", "block", "section", "body_system"})

# What makes a code "revised" from one release to the next.
REVISION_FIELDS = ("title", "description", "billable")


# Bumped when what counts as a revision changes, so stored fingerprints are computed again.
FINGERPRINT_VERSION = 2

_NOT_WORDS = re.compile(r"[\W_]+")


def comparable(value: object) -> object:
    """A field as revisions compare it: titles without punctuation, case or spacing. Sources
    of one year spell titles differently ("...closure initial encounter" against "...closure,
    initial encounter"); such a difference is not a revision."""
    if isinstance(value, str):
        return " ".join(_NOT_WORDS.sub(" ", value.casefold()).split())
    return value


# json.dumps(..., ensure_ascii=False) with one encoder made once (dumps builds one a call).
_FINGERPRINT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def fingerprint(record: CodeRecord) -> str:
    """A short digest of the revision fields, stored beside each record so two releases can be
    compared without reading every record."""
    # REVISION_FIELDS in order; the description mostly repeats the title: one normalisation.
    title = comparable(record.title)
    description = title if record.description == record.title else comparable(record.description)
    raw = _FINGERPRINT_JSON([title, description, record.billable])
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def revised_fields(before: CodeRecord, after: CodeRecord) -> list[str]:
    return [
        f
        for f in REVISION_FIELDS
        if comparable(getattr(before, f)) != comparable(getattr(after, f))
    ]


def ordered(releases: Iterable[Release]) -> list[Release]:
    """Oldest first; of two releases with one effective date, the live one counts as later."""
    return sorted(releases, key=lambda r: (r.effective_from, r.live, r.id))


def in_force(releases: Iterable[Release], on: date) -> Release | None:
    """The release that answers for a date: the latest to take effect on or before it, among
    those not ended by then (an April update supersedes the October release it amends)."""
    day = on.isoformat()
    candidates = [
        r
        for r in releases
        if r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)
    ]
    return ordered(candidates)[-1] if candidates else None


def nearest(releases: Iterable[Release], on: date) -> Release | None:
    """The release whose span lies closest to a date no release covers (the newest release for
    a date after them all, the oldest for one before)."""
    day = on.isoformat()

    def distance(r: Release) -> int:
        if day < r.effective_from:
            return (date.fromisoformat(r.effective_from) - on).days
        if r.effective_to is not None and day > r.effective_to:
            return (on - date.fromisoformat(r.effective_to)).days
        return 0

    candidates = ordered(releases)
    return min(reversed(candidates), key=distance) if candidates else None


# How an operator loads another release (docs/operations in README name the same command).
LOAD_HINT = "an operator loads it with `coderef import --system {system} --source <file>`"


@dataclass(frozen=True)
class Standing:
    """Whether a release is in force today and covers the date asked, with each problem as a
    plain sentence (the api shows them as release.warnings)."""

    today: date
    in_force_today: bool
    in_force_release: Release | None  # the loaded release of the system in force today
    asked_date: date | None
    covers_asked_date: bool
    warnings: list[str] = field(default_factory=list)


def standing(
    release: Release, loaded: Iterable[Release], today: date, asked: date | None = None
) -> Standing:
    """Whether the release a page's text comes from is in force today, and, for a dated
    lookup, whether it covers the date asked; each problem as a plain sentence."""
    loaded = list(loaded)
    name = SYSTEMS[release.system].name if release.system in SYSTEMS else release.system
    day = today.isoformat()
    live_today = in_force([release], today) is not None
    current = in_force([r for r in loaded if r.system == release.system], today)
    warnings: list[str] = []
    if not live_today:
        if release.effective_from > day:
            warnings.append(
                f"The {release.name} takes effect on {release.effective_from}; it is not in "
                f"force today ({day})."
            )
        else:
            warnings.append(
                f"The {release.name} ended on {release.effective_to}; it is not in force "
                f"today ({day})."
            )
        if current is not None:
            warnings.append(f"The release in force today is the {current.name}.")
        else:
            warnings.append(
                f"No loaded {name} release is in force today: "
                + LOAD_HINT.format(system=release.system)
                + "."
            )
    covers = asked is None or in_force([release], asked) is not None
    if not covers and asked is not None:
        future = " (a date in the future)" if asked > today else ""
        warnings.append(
            f"No loaded {name} release covers {asked.isoformat()}{future}: this page shows "
            f"the nearest, the {release.name} ({_span(release)})."
        )
    return Standing(today, live_today, current, asked, covers, warnings)


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def _span(release: Release) -> str:
    return f"{release.effective_from} to {release.effective_to or 'until replaced'}"


@dataclass(frozen=True)
class HistoryStep:
    """What happened to one code in one loaded release.

    status: "present" (in the first loaded release: nothing earlier to compare with), "added",
    "revised" (with the fields that changed and what they were), "unchanged", "deleted" (gone
    from a release that follows one it was in), "absent".
    """

    release: Release
    status: str
    title: str | None = None  # the code's title in this release; None where it is not in it
    changed: list[str] = field(default_factory=list)
    before: dict[str, str | bool] = field(default_factory=dict)
    after: dict[str, str | bool] = field(default_factory=dict)  # the changed fields' new values


@dataclass(frozen=True)
class SystemReleases:
    """A code system and its loaded releases, newest first."""

    system: CodeSystem
    releases: list[Release]


@dataclass(frozen=True)
class Revision:
    """A code in both releases whose revision fields differ."""

    record: CodeRecord  # as the later release has it
    changed: list[str]
    before: dict[str, str | bool]


@dataclass(frozen=True)
class ReleaseChanges:
    """Codes added, deleted and revised going from one release of a system to another."""

    system: str
    before: Release
    after: Release
    added: list[CodeRecord]
    deleted: list[CodeRecord]
    revised: list[Revision]


# What a saved comparison keeps of each code: what a list of changes shows, not whole records
# (a comparison across years names thousands of codes).
_SAVED_FIELDS = ("code", "key", "kind", "billable", "title", "description")


def saved_form(changes: ReleaseChanges) -> dict[str, Any]:
    """A comparison as JSON-ready data, for a catalog that keeps comparisons."""

    def slim(record: CodeRecord) -> dict[str, Any]:
        return {f: getattr(record, f) for f in _SAVED_FIELDS}

    return {
        "added": [slim(r) for r in changes.added],
        "deleted": [slim(r) for r in changes.deleted],
        "revised": [
            {"record": slim(r.record), "changed": r.changed, "before": r.before}
            for r in changes.revised
        ],
    }


def changes_from_saved(saved: dict[str, Any], before: Release, after: Release) -> ReleaseChanges:
    """A saved comparison, read as `compare` would answer now: a comparison saved before
    titles were compared without punctuation (FINGERPRINT_VERSION 1) keeps revisions that
    only change punctuation or case, and those are left out here."""

    def record(data: dict[str, Any], release: Release) -> CodeRecord:
        return CodeRecord(system=release.system, release=release.id, **data)

    revised = []
    for r in saved["revised"]:
        new = record(r["record"], after)
        changed = [
            f
            for f in r["changed"]
            if f not in r["before"] or comparable(r["before"][f]) != comparable(getattr(new, f))
        ]
        if changed:
            kept = {f: v for f, v in r["before"].items() if f in changed}
            revised.append(Revision(new, changed, kept))
    return ReleaseChanges(
        system=after.system,
        before=before,
        after=after,
        added=[record(r, after) for r in saved["added"]],
        deleted=[record(r, before) for r in saved["deleted"]],
        revised=revised,
    )


def _values(record: CodeRecord, changed: list[str]) -> dict[str, str | bool]:
    """The changed fields as one release has them."""
    return {f: getattr(record, f) for f in changed}


def history_of(releases: list[Release], versions: dict[str, CodeRecord]) -> list[HistoryStep]:
    """One step per loaded release, oldest first, saying what happened to the code there."""
    out: list[HistoryStep] = []
    previous: CodeRecord | None = None
    for position, release in enumerate(ordered(releases)):
        record = versions.get(release.id)
        title = record.title if record is not None else None
        if record is None:
            step = HistoryStep(release, "deleted" if previous is not None else "absent")
        elif position == 0:
            step = HistoryStep(release, "present", title)
        elif previous is None:
            step = HistoryStep(release, "added", title)
        else:
            changed = revised_fields(previous, record)
            if changed:
                step = HistoryStep(
                    release,
                    "revised",
                    title,
                    changed,
                    _values(previous, changed),
                    _values(record, changed),
                )
            else:
                step = HistoryStep(release, "unchanged", title)
        out.append(step)
        previous = record
    return out


class ReleaseHistory:
    """Questions about the loaded releases, answered from a CodeCatalog."""

    def __init__(self, catalog: CodeCatalog) -> None:
        self.catalog = catalog

    def loaded(self, system: str | None = None) -> list[Release]:
        return ordered(self.catalog.all_releases(system))

    def systems(self) -> list[SystemReleases]:
        """Every known system with its loaded releases, newest first."""
        releases = self.loaded()
        return [
            SystemReleases(s, [r for r in reversed(releases) if r.system == s.id])
            for s in SYSTEMS.values()
        ]

    def in_force_on(self, system: str, on: date) -> Release:
        releases = self.loaded(system)
        found = in_force(releases, on)
        if found is None:
            name = SYSTEMS[system].name
            loaded = "; ".join(f"{r.name} ({_span(r)})" for r in releases) or "none"
            raise ReleaseNotFound(
                f"No loaded {name} release was in force on {on.isoformat()}. Loaded: {loaded}."
            )
        return found

    def answering(self, system: str, on: date) -> Release | None:
        """The release in force on a date or, when none is, the nearest loaded one (the page
        then says so); None only when no release of the system is loaded."""
        releases = self.loaded(system)
        return in_force(releases, on) or nearest(releases, on)

    def resolve(self, system: str, ref: str) -> Release:
        """A release named by its id (with or without the system prefix) or by a date it was
        in force on."""
        ref = ref.strip()
        releases = self.loaded(system)
        for release in releases:
            if release.id in (ref, f"{system}-{ref}"):
                return release
        day = parse_date(ref)
        if day is not None:
            return self.in_force_on(system, day)
        ids = ", ".join(r.id for r in releases) or "none"
        raise ReleaseNotFound(
            f"No {SYSTEMS[system].name} release '{ref[:40]}' is loaded. Name a release by its id "
            f"or by a date (YYYY-MM-DD) it was in force on. Loaded: {ids}."
        )

    def history(self, system: str, key: str) -> list[HistoryStep]:
        return history_of(self.loaded(system), self.catalog.versions(system, key))

    def changes(self, system_raw: str, from_ref: str, to_ref: str) -> ReleaseChanges:
        """Codes added, deleted and revised going from one release to another: from what the
        catalog saved when the releases were loaded, where it keeps such things."""
        system = resolve_system(system_raw).id
        before = self.resolve(system, from_ref)
        after = self.resolve(system, to_ref)
        if not isinstance(self.catalog, SavedChanges):
            return self.compare(system, before, after)
        saved = self.catalog.saved_changes(before.id, after.id)
        if saved is None:
            raise ReleaseNotFound(
                f"The changes from {before.id} to {after.id} were not saved when they were "
                "loaded; load the newer release again (coderef import --target dynamodb)."
            )
        return changes_from_saved(saved, before, after)

    def save_changes_of(self, release_id: str) -> int:
        """Compare a newly loaded release with every other loaded release of its system, both
        ways, and have the catalog keep each comparison. Returns how many it saved."""
        if not isinstance(self.catalog, SavedChanges):
            return 0
        release = next(r for r in self.loaded() if r.id == release_id)
        saved = 0
        for other in self.loaded(release.system):
            if other.id == release.id:
                continue
            for before, after in ((other, release), (release, other)):
                changes = self.compare(release.system, before, after)
                self.catalog.save_changes(before.id, after.id, saved_form(changes))
                saved += 1
        return saved

    def compare(self, system: str, before: Release, after: Release) -> ReleaseChanges:
        """Codes added, deleted and revised going from `before` to `after`, read from the
        catalog's records."""
        delta = self.catalog.compare_releases(before.id, after.id)
        new = self.catalog.get_many(system, [*delta.added, *delta.changed], release=after.id)
        old = self.catalog.get_many(system, [*delta.deleted, *delta.changed], release=before.id)

        def codes(keys: list[str], records: dict[str, CodeRecord]) -> list[CodeRecord]:
            found = (records[k] for k in sorted(keys) if k in records)
            return [r for r in found if r.kind not in GROUPING_KINDS]

        revised = []
        for record in codes(delta.changed, new):
            previous = old.get(record.key)
            changed = revised_fields(previous, record) if previous else []
            if previous and changed:
                revised.append(Revision(record, changed, _values(previous, changed)))
        return ReleaseChanges(
            system=system,
            before=before,
            after=after,
            added=codes(delta.added, new),
            deleted=codes(delta.deleted, old),
            revised=revised,
        )

    def where_else(self, system: str, key: str, missing_from: str | None) -> str:
        """A sentence naming the loaded releases that do have a code, for a not-found message."""
        versions = self.catalog.versions(system, key)
        others = [r for r in self.loaded(system) if r.id in versions and r.id != missing_from]
        if not others:
            return ""
        code = display_code(system, key)
        places = "; ".join(f"{r.name} ({_span(r)})" for r in others)
        loaded = self.loaded(system)
        last = max(loaded.index(r) for r in others)
        after = loaded[last + 1] if last + 1 < len(loaded) else None
        gone = f" It was deleted in the {after.name}." if after is not None else ""
        return f" {code} is in: {places}.{gone}"
