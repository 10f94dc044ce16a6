"""CasePilot: answers to coding questions, gathered from the loaded catalog and guidelines.

The service reads the question, gathers evidence by the rules of its kind, has a composer
write the prose, and checks that the prose names no code outside the catalog. A composer
that fails or names an unknown code is replaced by the deterministic one for that answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coderef.assistant import questions as q
from coderef.assistant.answers import (
    Answer,
    Composer,
    ComposerUnavailable,
    Evidence,
    Icd9Missing,
    LinkedCode,
    Missing,
    Relation,
    scope_notes,
)
from coderef.assistant.case_notes import read_note
from coderef.assistant.coding_rules import (
    FAMILY_HISTORY,
    PERSONAL_HISTORY,
    Classification,
    Instruction,
    stems,
)
from coderef.assistant.composer import DeterministicComposer
from coderef.assistant.grounding import code_key, ungrounded_codes
from coderef.assistant.ports import CandidateSource, GuidelineSearch, Icd9Crosswalks
from coderef.assistant.questions import QuestionKind as Kind
from coderef.catalog.codes import SYSTEMS, resolve_system
from coderef.catalog.crosswalks import icd9_display
from coderef.catalog.notes import ancestor_keys
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord
from coderef.catalog.references import referenced_spans, span_covers
from coderef.errors import InvalidInput, UnknownSystem

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate

Opened = Callable[[str, str], bool]
_ROOT_OPERATION = re.compile(
    r"\b(which|what)?\s*(pcs\s+)?root operations?\b(\s+(is|for|of|applies to|to use for))?",
    re.I,
)
# Everyday words of a described procedure, in the words PCS definitions use.
_DESCRIBED = {
    "whole": "all",
    "entire": "all",
    "complete": "all",
    "removal": "cutting out",
    "remove": "cutting out",
    "removed": "cutting out",
    "part": "portion",
    "partial": "portion",
    "replace": "replacement",
    "repair": "restoring",
    "drain": "draining",
    "biopsy": "portion",
}
_HISTORY_TOPIC = re.compile(r"^(?:(personal|family)\s+)?(?:history|hx)\s+of\s+(.+)$", re.I)

log = logging.getLogger("coderef.casepilot")

NearCodes = Callable[[str, str], list[dict[str, Any]]]
CANDIDATES = 6
PASSAGES = 3
ICD9_CODES = 3  # ICD-9-CM codes answered per question
ICD9_UNDER = 10  # codes listed under an ICD-9-CM category asked about
_ICD9_V_OR_E = re.compile(r"^[VvEe]\d{2}(\.\d{1,2})?$")


class CasePilot:
    def __init__(
        self,
        catalog: CodeCatalog,
        candidates: CandidateSource,
        guidelines: GuidelineSearch,
        near_codes: NearCodes,
        composer: Composer | None = None,
        crosswalks: Icd9Crosswalks | None = None,
    ) -> None:
        self.catalog = catalog
        self.crosswalks = crosswalks
        self.candidates = candidates
        self.guidelines = guidelines
        self.near_codes = near_codes
        self.fallback = DeterministicComposer()
        self.composer: Composer = composer or self.fallback
        self.rules = Classification(catalog)

    # -- the use case ------------------------------------------------------------------
    def check(self, question_raw: str) -> q.Question:
        """The question read, or InvalidInput when it is empty or too long."""
        question = q.read_question(question_raw or "")
        if not question.text:
            raise InvalidInput("Ask a question, for example “What is R00.1?”.", field="question")
        if len(question.text) > q.MAX_QUESTION_LENGTH:
            raise InvalidInput(
                f"Keep a question under {q.MAX_QUESTION_LENGTH} characters.", field="question"
            )
        letters = [c for c in question.text if c.isalpha()]
        if letters and sum(c.isascii() for c in letters) < 0.8 * len(letters):
            raise InvalidInput(
                "CasePilot answers questions written in English, for example “What is R00.1?”.",
                field="question",
            )
        return question

    def ask(
        self,
        question_raw: str,
        context: dict[str, str] | None = None,
        opened: Opened | None = None,
    ) -> Answer:
        """Answer a question. `opened(system, key)` says whether the asker has unlocked a code:
        a locked code is quoted only in the note lines that answer the question, never in a
        whole section (all notes, the 7th-character table, children). Left out, all is open."""
        question = self.check(question_raw)
        evidence = self.gather(question, self._context_record(context))
        if opened is not None:
            records = list(evidence.codes) + [c.record for c in evidence.linked]
            evidence.locked = {r.code for r in records if not opened(r.system, r.key)}
        text, composer_name = self._compose(evidence)
        return self._answer(question, evidence, text, composer_name)

    # -- evidence ----------------------------------------------------------------------
    def _context_record(self, context: dict[str, str] | None) -> CodeRecord | None:
        if not context or not context.get("code"):
            return None
        try:
            system = resolve_system(context.get("system") or "icd10cm").id
        except UnknownSystem as exc:
            raise InvalidInput(exc.message, field="context.system") from None
        key = code_key(context["code"]) or context["code"].strip().upper().replace(".", "")
        return self.catalog.get(system, key)

    def _resolve(self, question: q.Question) -> tuple[list[CodeRecord], list[Missing], set]:
        found: list[CodeRecord] = []
        missing: list[Missing] = []
        typed: set[str] = set()
        systems = [question.system_hint] if question.system_hint else list(SYSTEMS)
        for named in question.codes:
            typed.add(named.key)
            record = next(
                (r for s in systems if (r := self.catalog.get(s, named.key)) is not None), None
            )
            if record is None and question.system_hint:
                record = next(
                    (r for s in SYSTEMS if (r := self.catalog.get(s, named.key)) is not None),
                    None,
                )
            if record is not None:
                if all(r.key != record.key or r.system != record.system for r in found):
                    found.append(record)
            elif named.strongly_written:
                if named.key[0].isdigit():
                    shaped: tuple[str, ...] = ("icd10pcs",)
                elif len(named.key) == 7:
                    shaped = ("icd10cm", "icd10pcs")
                else:
                    shaped = ("icd10cm",)
                candidates_systems = tuple(s for s in shaped if s in systems) or shaped
                near = []
                for system in candidates_systems:
                    near += self.near_codes(system, named.written)
                missing.append(Missing(named.written, candidates_systems, tuple(near[:5])))
        return found, missing, typed

    def gather(self, question: q.Question, context: CodeRecord | None) -> Evidence:
        found, missing, typed = self._resolve(question)
        releases = {r.system: r for r in self.catalog.releases()}
        subjects = list(found)
        leans_on_page = question.asks_compare or question.asks_together or question.asks_seventh
        if context is not None and all(r.key != context.key for r in subjects):
            if not subjects and not question.codes_for_topic:
                subjects = [context]
            elif len(subjects) == 1 and leans_on_page:
                subjects = [context, *subjects]
        kind = q.kind_of(question, len(subjects))
        evidence = Evidence(question=question.text, kind=kind, releases=releases, typed_keys=typed)
        icd9 = list(question.icd9) or self._icd9_instead(question, missing)
        if icd9:
            evidence.kind = Kind.CROSSWALK
            self._crosswalk(evidence, icd9)
            return evidence
        not_loaded = [s for s in question.named_sets if s not in releases]
        if not_loaded and not re.search(r"\bicd", question.text, re.I):
            evidence.kind = Kind.NOT_LOADED
            evidence.not_loaded = not_loaded
            evidence.topic = question.topic()
            return evidence
        if missing:
            evidence.kind = Kind.CODE_NOT_FOUND
            evidence.missing = missing
            evidence.codes = subjects
            return evidence
        if kind == Kind.DEFINE:
            evidence.codes = subjects[:1]
        elif kind == Kind.COMPARE:
            self._compare(evidence, subjects[0], subjects[1])
        elif kind == Kind.TOGETHER:
            self._together(evidence, subjects[0], subjects[1])
        elif kind == Kind.SEVENTH_CHARACTER:
            self._seventh(evidence, subjects[0], question.encounter)
        elif kind == Kind.SEQUENCE:
            self._sequence(evidence, question, subjects)
        elif kind == Kind.GUIDELINE:
            evidence.topic = question.topic()
            if _ROOT_OPERATION.search(question.text):
                self._root_operation(evidence, question.text)
            if not evidence.root_operations:
                evidence.passages = self.guidelines.search(question.text, limit=PASSAGES)
        elif kind == Kind.CODES_FOR:
            evidence.topic = question.codes_for_topic or question.topic()
            self._codes_for(evidence, question.system_hint)
        else:
            # Nothing says what kind of question this is: codes first, then the guidelines.
            evidence.topic = question.topic()
            self._codes_for(evidence, question.system_hint)
            evidence.kind = Kind.CODES_FOR
            if not evidence.candidates and not evidence.linked:
                passages = self.guidelines.search(question.text, limit=PASSAGES)
                if passages:
                    evidence.kind, evidence.passages = Kind.GUIDELINE, passages
        return evidence

    def _icd9_instead(self, question: q.Question, missing: list[Missing]) -> list[q.Icd9Named]:
        """ "ICD-10 for V45.81": V45.81 is no ICD-10-CM code, but an ICD-9-CM one. A code that
        reads both ways is taken as ICD-9-CM only when ICD-10 lacks it and ICD-9-CM has it."""
        if self.crosswalks is None or not q.speaks_of_code_sets(question.text):
            return []
        found = []
        for miss in missing:
            if _ICD9_V_OR_E.match(miss.written):
                code = miss.written.upper()
                if self.crosswalks.icd9(code, False) is not None:
                    found.append(q.Icd9Named(miss.written, code, False, 0, 0))
        return found

    def _crosswalk(self, evidence: Evidence, named: list[q.Icd9Named]) -> None:
        """ICD-9-CM codes to ICD-10 by CMS's forward GEMs: each code's targets with their
        flags (the target records become the answer's codes, each linked to its page), or
        that no ICD-9-CM code has that number, with the codes under it when it is a category."""
        if self.crosswalks is None:
            evidence.icd9_unavailable = True
            return
        targets: list[tuple[str, str]] = []
        for name in named[:ICD9_CODES]:
            code = icd9_display(name.code, name.procedure)
            found = self.crosswalks.icd9(code, name.procedure)
            if found is None:
                under = self.crosswalks.icd9_under(code, name.procedure, limit=ICD9_UNDER)
                evidence.icd9_missing.append(
                    Icd9Missing(name.written, name.procedure, tuple(under))
                )
                continue
            evidence.icd9.append(found)
            targets += [(t.system, t.code.replace(".", "").upper()) for t in found.targets]
        for system in dict.fromkeys(system for system, _ in targets):
            keys = list(dict.fromkeys(k for s, k in targets if s == system))
            got = self.catalog.get_many(system, keys)
            evidence.codes += [got[k] for k in keys if k in got]

    def _ancestors(self, record: CodeRecord) -> list[CodeRecord]:
        """The records of every level above a code: their notes apply to it too
        (catalog/notes.py resolves inheritance at read time)."""
        keys = ancestor_keys(record)
        got = self.catalog.get_many(record.system, keys)
        return [got[k] for k in keys if k in got]

    def _notes_of(self, evidence: Evidence, *records: CodeRecord) -> None:
        evidence.codes = list(records)
        for record in records:
            evidence.notes[record.code] = scope_notes(record, self._ancestors(record))
        first, second = records
        evidence.relations = [
            Relation(note, subject.code, other.code)
            for subject, other in ((first, second), (second, first))
            for note in evidence.notes[subject.code]
            if other.system == subject.system
            and any(span_covers(span, other.key) for span in referenced_spans(note.item))
        ]
        evidence.shared_ancestor = _shared_ancestor(first, second)

    def _compare(self, evidence: Evidence, first: CodeRecord, second: CodeRecord) -> None:
        self._notes_of(evidence, first, second)

    def _together(self, evidence: Evidence, first: CodeRecord, second: CodeRecord) -> None:
        self._notes_of(evidence, first, second)
        kinds = {r.note.kind for r in evidence.relations}
        linked = self.rules.link(first, second)
        without = [r for r in (first, second) if "without complications" in r.title.lower()]
        if first.system != second.system:
            evidence.verdict = "different_systems"
        elif first.key.startswith(second.key) or second.key.startswith(first.key):
            evidence.verdict = "same_family"
        elif linked is not None:
            evidence.verdict = "combination" if linked.replaces else "sequenced"
            evidence.linked = _linked(linked)
        elif without and first.key[:3] == second.key[:3]:
            # "E11.9 Type 2 diabetes mellitus without complications" says there is none: it
            # is never reported beside another code of its category that names one.
            evidence.verdict = "without_complications"
            other = second if without[0] is first else first
            evidence.linked = [
                LinkedCode(
                    other,
                    f"{without[0].code} says “without complications”: with a complication "
                    f"documented, {other.code} is reported instead, not beside it.",
                )
            ]
        elif first.system == "icd10pcs":
            evidence.verdict = "procedures"
            evidence.passages = self.guidelines.search("multiple procedures", limit=1)
        elif "excludes1" in kinds:
            evidence.verdict = "excludes1"
        elif "excludes2" in kinds:
            evidence.verdict = "excludes2"
        else:
            evidence.verdict = "no_excludes_note"

    def _seventh(self, evidence: Evidence, record: CodeRecord, asked: list[str]) -> None:
        stem = record
        if record.is_generated and record.parent:
            parent = self.catalog.get(record.system, record.parent)
            if parent is not None:
                evidence.seventh_of, stem = record.code, parent
        evidence.codes = [stem]
        evidence.encounter = asked
        evidence.seventh = list(stem.seventh_characters)
        if asked:
            evidence.seventh_matches = [
                s for s in evidence.seventh if all(word in s.meaning.lower() for word in asked)
            ]

    def _sequence(self, evidence: Evidence, question: q.Question, subjects: list) -> None:
        """What to code first or in addition: the code's own notes and those above it; a
        condition the question also names is linked by the same notes."""
        record = subjects[0]
        evidence.codes = [record]
        text = question.text.lower()
        wanted: tuple[str, ...] = ("code_first", "use_additional_code", "code_also")
        if "first" in text or "before" in text:
            wanted = ("code_first",)
        elif "additional" in text or "also" in text or "goes with" in text or "go with" in text:
            wanted = ("use_additional_code", "code_also")
        evidence.instructions = self.rules.instructions(record, wanted)
        others = list(subjects[1:])
        topic = question.topic(question.codes)
        topic = re.sub(
            r"^.*?\b(when|if|where|and)\b\s*(the\s+)?(patient|pt)?\s*(has|have|with)?\s*",
            "",
            topic,
            flags=re.I,
        )
        if not others and topic and topic.lower() != text:
            found = self.candidates.find(topic, system=record.system, limit=1)
            others = [c.record for c in found]
        for other in others:
            linked = self.rules.link(record, other)
            if linked is not None:
                evidence.linked = _linked(linked)
                evidence.link_verdict = "combination" if linked.replaces else "sequenced"
                break

    def _root_operation(self, evidence: Evidence, text: str) -> None:
        """Which PCS root operation a described procedure is: the root operations used on the
        body part the question names, with their official definitions, the one whose
        definition the description matches best first, and its codes for that body part."""
        described = _ROOT_OPERATION.sub(" ", text)
        words = [w for w in re.findall(r"[a-z]+", described.lower()) if len(w) > 3]
        parts: dict[str, str] = {}
        for word in words:
            for cand in self.candidates.find(word, system="icd10pcs", limit=5):
                part = next((a for a in cand.record.axes if a.name == "Body Part"), None)
                if part and word in part.label.lower():
                    parts.setdefault(cand.key[:2], part.label)
        if not parts:
            return
        wanted = stems(" ".join(_DESCRIBED.get(w, w) for w in words), drop=())
        options = []
        for prefix, label in parts.items():
            system_record = self.catalog.get("icd10pcs", prefix)
            if system_record is None:
                continue
            tables = self.catalog.get_many("icd10pcs", list(system_record.children))
            for table in tables.values():
                codes = self.catalog.get_many("icd10pcs", list(table.children))
                on_part = [
                    c
                    for c in codes.values()
                    if any(a.name == "Body Part" and a.label == label for a in c.axes)
                ]
                if not on_part:
                    continue
                operation = next(a for a in on_part[0].axes if a.name == "Root Operation")
                score = len(wanted & stems(operation.definition or "", drop=()))
                options.append((score, operation.label, operation.definition or "", on_part))
        if not options:
            return
        options.sort(key=lambda o: (-o[0], o[1]))
        evidence.root_operations = [(label, definition) for _, label, definition, _ in options]
        best = sorted(options[0][3], key=lambda c: c.key)[:CANDIDATES]
        evidence.codes = best

    def _codes_for(self, evidence: Evidence, system: str | None) -> None:
        """Codes for a described condition or procedure: the whole description first; a
        history or family history of a condition to its Z code; conditions joined by "with"
        or "and" to the coding set the classification links them into; failing all, the
        description less one word, saying which word no code names."""
        topic = evidence.topic
        history = _HISTORY_TOPIC.match(topic)
        if history:
            self._history_of(evidence, history.group(1), history.group(2), system)
            if evidence.candidates or evidence.linked:
                return
        evidence.candidates = self.candidates.find(topic, system=system, limit=CANDIDATES)
        if evidence.candidates:
            return
        # Coders' shorthand the search leaves out ("femoral neck" is the neck of the femur).
        expanded = " ".join(w.text for w in read_note(topic).words)
        if expanded != topic.lower():
            evidence.candidates = self.candidates.find(expanded, system=system, limit=CANDIDATES)
            if evidence.candidates:
                return
        parts = q.parts_of(topic)
        if len(parts) > 1:
            tops = [found[0] for p in parts if (found := self.candidates.find(p, system=system))]
            if len(tops) == len(parts):
                self._set_of(evidence, tops)
                if evidence.linked:
                    return
        evidence.candidates = self._relaxed(topic, system)

    def _history_of(
        self, evidence: Evidence, whose: str | None, condition: str, system: str | None
    ) -> None:
        kind = "family_history" if (whose or "").lower() == "family" else "history"
        heads = FAMILY_HISTORY if kind == "family_history" else PERSONAL_HISTORY
        label = "family history of" if kind == "family_history" else "personal history of"
        named = [
            c
            for c in self.candidates.find(f"{label} {condition}", system="icd10cm", limit=3)
            if c.key[:3] in heads
        ]
        if named:
            evidence.candidates = named
            return
        current = self.candidates.find(condition, system="icd10cm", limit=2)
        for record, reason, note in self.rules.history_codes(kind, condition, current):
            evidence.linked.append(LinkedCode(record, reason, note))
        if evidence.linked:
            evidence.link_verdict = kind

    def _set_of(self, evidence: Evidence, tops: list[Candidate]) -> None:
        records = [c.record for c in tops]
        for i, first in enumerate(records):
            for second in records[i + 1 :]:
                linked = self.rules.link(first, second, records)
                if linked is not None:
                    evidence.linked = _linked(linked)
                    evidence.link_verdict = "combination" if linked.replaces else "sequenced"
                    return

        # No note links them: each is coded; one whose note says to code the underlying
        # condition first goes after the others.
        def underlying(record: CodeRecord) -> Instruction | None:
            return next(
                (
                    n
                    for n in self.rules.instructions(record)
                    if n.kind == "code_first" and "underlying" in n.text.lower()
                ),
                None,
            )

        ordered = sorted(records, key=lambda r: underlying(r) is not None)
        evidence.link_verdict = "separate"
        for record in ordered:
            note = underlying(record)
            reason = f"{record.code}: {record.title}."
            if note:
                reason += " Its Code first note puts the underlying condition before it."
            evidence.linked.append(LinkedCode(record, reason, note))

    def _relaxed(self, topic: str, system: str | None) -> list[Candidate]:
        """No code names every word: the closest codes naming all but one, the word said."""
        words = topic.split()
        best: list[Candidate] = []
        for i, word in enumerate(words):
            if len(words) < 3 or word.lower() in ("of", "the", "left", "right", "with", "and"):
                continue
            found = self.candidates.find(" ".join(words[:i] + words[i + 1 :]), system=system)
            if found and (not best or found[0].rank < best[0].rank):
                for cand in found:
                    cand.reason += f" No code of the loaded release names “{word}” with the rest."
                best = found
        return best[:CANDIDATES]

    # -- composing and checking ----------------------------------------------------------
    def _exists(self, key: str) -> bool:
        return any(self.catalog.get(system, key) is not None for system in SYSTEMS)

    def _compose(self, evidence: Evidence) -> tuple[str, str]:
        allowed = evidence.allowed_keys()
        composer = self.composer
        try:
            text = composer.compose(evidence)
        except ComposerUnavailable as exc:
            log.warning("composer %s unavailable (%s); answering without it", composer.name, exc)
            composer, text = self.fallback, self.fallback.compose(evidence)
        except Exception as exc:
            if composer is self.fallback:
                raise
            # A second composer's fault never costs the user the answer; its message could
            # quote the question, so only its type is logged.
            log.warning("composer %s failed (%s)", composer.name, type(exc).__name__)
            composer, text = self.fallback, self.fallback.compose(evidence)
        bad = ungrounded_codes(text, self._exists, allowed)
        if bad and composer is not self.fallback:
            log.warning(
                "composer %s named %d code(s) outside the catalog; answer replaced",
                composer.name,
                len(bad),
            )
            composer, text = self.fallback, self.fallback.compose(evidence)
            bad = ungrounded_codes(text, self._exists, allowed)
        if bad:
            # The deterministic composer only repeats catalog text; this is a bug, not input.
            raise RuntimeError("the deterministic answer named a code outside the catalog")
        return text, composer.name

    def _answer(self, question: q.Question, evidence: Evidence, text: str, composer: str) -> Answer:
        topics: list[str] = []
        if not evidence.answered:
            written = [m.written for m in evidence.missing] or [evidence.topic or question.topic()]
            topics = [topic for topic in written if topic]
        # The codes shown are cards naming their release (one read, only when there are codes).
        releases = {r.id: r for r in self.catalog.releases()} if evidence.codes else {}
        return Answer(question.text, evidence, text, composer, topics, releases)


def _linked(linked: Any) -> list[LinkedCode]:
    return [
        LinkedCode(record, reason, note)
        for record, reason, note in zip(linked.codes, linked.reasons, linked.notes, strict=True)
    ]


def _shared_ancestor(first: CodeRecord, second: CodeRecord) -> dict | None:
    if first.system != second.system:
        return None
    theirs = {a.code for a in second.ancestors} | {second.code}
    shared = None
    for ancestor in first.ancestors:
        if ancestor.code in theirs:
            shared = {"code": ancestor.code, "title": ancestor.title, "kind": ancestor.kind}
    if first.code in theirs:
        shared = {"code": first.code, "title": first.title, "kind": first.kind}
    return shared
