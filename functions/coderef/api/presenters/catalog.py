"""Code summaries, code pages, code systems and release changes as JSON bodies."""

from __future__ import annotations

from typing import Any

from coderef.catalog.lookup import CodePage, CodeView
from coderef.catalog.records import NOTE_KINDS, NOTE_LABELS, CodeRecord, Release
from coderef.catalog.releases import HistoryStep, ReleaseChanges, SystemReleases

# Sections a guest never receives: the coding notes, the 7th-character table and the related
# codes. The official descriptor and the plain-language text stay open, and so do the codes
# under this one: the code tree is free to browse (its pages show them to everyone).
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
        "release": release_body(view.release, record.release),
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
        if step.title is not None:
            entry["title"] = step.title
        out.append(entry)
    return out


def page_body(page: CodePage) -> dict[str, Any]:
    """The full page; for a guest the registered sections are lock markers."""
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
    body["history"] = history_body(page.history)
    body["children"] = [brief(r) for r in page.children]
    if not page.registered:
        body.update({section: dict(LOCKED) for section in REGISTERED_SECTIONS})
        return body
    body["notes"] = [
        {"kind": kind, "label": NOTE_LABELS[kind], "items": record.notes[kind]}
        for kind in NOTE_KINDS
        if record.notes.get(kind)
    ]
    body["inherited_notes"] = [
        {**n, "label": NOTE_LABELS[n["kind"]]} for n in record.inherited_notes
    ]
    body["seventh_characters"] = [
        {"char": s.char, "meaning": s.meaning, "code": s.code} for s in record.seventh_characters
    ]
    body["related"] = [brief(r) for r in page.related]
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
