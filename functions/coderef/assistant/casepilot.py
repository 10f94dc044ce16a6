"""CasePilot: answers to coding questions, gathered from the loaded catalog and guidelines.

The service reads the question, gathers evidence by the rules of its kind, has a composer
write the prose, and checks that the prose names no code outside the catalog. A composer
that fails or names an unknown code is replaced by the deterministic one for that answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coderef.assistant import questions as q
from coderef.assistant.answers import (
    Answer,
    Composer,
    ComposerUnavailable,
    Evidence,
    Missing,
    Relation,
    scope_notes,
)
from coderef.assistant.composer import DeterministicComposer
from coderef.assistant.grounding import code_key, ungrounded_codes
from coderef.assistant.ports import CandidateSource, GuidelineSearch
from coderef.assistant.questions import QuestionKind as Kind
from coderef.catalog.codes import SYSTEMS, resolve_system
from coderef.catalog.notes import ancestor_keys
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord
from coderef.catalog.references import referenced_spans, span_covers
from coderef.errors import InvalidInput, UnknownSystem

if TYPE_CHECKING:
    pass

log = logging.getLogger("coderef.casepilot")

NearCodes = Callable[[str, str], list[dict[str, Any]]]
CANDIDATES = 6
PASSAGES = 3


class CasePilot:
    def __init__(
        self,
        catalog: CodeCatalog,
        candidates: CandidateSource,
        guidelines: GuidelineSearch,
        near_codes: NearCodes,
        composer: Composer | None = None,
    ) -> None:
        self.catalog = catalog
        self.candidates = candidates
        self.guidelines = guidelines
        self.near_codes = near_codes
        self.fallback = DeterministicComposer()
        self.composer: Composer = composer or self.fallback

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
        return question

    def ask(self, question_raw: str, context: dict[str, str] | None = None) -> Answer:
        question = self.check(question_raw)
        evidence = self.gather(question, self._context_record(context))
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
        elif kind == Kind.GUIDELINE:
            evidence.topic = question.topic()
            evidence.passages = self.guidelines.search(question.text, limit=PASSAGES)
        elif kind == Kind.CODES_FOR:
            evidence.topic = question.codes_for_topic or question.topic()
            evidence.candidates = self.candidates.find(
                evidence.topic, system=question.system_hint, limit=CANDIDATES
            )
        else:
            # Nothing says what kind of question this is: codes first, then the guidelines.
            evidence.topic = question.topic()
            evidence.candidates = self.candidates.find(
                evidence.topic, system=question.system_hint, limit=CANDIDATES
            )
            evidence.kind = Kind.CODES_FOR
            if not evidence.candidates:
                passages = self.guidelines.search(question.text, limit=PASSAGES)
                if passages:
                    evidence.kind, evidence.passages = Kind.GUIDELINE, passages
        return evidence

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
        if first.system != second.system:
            evidence.verdict = "different_systems"
        elif first.key.startswith(second.key) or second.key.startswith(first.key):
            evidence.verdict = "same_family"
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
