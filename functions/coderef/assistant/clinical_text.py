"""What a note says about each finding it names: denied, uncertain, hypothetical, a family
member's, in the past; and which section of the note it sits in.

Read with medspaCy on spaCy's blank English pipeline (no model download): PyRuSH splits the
sentences, the sectionizer finds "PMH:", "Family history:", "Assessment:" and the like, and
ConText (its default English rules plus context_rules.json) reads the cues around each finding.
medspaCy takes seconds to import, so it is imported on first use only: the code-page function
never loads it. Pure: nothing is stored or logged (PyRuSH's debug log, which quotes the note's
tokens, is switched off).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

PRESENT = "present"
NEGATED = "negated"
HYPOTHETICAL = "hypothetical"
UNCERTAIN = "uncertain"
FAMILY = "family_history"
HISTORY = "history"

# Precedence when several cues reach one finding: a denied finding is never coded, whatever
# else is said; a family member's condition is not the patient's, even when called "history".
_ORDER = (NEGATED, HYPOTHETICAL, UNCERTAIN, FAMILY, HISTORY)
_CATEGORY = {
    "NEGATED_EXISTENCE": NEGATED,
    "HYPOTHETICAL": HYPOTHETICAL,
    "POSSIBLE_EXISTENCE": UNCERTAIN,
    "FAMILY": FAMILY,
    "HISTORICAL": HISTORY,
}
_SECTION_STATUS = {"family_history": FAMILY}
# Section headings that ConText also reads as a "history" cue. In a past-medical-history list
# they do not make a chronic condition past: "PMH: hypertension on lisinopril" is current.
_HEADING_CUES = frozenset({"pmh", "pmhx", "past medical history", "medical history", "history"})
HISTORY_SECTIONS = frozenset({"past_medical_history", "problem_list"})


@dataclass(frozen=True)
class Assertion:
    status: str
    cue: str | None
    section: str | None


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    text = resources.files("coderef.assistant").joinpath("context_rules.json").read_text("utf-8")
    return json.loads(text)


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _pipeline() -> Any:
    from loguru import logger

    # PyRuSH logs every token of the text at DEBUG: a note must never reach a log.
    logger.disable("PyRuSH")
    import medspacy
    from medspacy.context import ConTextRule
    from medspacy.section_detection import SectionRule

    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush", "medspacy_context"])
    nlp.add_pipe("medspacy_sectionizer", before="medspacy_context")
    rules = _rules()
    nlp.get_pipe("medspacy_context").add(
        [
            ConTextRule(
                r["literal"], r["category"], direction=r["direction"], pattern=r.get("pattern")
            )
            for r in rules["context_rules"]
        ]
    )
    nlp.get_pipe("medspacy_sectionizer").add(
        [SectionRule(r["literal"], r["category"]) for r in rules["section_rules"]]
    )
    return nlp


def warm() -> None:
    """Load the pipeline now (a function's init phase), not on its first note."""
    _pipeline()


def assert_findings(text: str, spans: list[tuple[int, int]]) -> list[Assertion]:
    """One assertion per (start, end) character span of `text`, in order. Spans must not
    overlap."""
    if not spans:
        return []
    nlp = _pipeline()
    with _lock:  # one spaCy pipeline, shared: components keep per-call state
        doc = nlp.make_doc(text)
        ents = []
        for start, end in spans:
            ents.append(doc.char_span(start, end, label="FINDING", alignment_mode="expand"))
        for name, component in nlp.pipeline:
            doc = component(doc)
            if name == "medspacy_pyrush":
                doc.ents = _without_overlaps(ents)
        by_start: dict[tuple[int, int] | None, Any] = {
            (e.start_char, e.end_char): e for e in doc.ents
        }
        return [_assertion(doc, by_start.get(_key(e))) for e in ents]


def _key(span: Any) -> tuple[int, int] | None:
    return (span.start_char, span.end_char) if span is not None else None


def _without_overlaps(ents: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for ent in ents:
        if ent is not None and all(ent.start >= k.end or ent.end <= k.start for k in kept):
            kept.append(ent)
    return sorted(kept, key=lambda e: e.start)


def _assertion(doc: Any, ent: Any) -> Assertion:
    if ent is None:
        return Assertion(PRESENT, None, None)
    section = _section(doc, ent)
    found: list[tuple[str, str]] = []
    for modifier in ent._.modifiers:
        status = _CATEGORY.get(modifier.category)
        if status is None:
            continue
        begin, end = modifier.modifier_span
        if begin < ent.end and end > ent.start:
            continue  # inside the finding's own words ("GERD without esophagitis")
        cue = doc[begin:end].text.lower()
        if status == HISTORY and section in HISTORY_SECTIONS and cue.lower() in _HEADING_CUES:
            continue
        found.append((status, cue))
    if section in _SECTION_STATUS:
        found.append((_SECTION_STATUS[section], "family history section"))
    if not found:
        return Assertion(PRESENT, None, section)
    status, cue = min(found, key=lambda f: _ORDER.index(f[0]))
    return Assertion(status, cue, section)


def _section(doc: Any, ent: Any) -> str | None:
    """The section a finding is in, when its heading governs it: a heading on a line of its
    own governs what follows; a heading inside running text governs its own sentence only
    ("Family history: asthma. History of MI." — the MI is the patient's)."""
    section = ent._.section
    if section is None or section.title_span is None:
        return None
    title_start, title_end = section.title_span  # token indexes
    if ent.sent.start <= title_start < ent.sent.end:
        return ent._.section_category
    end_char = doc[title_end - 1].idx + len(doc[title_end - 1].text)
    if "\n" in doc.text[end_char : end_char + 3] or end_char >= len(doc.text):
        return ent._.section_category
    return None
