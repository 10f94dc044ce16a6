"""Code summaries, code pages, code systems and release changes as JSON bodies."""

from __future__ import annotations

from typing import Any

from coderef.catalog.crosswalks import (
    FLAGS,
    CrosswalkDirection,
    Crosswalks,
    crosswalks_of,
    row_flags,
)
from coderef.catalog.lookup import CodePage, CodeView
from coderef.catalog.notes import NoteGroup
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.releases import HistoryStep, ReleaseChanges, Standing, SystemReleases

# Sections a guest never receives: the coding notes, the 7th-character table and the related
# codes. The official descriptor and the plain-language text stay open, and so do the codes
# under this one: the code tree is free to browse (its pages show them to everyone). A guest
# learns only which of the locked sections this code has and how many entries each holds.
REGISTERED_SECTIONS = ("notes", "inherited_notes", "seventh_characters", "related")
LOCKED = {"locked": True, "reason": "register"}


def release_body(release: Release | None, release_id: str) -> dict[str, Any]:
    """A release as every body names it; a record whose release is not listed keeps its id."""
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
        **release_body(release, release.id),
        "live": release.live,
        "records": release.record_count,
    }


def brief(record: CodeRecord) -> dict[str, Any]:
    """The few fields a list of codes shows: code, title, billable, kind."""
    return {
        "code": record.code,
        "title": record.title,
        "billable": record.billable,
        "kind": record.kind,
    }


def standing_body(standing: Standing) -> dict[str, Any]:
    """Whether a code's release is in force today and covers the date asked (release.warnings
    says each problem in a sentence)."""
    current = standing.in_force_release
    return {
        "today": standing.today.isoformat(),
        "in_force_today": standing.in_force_today,
        "in_force_release": release_body(current, current.id) if current else None,
        "asked_date": standing.asked_date.isoformat() if standing.asked_date else None,
        "covers_asked_date": standing.covers_asked_date,
        "warnings": list(standing.warnings),
    }


def code_release_body(view: CodeView) -> dict[str, Any]:
    """The release a code's text comes from, with its standing when the release is listed."""
    body = release_body(view.release, view.record.release)
    if view.standing is not None:
        body.update(standing_body(view.standing))
    return body


def summary_body(view: CodeView) -> dict[str, Any]:
    record = view.record
    return {
        "system": record.system,
        "system_name": view.system.name,
        "code": record.code,
        "title": record.title,
        "billable": record.billable,
        "kind": record.kind,
        "ancestors": [{"code": a.code, "title": a.title, "kind": a.kind} for a in record.ancestors],
        "release": code_release_body(view),
        "notice": view.notice,
    }


def history_body(steps: list[HistoryStep]) -> list[dict[str, Any]]:
    out = []
    for step in steps:
        entry: dict[str, Any] = {"release": release_body(step.release, step.release.id)}
        entry["status"] = step.status
        if step.changed:
            entry["changed"] = step.changed
            entry["before"] = step.before
            entry["after"] = step.after
        if step.title is not None:
            entry["title"] = step.title
        out.append(entry)
    return out


def note_group_body(group: NoteGroup) -> dict[str, Any]:
    """One kind of note written on one level: what it asks of a coder, and the level."""
    return {
        "kind": group.kind,
        "label": group.label,
        "meaning": group.meaning,
        "items": list(group.items),
        "from": group.code,
        "level": group.level,
        "from_title": group.title,
    }


def crosswalk_direction_body(direction: CrosswalkDirection) -> dict[str, Any]:
    """The GEM rows of one direction, each naming the flags it carries."""
    return {
        "direction": direction.direction,
        "label": direction.label,
        "rows": [
            {
                "code": c.code,
                "title": c.title,
                "flags": row_flags(c),
                "scenario": c.scenario,
                "choice_list": c.choice_list,
            }
            for c in direction.rows
        ],
    }


def crosswalks_body(crosswalks: Crosswalks) -> dict[str, Any]:
    """A code's ICD-9-CM equivalents, both directions, with every flag explained."""
    record = crosswalks.record
    return {
        "system": record.system,
        "system_name": crosswalks.system.name,
        "code": record.code,
        "title": record.title,
        "release": record.release,
        "source": crosswalks.source,
        "directions": [crosswalk_direction_body(d) for d in crosswalks.directions],
        "flags_explained": dict(FLAGS),
    }


def _sections(page: CodePage) -> dict[str, list[dict[str, Any]]]:
    record = page.view.record
    return {
        "notes": [note_group_body(g) for g in page.notes],
        "inherited_notes": [note_group_body(g) for g in page.inherited_notes],
        "seventh_characters": [
            {
                "char": s.char,
                "meaning": s.meaning,
                "code": s.code,
                "clarifications": list(s.clarifications),
            }
            for s in record.seventh_characters
        ],
        "related": [brief(r) for r in page.related],
    }


def _lock_counts(page: CodePage) -> dict[str, int]:
    """What a guest learns of each locked section: how many entries it has (notes count their
    items). Counted from the page, never from a built section, so no locked text is formed."""
    return {
        "notes": sum(len(g.items) for g in page.notes),
        "inherited_notes": sum(len(g.items) for g in page.inherited_notes),
        "seventh_characters": len(page.view.record.seventh_characters),
        "related": len(page.related),
    }


def page_body(page: CodePage) -> dict[str, Any]:
    """The full page; for a guest the registered sections are lock markers with their sizes
    (an empty section is locked with a count of 0), and nothing of their content."""
    record = page.view.record
    body = summary_body(page.view)
    body["description"] = record.description
    body["plain_language"] = {
        "text": record.plain_language,
        "source": record.plain_language_source,
    }
    body["axes"] = [
        {
            "position": a.position,
            "name": a.name,
            "value": a.value,
            "label": a.label,
            "definition": a.definition,
        }
        for a in record.axes
    ]
    body["attributes"] = [
        {"id": a.id, "label": a.label, "value": a.value, "meaning": a.meaning}
        for a in record.attributes
        if a.value
    ]
    body["crosswalks"] = (
        [crosswalk_direction_body(d) for d in crosswalks_of(record).directions]
        if record.crosswalks
        else []
    )
    body["history"] = history_body(page.history)
    body["children"] = [brief(r) for r in page.children]
    if not page.registered:
        counts = _lock_counts(page)
        for section in REGISTERED_SECTIONS:
            body[section] = {**LOCKED, "count": counts[section]}
        return body
    body.update(_sections(page))
    body["absent_codes"] = list(page.absent_codes)
    return body


def systems_body(systems: list[SystemReleases]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.system.id,
            "name": s.system.name,
            "publisher": s.system.publisher,
            "licence": s.system.licence,
            "releases": [listed_release(r) for r in s.releases],
        }
        for s in systems
    ]


def changes_body(changes: ReleaseChanges) -> dict[str, Any]:
    added = [brief(r) for r in changes.added]
    deleted = [brief(r) for r in changes.deleted]
    revised = [
        {**brief(r.record), "changed": r.changed, "before": r.before} for r in changes.revised
    ]
    return {
        "system": changes.system,
        "from": release_body(changes.before, changes.before.id),
        "to": release_body(changes.after, changes.after.id),
        "counts": {"added": len(added), "deleted": len(deleted), "revised": len(revised)},
        "added": added,
        "deleted": deleted,
        "revised": revised,
    }
