"""CasePilot answers and Case2Code readings as JSON bodies: the structured details, the
sources and the links shown beside the prose. Built from the evidence itself, so whichever
composer wrote the prose, the codes and links are the catalog's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coderef.api.presenters.catalog import release_body
from coderef.api.presenters.guidelines import passage_body
from coderef.api.presenters.links import code_url, guideline_url, search_url, system_url
from coderef.assistant.answers import missing_message, not_loaded_message
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.crosswalks import FLAGS as GEM_FLAGS
from coderef.catalog.crosswalks import SOURCES as GEM_SOURCES
from coderef.catalog.records import NOTE_LABELS, CodeRecord, Release, SeventhCharacter
from coderef.catalog.references import referenced_keys
from coderef.search.engine import hit_fields

if TYPE_CHECKING:
    from coderef.assistant.answers import Answer, Evidence
    from coderef.assistant.case2code import Excluded, Finding, Reading, SeventhChoice, Suggestion
    from coderef.assistant.coding_rules import Instruction
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


def linked_code(record: CodeRecord, reason: str, note: Instruction | None) -> dict[str, Any]:
    """A code of a coding set (or a history code): why it is there, and the classification's
    note it follows, if any."""
    return {
        "system": record.system,
        "code": record.code,
        "title": record.title,
        "billable": record.billable,
        "url": code_url(record.system, record.code),
        "reason": reason,
        "note": note.to_dict() if note else None,
    }


def details(evidence: Evidence, releases: dict[str, Release]) -> dict[str, Any]:
    """The structured part of an answer, by kind."""
    kind = evidence.kind
    out: dict[str, Any] = {}
    if evidence.codes:
        out["codes"] = [card(record, releases) for record in evidence.codes]
    if kind in ("compare", "together"):
        # A locked code's notes are shown only where they name the other code: the lines
        # that answer the question, never its whole notes section.
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
                if code not in evidence.locked or any(r.note == n for r in evidence.relations)
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
        locked = evidence.codes[0].code in evidence.locked
        out["asked"] = evidence.encounter
        out["full_code_of"] = evidence.seventh_of
        out["locked"] = locked
        # A locked code's table stays on its page: only the characters the question asks for.
        shown = evidence.seventh_matches if locked else evidence.seventh
        out["characters"] = [
            {
                **_seventh(evidence.codes[0].system, s),
                "matches": s in evidence.seventh_matches,
            }
            for s in shown
        ]
    if evidence.linked:
        out["verdict"] = evidence.link_verdict or out.get("verdict")
        out["coding_set"] = [linked_code(c.record, c.reason, c.note) for c in evidence.linked]
    if evidence.instructions:
        out["instructions"] = [
            {
                **n.to_dict(),
                "codes": [{"code": key, "url": search_url(key)} for key in referenced_keys(n.text)],
            }
            for n in evidence.instructions
        ]
    if evidence.not_loaded:
        out["not_loaded"] = [
            {"system": s, "name": SYSTEMS[s].name, "message": not_loaded_message(s)}
            for s in evidence.not_loaded
        ]
    if kind == "codes_for" or evidence.candidates:
        out["topic"] = evidence.topic
        out["candidates"] = [candidate_body(c) for c in evidence.candidates]
    if evidence.passages:
        out["passages"] = [passage_body(p) for p in evidence.passages]
    if evidence.root_operations:
        out["root_operations"] = [
            {"label": label, "definition": definition}
            for label, definition in evidence.root_operations
        ]
    if kind == "crosswalk":
        out["crosswalk"] = crosswalk_body(evidence)
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


def crosswalk_body(evidence: Evidence) -> dict[str, Any]:
    """ICD-9-CM codes to ICD-10 by the GEMs: each code's targets (linked to their pages) with
    their flags, what each flag means, the GEM files, and the numbers that are no ICD-9-CM code."""
    return {
        "available": not evidence.icd9_unavailable,
        "icd9": [
            {
                "code": c.code,
                "procedure": c.procedure,
                "title": c.title,
                "no_map": c.no_map,
                "target_system": c.target_system,
                "source": GEM_SOURCES[c.target_system],
                "targets": [
                    {
                        "system": t.system,
                        "code": t.code,
                        "title": t.title,
                        "url": code_url(t.system, t.code),
                        "approximate": t.approximate,
                        "combination": t.combination,
                        "scenario": t.scenario,
                        "choice_list": t.choice_list,
                    }
                    for t in c.targets
                ],
            }
            for c in evidence.icd9
        ],
        "not_icd9": [
            {
                "written": m.written,
                "procedure": m.procedure,
                "under": [{"code": c.code, "title": c.title} for c in m.under],
            }
            for m in evidence.icd9_missing
        ],
        "flags": dict(GEM_FLAGS),
    }


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
        "locked": choice.locked,
        "note": choice.note,
    }


def _suggestion(suggestion: Suggestion) -> dict[str, Any]:
    record, candidate = suggestion.record, suggestion.candidate
    if candidate is None:
        # A code the classification leads to: a history code, a combination code.
        return {
            **linked_code(record, suggestion.reason, suggestion.note),
            "kind": record.kind,
        }
    item = candidate_body(candidate)
    if suggestion.seventh is not None:
        item["seventh_character"] = _seventh_choice(record.system, suggestion.seventh)
    if suggestion.full is not None:
        # The encounter names the 7th character: the full code is the candidate.
        item.update(
            {
                "code": suggestion.code,
                "url": code_url(record.system, suggestion.code),
                "title": suggestion.title,
                "stem": record.code,
                "reason": suggestion.reason,
            }
        )
    return item


def _place(item: Finding | Excluded) -> dict[str, Any]:
    return {
        "text": item.text,
        "start": item.start,
        "end": item.end,
        "kind": item.kind,
        "cue": item.cue,
        "section": item.section,
        "laterality": item.laterality,
        "status": item.status,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    out = {**_place(finding), "candidates": [_suggestion(s) for s in finding.suggestions]}
    if finding.note:
        out["note"] = finding.note
    return out


def reading_body(reading: Reading) -> dict[str, Any]:
    """What Case2Code read in a note: findings with candidates, coding sets, excluded phrases,
    releases."""
    encounter = reading.encounter
    return {
        "systems": reading.systems,
        "setting": reading.setting,
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
        "findings": [_finding(f) for f in reading.findings],
        "coding_sets": [
            {
                "findings": coding_set.findings,
                "codes": [linked_code(c.record, c.reason, c.note) for c in coding_set.codes],
            }
            for coding_set in reading.coding_sets
        ],
        "excluded": [{**_place(e), "reason": e.reason} for e in reading.excluded],
        "message": reading.message,
        "releases": [{**release_body(r, r.id), "system": r.system} for r in reading.releases],
    }
