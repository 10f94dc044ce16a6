"""CasePilot answers and Case2Code readings as JSON bodies: the structured details, the
sources and the links shown beside the prose. Built from the evidence itself, so whichever
composer wrote the prose, the codes and links are the catalog's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coderef.api.presenters.catalog import release_body
from coderef.api.presenters.guidelines import passage_body
from coderef.api.presenters.links import code_url, guideline_url, search_url, system_url
from coderef.assistant.answers import missing_message
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.records import NOTE_LABELS, CodeRecord, Release, SeventhCharacter
from coderef.search.engine import hit_fields

if TYPE_CHECKING:
    from coderef.assistant.answers import Answer, Evidence
    from coderef.assistant.case2code import Reading, SeventhChoice, Suggestion
    from coderef.search.candidates import Candidate


def candidate_body(candidate: Candidate) -> dict[str, Any]:
    """A candidate code (search/candidates.py): the hit fields, its link and why it matched."""
    return {
        **hit_fields(candidate),
        "url": code_url(candidate.system, candidate.code),
        "reason": candidate.reason,
    }


def card(record: CodeRecord, releases: dict[str, Release]) -> dict[str, Any]:
    """One code as an answer shows it."""
    return {
        "system": record.system,
        "system_name": SYSTEMS[record.system].name,
        "code": record.code,
        "title": record.title,
        "description": record.description,
        "billable": record.billable,
        "kind": record.kind,
        "url": code_url(record.system, record.code),
        "plain_language": record.plain_language,
        "ancestors": [{"code": a.code, "title": a.title, "kind": a.kind} for a in record.ancestors],
        "axes": [
            {"position": a.position, "name": a.name, "value": a.value, "label": a.label}
            for a in record.axes
        ],
        "release": release_body(releases.get(record.release), record.release),
    }


def details(evidence: Evidence, releases: dict[str, Release]) -> dict[str, Any]:
    """The structured part of an answer, by kind."""
    kind = evidence.kind
    out: dict[str, Any] = {}
    if evidence.codes:
        out["codes"] = [card(record, releases) for record in evidence.codes]
    if kind in ("compare", "together"):
        out["notes"] = {
            code: [
                {
                    "kind": n.kind,
                    "label": NOTE_LABELS[n.kind],
                    "text": n.item,
                    "on": n.on,
                    "level": n.level,
                    "names_other": any(r.note == n for r in evidence.relations),
                }
                for n in notes
            ]
            for code, notes in evidence.notes.items()
        }
        out["relations"] = [
            {
                "kind": r.note.kind,
                "label": NOTE_LABELS[r.note.kind],
                "text": r.note.item,
                "on": r.note.on,
                "code": r.subject,
                "covers": r.other,
            }
            for r in evidence.relations
        ]
        out["shared_ancestor"] = evidence.shared_ancestor
    if kind == "together":
        out["verdict"] = evidence.verdict
        out["ncci_edits"] = {
            "loaded": False,
            "message": "No NCCI edits are loaded; they pair HCPCS and CPT codes, not ICD-10.",
        }
    if kind == "seventh_character":
        out["asked"] = evidence.encounter
        out["full_code_of"] = evidence.seventh_of
        out["characters"] = [
            {
                **_seventh(evidence.codes[0].system, s),
                "matches": s in evidence.seventh_matches,
            }
            for s in evidence.seventh
        ]
    if kind == "codes_for" or evidence.candidates:
        out["topic"] = evidence.topic
        out["candidates"] = [candidate_body(c) for c in evidence.candidates]
    if evidence.passages:
        out["passages"] = [passage_body(p) for p in evidence.passages]
    if evidence.missing:
        out["missing"] = [
            {
                "written": m.written,
                "systems": list(m.systems),
                "message": missing_message(m, evidence.releases),
                "near": [{**n, "url": code_url(n["system"], n["code"])} for n in m.near],
            }
            for m in evidence.missing
        ]
    return out


def sources(evidence: Evidence) -> list[dict[str, Any]]:
    """Every source an answer rests on, as links: codes, releases, guideline sections."""
    out: list[dict[str, Any]] = []
    seen: set[tuple] = set()

    def add(key: tuple, item: dict[str, Any]) -> None:
        if key not in seen:
            seen.add(key)
            out.append(item)

    systems: list[str] = []
    records = list(evidence.codes) + [c.record for c in evidence.candidates]
    for record in records:
        add(
            ("code", record.system, record.code),
            {
                "kind": "code",
                "system": record.system,
                "code": record.code,
                "title": record.title,
                "release": record.release,
                "url": code_url(record.system, record.code),
            },
        )
        systems.append(record.system)
    for missing in evidence.missing:
        for near in missing.near:
            systems.append(near["system"])
        systems.extend(missing.systems)
    for passage in evidence.passages:
        add(
            ("guideline", passage.source.id, passage.section),
            {
                "kind": "guideline",
                "source": passage.source.id,
                "section": passage.section,
                "title": passage.title,
                "label": passage.label,
                "url": guideline_url(passage.source.id, passage.section),
            },
        )
    for system in dict.fromkeys(systems):
        release = evidence.releases.get(system)
        if release:
            add(
                ("release", release.id),
                {
                    "kind": "release",
                    "system": system,
                    "id": release.id,
                    "name": release.name,
                    "source": release.source,
                    "url": system_url(system),
                },
            )
    return out


def answer_body(answer: Answer) -> dict[str, Any]:
    evidence = answer.evidence
    suggestions: list[dict[str, str]] = []
    if not evidence.answered:
        suggestions += [
            {"label": f"Search for “{topic}”", "url": search_url(topic)}
            for topic in answer.search_topics
        ]
        for miss in evidence.missing:
            suggestions += [
                {"label": f"{n['code']} {n['title']}", "url": code_url(n["system"], n["code"])}
                for n in miss.near
            ]
    return {
        "question": answer.question,
        "kind": evidence.kind,
        "answered": evidence.answered,
        "answer": answer.text,
        "details": details(evidence, answer.releases),
        "sources": sources(evidence),
        "suggestions": suggestions,
        "composer": answer.composer,
    }


def _seventh(system: str, s: SeventhCharacter) -> dict[str, Any]:
    return {
        "char": s.char,
        "meaning": s.meaning,
        "code": s.code,
        "url": code_url(system, s.code) if s.code else None,
    }


def _seventh_choice(system: str, choice: SeventhChoice) -> dict[str, Any]:
    return {
        "encounter": choice.encounter,
        "chosen": [_seventh(system, s) for s in choice.chosen],
        "options": [_seventh(system, s) for s in choice.options],
        "note": choice.note,
    }


def _suggestion(suggestion: Suggestion) -> dict[str, Any]:
    item = candidate_body(suggestion.candidate)
    if suggestion.seventh is not None:
        item["seventh_character"] = _seventh_choice(suggestion.candidate.system, suggestion.seventh)
    return item


def reading_body(reading: Reading) -> dict[str, Any]:
    """What Case2Code read in a note: findings with candidates, excluded phrases, releases."""
    encounter = reading.encounter
    return {
        "systems": reading.systems,
        "encounter": (
            {
                "type": encounter.type,
                "text": encounter.text,
                "start": encounter.start,
                "end": encounter.end,
            }
            if encounter
            else None
        ),
        "findings": [
            {
                "text": f.text,
                "start": f.start,
                "end": f.end,
                "kind": f.kind,
                "status": f.status,
                "cue": f.cue,
                "laterality": f.laterality,
                "candidates": [_suggestion(s) for s in f.suggestions],
            }
            for f in reading.findings
        ],
        "excluded": [
            {"text": e.text, "start": e.start, "end": e.end, "status": e.status, "cue": e.cue}
            for e in reading.excluded
        ],
        "releases": [{**release_body(r, r.id), "system": r.system} for r in reading.releases],
    }
