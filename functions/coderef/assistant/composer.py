"""The default composer: plain sentences assembled from the evidence. No model, no network,
the same answer every time."""

from __future__ import annotations

from coderef.assistant.answers import (
    EXCLUDES_MEANING,
    GEM_FLAGS,
    GEM_SOURCES,
    Evidence,
    missing_message,
    not_loaded_message,
)
from coderef.assistant.questions import QuestionKind as Kind
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.crosswalks import Icd9Code, Icd9Target
from coderef.catalog.records import NOTE_LABELS, CodeRecord

MAX_NOTE_ITEMS = 4
PASSAGE_CHARS = 420


def _q(text: str) -> str:
    return f"“{text}”"


def _named(record: CodeRecord) -> str:
    return f"{record.code} ({record.title})"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


class DeterministicComposer:
    name = "deterministic"

    def compose(self, evidence: Evidence) -> str:
        if evidence.kind == Kind.CROSSWALK:
            return self._crosswalk(evidence)  # it also says when a number is no ICD-9-CM code
        if evidence.missing:
            return self._missing(evidence)
        if not evidence.answered:
            return self._nothing(evidence)
        writers = {
            Kind.DEFINE: self._define,
            Kind.COMPARE: self._compare,
            Kind.TOGETHER: self._together,
            Kind.SEVENTH_CHARACTER: self._seventh_character,
            Kind.SEQUENCE: self._sequence,
            Kind.NOT_LOADED: self._code_set_not_loaded,
            Kind.CODES_FOR: self._codes_for,
            Kind.GUIDELINE: self._guideline,
        }
        # An answered evidence of any other kind would be a bug in CasePilot: fail loudly.
        return writers[evidence.kind](evidence)

    # -- one writer per kind ------------------------------------------------------------
    def _define(self, ev: Evidence) -> str:
        record = ev.codes[0]
        parts = [f"{record.code}: {record.title}."]
        if record.description and record.description != record.title:
            parts.append(f"Official descriptor: {record.description}.")
        if record.plain_language:
            parts.append(record.plain_language)
        else:
            path = " › ".join(f"{a.code} {a.title}" for a in record.ancestors)
            if path:
                parts.append(f"It sits under {path}.")
        return "\n\n".join(parts)

    def _compare(self, ev: Evidence) -> str:
        first, second = ev.codes[:2]
        lines = [f"{first.code} is {_q(first.title)}; {second.code} is {_q(second.title)}."]
        if first.system != second.system:
            lines.append(
                f"They belong to different code sets ({SYSTEMS[first.system].name} and "
                f"{SYSTEMS[second.system].name}), so no note connects them."
            )
        elif ev.shared_ancestor:
            shared = ev.shared_ancestor
            lines.append(f"Both sit under {shared['code']} ({shared['title']}).")
        if ev.relations:
            lines.append("Notes that name the other code:")
            lines += [
                f"- {r.subject}: {NOTE_LABELS[r.note.kind]} (on {r.note.on}) {_q(r.note.item)}"
                for r in ev.relations
            ]
        for record in (first, second):
            # Block and chapter notes are long and shared; they show only when they name the
            # other code (above) or in the structured details.
            if record.code in ev.locked:
                lines.append(
                    f"{record.code}'s own notes are on its page; open it to read them in full."
                )
                continue
            # The code's own notes and those of its category and subcategory (I11's Includes
            # note governs I11.9); block and chapter notes stay in the details.
            notes = [
                n for n in ev.notes.get(record.code, []) if n.level not in ("block", "chapter")
            ]
            if not notes:
                lines.append(f"{record.code} carries no inclusion or exclusion notes.")
                continue
            lines.append(f"What {record.code} covers and leaves out:")
            by_kind: dict[str, list] = {}
            for note in notes:
                by_kind.setdefault(note.kind, []).append(note)
            for kind, items in by_kind.items():
                shown = "; ".join(_q(n.item) for n in items[:MAX_NOTE_ITEMS])
                more = (
                    f" and {len(items) - MAX_NOTE_ITEMS} more"
                    if len(items) > MAX_NOTE_ITEMS
                    else ""
                )
                lines.append(f"- {NOTE_LABELS[kind]}: {shown}{more}")
        return "\n".join(lines)

    def _together(self, ev: Evidence) -> str:
        first, second = ev.codes[:2]
        verdict = ev.verdict
        lines: list[str] = []
        if verdict in ("combination", "sequenced", "without_complications"):
            lines.append(_set_answer(ev, first, second))
        elif verdict == "same_family":
            broad, narrow = sorted((first, second), key=lambda r: len(r.key))
            lines.append(
                f"{narrow.code} is a code within {broad.code}: report only the most specific "
                f"code, {narrow.code}, not both."
            )
        elif verdict == "excludes1":
            lines.append(f"No: {first.code} and {second.code} are not coded together.")
        elif verdict == "excludes2":
            lines.append(
                f"Yes, when the patient has both: {first.code} and {second.code} may be "
                "coded together."
            )
        elif verdict == "no_excludes_note":
            lines.append(
                f"No Excludes1 or Excludes2 note in the loaded "
                f"{ev.releases[first.system].name if first.system in ev.releases else ''} "
                f"connects {_named(first)} and {_named(second)}, so the excludes notes do not "
                "stop coding both when both are documented."
            )
        elif verdict == "procedures":
            lines.append(
                "ICD-10-PCS has no excludes notes: procedures are coded separately when each "
                "is a distinct procedure. The guideline passages below say when."
            )
        else:
            lines.append(
                f"{first.code} and {second.code} are in different code sets "
                f"({SYSTEMS[first.system].name}, {SYSTEMS[second.system].name}); excludes "
                "notes only connect codes of one set."
            )
        for relation in ev.relations:
            lines.append(
                f"- The {NOTE_LABELS[relation.note.kind]} note on {relation.note.on}, "
                f"{_q(relation.note.item)}, covers {relation.other}."
            )
        kinds = {r.note.kind for r in ev.relations}
        lines += [EXCLUDES_MEANING[k] for k in ("excludes1", "excludes2") if k in kinds]
        for passage in ev.passages:
            lines.append(
                f"Guideline {passage.section} ({passage.title}): {_clip(passage.text, 300)}"
            )
        return "\n".join(lines)

    def _seventh_character(self, ev: Evidence) -> str:
        record = ev.codes[0]
        lines: list[str] = []
        if ev.seventh_of:
            lines.append(f"{ev.seventh_of} is {record.code} with a 7th character already added.")
        if not ev.seventh:
            lines.append(
                f"{record.code} ({record.title}) takes no 7th character in the loaded release."
            )
            return "\n".join(lines)
        asked = _encounter_phrase(ev.encounter)
        if ev.encounter and ev.seventh_matches:
            lines.append(f"For {asked}, {record.code} takes:")
            lines += [f"- {s.char}: {s.meaning}{_full(s)}" for s in ev.seventh_matches]
        elif ev.encounter:
            lines.append(f"{record.code} has no 7th character for {asked} in the loaded release.")
        if record.code in ev.locked:
            lines.append(
                f"{record.code}'s full 7th-character table is on its code page; open it to "
                "see every option."
            )
            return "\n".join(lines)
        lines.append(f"The 7th characters of {record.code} ({record.title}):")
        lines += [f"- {s.char}: {s.meaning}{_full(s)}" for s in ev.seventh]
        if not any(s.code for s in ev.seventh):
            lines.append(
                f"They are added to the codes below {record.code}, filled to six characters "
                "with the placeholder X where needed."
            )
        return "\n".join(lines)

    def _codes_for(self, ev: Evidence) -> str:
        if ev.linked and not ev.candidates:
            return _set_lines(ev, f"For {_q(ev.topic)}")
        lines = [f"Candidates for {_q(ev.topic)} in the loaded code sets, closest first:"]
        lines += [
            f"{n}. {c.code} {c.title}{'' if c.billable else ' (not billable alone)'}: {c.reason}"
            for n, c in enumerate(ev.candidates, start=1)
        ]
        lines.append("Read each code's page and notes before you choose.")
        return "\n".join(lines)

    def _sequence(self, ev: Evidence) -> str:
        record = ev.codes[0]
        lines: list[str] = []
        if ev.linked:
            lines.append(_set_lines(ev, f"With {record.code}"))
        if ev.instructions:
            lines.append(f"The notes that govern {record.code} ({record.title}):")
            lines += [f"- {NOTE_LABELS[n.kind]} (on {n.on}): {_q(n.text)}" for n in ev.instructions]
        elif not ev.linked:
            lines.append(
                f"{record.code} ({record.title}) carries no Code first, Use additional code or "
                "Code also note, on it or above it, in the loaded release: it is sequenced by "
                "the reason for the encounter."
            )
        return "\n".join(lines)

    def _code_set_not_loaded(self, ev: Evidence) -> str:
        return "\n".join(not_loaded_message(s) for s in ev.not_loaded) + (
            " Nothing is guessed: ask about ICD-10-CM or ICD-10-PCS codes meanwhile."
        )

    def _guideline(self, ev: Evidence) -> str:
        lines = []
        if ev.root_operations:
            label, definition = ev.root_operations[0]
            lines.append(
                f"Closest root operation: {label}, defined in ICD-10-PCS as {_q(definition)}."
            )
            if ev.codes:
                lines.append(
                    "Its codes for this body part: "
                    + "; ".join(f"{c.code} ({c.title})" for c in ev.codes)
                    + "."
                )
            others = "; ".join(f"{lab}: {_q(d)}" for lab, d in ev.root_operations[1:5])
            if others:
                lines.append(f"Other root operations used on this body part: {others}.")
            lines.append(
                "The root operation is the objective of the procedure: compare the definitions "
                "with what was done."
            )
        for passage in ev.passages:
            lines.append(
                f"{passage.source.name}, {passage.section} {passage.title}:\n"
                f"{_clip(passage.text, PASSAGE_CHARS)}"
            )
        return "\n\n".join(lines)

    def _crosswalk(self, ev: Evidence) -> str:
        if ev.icd9_unavailable:
            return (
                "The ICD-9-CM crosswalks (CMS's General Equivalence Mappings) are not loaded "
                "in this CodeRef, so I cannot map ICD-9-CM codes here."
            )
        parts = [_icd9_answer(icd9, ev) for icd9 in ev.icd9]
        for miss in ev.icd9_missing:
            what = "procedure code" if miss.procedure else "code"
            line = (
                f"There is no ICD-9-CM {what} {miss.written} in CMS's ICD-9-CM lists (version 32, "
                "the last release), so there is nothing to map. CodeRef will not guess a code."
            )
            if miss.under:
                listed = "; ".join(f"{c.code} ({c.title})" for c in miss.under)
                line += (
                    f" {miss.written} is a category; the GEMs map the complete codes under it: "
                    f"{listed}. Ask about one of them."
                )
            parts.append(line)
        sources = list(dict.fromkeys(GEM_SOURCES[c.target_system] for c in ev.icd9))
        if sources:
            line = f"Source: {'; '.join(s.rstrip('.') for s in sources)}."
            systems = list(dict.fromkeys(r.system for r in ev.codes))
            if systems:
                releases = ", ".join(
                    ev.releases[s].name if s in ev.releases else SYSTEMS[s].name for s in systems
                )
                line += f" The ICD-10 codes shown are those of the loaded {releases}."
            line += (
                " The GEMs are a translation aid for data, not a coding rule: code the encounter "
                "from the record with the ICD-10 index and tabular."
            )
            parts.append(line)
        return "\n\n".join(parts)

    def _missing(self, ev: Evidence) -> str:
        lines = []
        for miss in ev.missing:
            line = missing_message(miss, ev.releases) + " CodeRef will not guess a code."
            if miss.near:
                near = "; ".join(f"{n['code']} ({n['title']})" for n in miss.near)
                line += f" Codes near it that do exist: {near}."
            lines.append(line)
        return "\n".join(lines)

    def _nothing(self, ev: Evidence) -> str:
        about = f" about {_q(ev.topic)}" if ev.topic else ""
        return (
            f"I found nothing in the loaded code sets or guidelines{about} that answers this "
            "question. Try searching for the condition or procedure in your own words, or ask "
            "about a specific code."
        )


def _target(t: Icd9Target, ev: Evidence) -> str:
    # The title as the loaded release writes it (the record read), else the GEM row's copy.
    title = next((r.title for r in ev.codes if r.system == t.system and r.code == t.code), t.title)
    return f"{t.code} ({title})"


def _icd9_answer(icd9: Icd9Code, ev: Evidence) -> str:
    """One ICD-9-CM code's forward GEM rows, with what each flag means."""
    system = SYSTEMS[icd9.target_system].name
    head = f"ICD-9-CM {'procedure ' if icd9.procedure else ''}{icd9.code} ({icd9.title})"
    if not icd9.no_map and not icd9.targets:
        return (
            f"{head}: CMS's GEM maps it only to {system} codes the loaded release does not "
            "have (deleted since the GEMs were published), so CodeRef has no equivalent to "
            f"show. Code the encounter in {system} from the record."
        )
    if icd9.no_map:
        return (
            f"{head} has no {system} equivalent in CMS's GEM: it is flagged “no map”. "
            f"{GEM_FLAGS['no_map']} Code the encounter in {system} from the record."
        )
    lines: list[str] = []
    scenarios = icd9.scenarios()
    single = [t for t in icd9.targets if not t.combination]
    if scenarios:
        lines.append(f"{head} maps to a combination of {system} codes. {GEM_FLAGS['combination']}")
        for number, lists in sorted(scenarios.items()):
            choices = "; ".join(
                f"list {n}: " + " or ".join(_target(t, ev) for t in targets)
                for n, targets in sorted(lists.items())
            )
            lines.append(f"- Scenario {number}: {choices}")
    if single:
        if len(single) == 1:
            lines.append(f"{head} maps to {system} {_target(single[0], ev)}.")
        else:
            lines.append(
                f"{head} maps to one of these {system} codes (CMS lists them as alternatives; "
                "the record decides which):"
            )
            lines += [f"- {_target(t, ev)}" for t in single]
    approximate = [t.code for t in icd9.targets if t.approximate]
    if not approximate:
        lines.append("CMS flags this mapping as exact, not approximate.")
    elif len(approximate) == len(icd9.targets):
        meaning = GEM_FLAGS["approximate"]
        lines.append(f"CMS flags it approximate: {meaning[0].lower()}{meaning[1:]}")
    else:
        lines.append(f"Flagged approximate: {', '.join(approximate)}. {GEM_FLAGS['approximate']}")
    return "\n".join(lines)


def _set_lines(ev: Evidence, lead: str) -> str:
    verdict = ev.link_verdict
    if verdict == "history":
        head = f"{lead}, a personal history code, not the condition's own code:"
    elif verdict == "family_history":
        head = f"{lead}, a family history code, not the condition's own code:"
    elif verdict == "separate":
        head = f"{lead}, no note links them into one code: code each, in this order:"
    else:
        head = f"{lead}, the classification links them: report, in this order:"
    lines = [head]
    for n, item in enumerate(ev.linked, start=1):
        line = f"{n}. {item.record.code} {item.record.title}: {item.reason}"
        if item.note:
            line += f" ({NOTE_LABELS[item.note.kind]} note on {item.note.on}: {_q(item.note.text)})"
        lines.append(line)
    return "\n".join(lines)


def _set_answer(ev: Evidence, first: CodeRecord, second: CodeRecord) -> str:
    if ev.verdict == "combination":
        codes = ", ".join(c.record.code for c in ev.linked)
        lead = (
            f"Not as {first.code} and {second.code}: “with” presumes the link, and the "
            f"classification codes the pair as {codes}."
        )
    elif ev.verdict == "without_complications":
        lead = f"No: report {ev.linked[0].record.code} alone."
        return lead + "\n" + _set_lines(ev, "Why")
    else:
        lead = (
            f"Yes, both, in the order the notes set: {', '.join(c.record.code for c in ev.linked)}."
        )
    return lead + "\n" + _set_lines(ev, "Together")


def _full(item) -> str:
    return f" → {item.code}" if item.code else ""


_ENCOUNTER_PHRASES = {
    "initial": "an initial encounter",
    "subsequent": "a subsequent encounter",
    "sequela": "a sequela",
}


def _encounter_phrase(asked: list[str]) -> str:
    main = [_ENCOUNTER_PHRASES[w] for w in asked if w in _ENCOUNTER_PHRASES]
    more = [w for w in asked if w not in _ENCOUNTER_PHRASES]
    phrase = " or ".join(main) or "this encounter"
    return phrase + (f" ({', '.join(more)})" if more else "")
