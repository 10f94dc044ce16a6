"""Releases side by side: which release was in force on a date, a code's history across the
loaded releases, and what changed between two releases of one system."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from coderef.catalog.codes import SYSTEMS, display_code, resolve_system
from coderef.catalog.ports import CodeCatalog
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


def fingerprint(record: CodeRecord) -> str:
    """A short digest of the revision fields, stored beside each record so two releases can be
    compared without reading every record."""
    raw = json.dumps([comparable(getattr(record, f)) for f in REVISION_FIELDS], ensure_ascii=False)
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


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def release_dict(release: Release | None, release_id: str) -> dict[str, Any]:
    if release is None:
        return {"id": release_id, "name": release_id, "source": ""}
    return {
        "id": release.id,
        "name": release.name,
        "source": release.source,
        "effective_from": release.effective_from,
        "effective_to": release.effective_to,
    }


def listed_release(release: Release) -> dict[str, Any]:
    return {
        **release_dict(release, release.id),
        "live": release.live,
        "records": release.record_count,
    }


def _span(release: Release) -> str:
    return f"{release.effective_from} to {release.effective_to or 'until replaced'}"


def history_of(releases: list[Release], versions: dict[str, CodeRecord]) -> list[dict[str, Any]]:
    """One entry per loaded release, oldest first, saying what happened to the code there.

    status: "present" (in the first loaded release: nothing earlier to compare with), "added",
    "revised" (with the fields that changed and what they were), "unchanged", "deleted" (gone
    from a release that follows one it was in), "absent".
    """
    out: list[dict[str, Any]] = []
    previous: CodeRecord | None = None
    for position, release in enumerate(ordered(releases)):
        record = versions.get(release.id)
        entry: dict[str, Any] = {"release": release_dict(release, release.id)}
        if record is None:
            entry["status"] = "deleted" if previous is not None else "absent"
        elif position == 0:
            entry["status"] = "present"
        elif previous is None:
            entry["status"] = "added"
        else:
            changed = revised_fields(previous, record)
            entry["status"] = "revised" if changed else "unchanged"
            if changed:
                entry["changed"] = changed
                entry["before"] = {f: getattr(previous, f) for f in changed}
        if record is not None:
            entry["title"] = record.title
        out.append(entry)
        previous = record
    return out


class ReleaseHistory:
    """Questions about the loaded releases, answered from a CodeCatalog."""

    def __init__(self, catalog: CodeCatalog) -> None:
        self.catalog = catalog

    def loaded(self, system: str | None = None) -> list[Release]:
        return ordered(self.catalog.all_releases(system))

    def systems(self) -> list[dict[str, Any]]:
        """Every known system with its loaded releases, newest first."""
        releases = self.loaded()
        return [
            {
                "id": s.id,
                "name": s.name,
                "publisher": s.publisher,
                "licence": s.licence,
                "releases": [listed_release(r) for r in reversed(releases) if r.system == s.id],
            }
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

    def history(self, system: str, key: str) -> list[dict[str, Any]]:
        return history_of(self.loaded(system), self.catalog.versions(system, key))

    def changes(self, system_raw: str, from_ref: str, to_ref: str) -> dict[str, Any]:
        """Codes added, deleted and revised going from one release to another."""
        system = resolve_system(system_raw).id
        before = self.resolve(system, from_ref)
        after = self.resolve(system, to_ref)
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
            if changed:
                revised.append(
                    {
                        **record.brief(),
                        "changed": changed,
                        "before": {f: getattr(previous, f) for f in changed},
                    }
                )
        added = [r.brief() for r in codes(delta.added, new)]
        deleted = [r.brief() for r in codes(delta.deleted, old)]
        return {
            "system": system,
            "from": release_dict(before, before.id),
            "to": release_dict(after, after.id),
            "counts": {"added": len(added), "deleted": len(deleted), "revised": len(revised)},
            "added": added,
            "deleted": deleted,
            "revised": revised,
        }

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
