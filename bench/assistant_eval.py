"""How far a coder can rely on CasePilot and Case2Code: the evaluation set in
bench/assistant_eval_set.json (questions and short notes written by the CodeRef team, each with
the codes a certified coder would report), scored on the full bundled data.

Run: .venv/bin/python -m bench.assistant_eval  (after `make run` or `coderef import`)

Scores:
- hit in top 3: an expected code (or, written "S52.532-", any code under it) is among the first
  three codes of the answer (CasePilot: coding set, candidates, matching 7th characters, the
  codes asked about) or of one finding or coding set of the note (Case2Code);
- wrong codes: first-ranked codes of a note's findings and its coding sets that the coder would
  not report;
- invented codes: any code in an answer or a note's result that the loaded catalog lacks;
- offered as current: a code of a denied, family-history or past finding (the item's "never"
  prefixes) offered as a current condition.

Items marked "heldout" were written after the rules had been tuned on the others and are
reported on their own: the others guided the work, so their score flatters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.assistant import answer_body, reading_body
from coderef.api.services import Services
from coderef.assistant.grounding import code_key, code_tokens
from coderef.catalog.codes import SYSTEMS
from coderef.settings import Settings

EVAL_SET = Path(__file__).with_name("assistant_eval_set.json")
TOP = 3


def load_set() -> dict[str, Any]:
    return json.loads(EVAL_SET.read_text("utf-8"))


def _key(code: str) -> str:
    return code.replace(".", "").rstrip("-").upper()


def _hits(expected: str, codes: list[str]) -> bool:
    want = _key(expected)
    if expected.endswith("-"):
        return any(_key(c).startswith(want) for c in codes)
    return want in {_key(c) for c in codes}


def _expected_or_under(code: str, expected: list[str]) -> bool:
    return any(_hits(e, [code]) for e in expected)


class Scorer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.catalog = services.catalog

    def exists(self, code: str) -> bool:
        key = _key(code)
        return any(self.catalog.get(system, key) is not None for system in SYSTEMS)

    # -- CasePilot -------------------------------------------------------------------------
    def question(self, item: dict[str, Any]) -> dict[str, Any]:
        # Scored as the API returns it: the body the presenters build.
        answer = answer_body(self.services.casepilot.ask(item["question"]))
        details = answer["details"]
        ranked = (
            [c["code"] for c in details.get("coding_set", [])]
            + [c["code"] for c in details.get("candidates", [])]
            + [c["code"] for c in details.get("characters", []) if c.get("matches")]
            + [c["code"] for c in details.get("codes", [])]
        )
        top = ranked[:TOP]
        hits = [e for e in item["expected"] if _hits(e, top)]
        said = [w for w in item.get("says", []) if w.lower() in answer["answer"].lower()]
        shown = set(ranked) | {written for written, _, _, _ in code_tokens(answer["answer"])}
        # ICD-9-CM codes a crosswalk answer maps (V45.81 is shaped like ICD-10-CM) are GEM data.
        crosswalk = details.get("crosswalk") or {}
        shown -= {c["code"] for c in crosswalk.get("icd9", [])}
        shown -= {c["code"] for m in crosswalk.get("not_icd9", []) for c in m["under"]}
        shown -= {m["written"] for m in crosswalk.get("not_icd9", [])}
        invented = sorted(c for c in shown if code_key(c) and not self.exists(c))
        return {
            "id": item["id"],
            "heldout": item.get("heldout", False),
            "expected": item["expected"],
            "hits": hits,
            "says": item.get("says", []),
            "said": said,
            "top": top,
            "invented": invented,
            "kind": answer["kind"],
        }

    # -- Case2Code -------------------------------------------------------------------------
    def note(self, item: dict[str, Any]) -> dict[str, Any]:
        result = reading_body(
            self.services.case2code.suggest(item["text"], setting=item.get("setting"))
        )
        groups = [[c["code"] for c in f["candidates"]] for f in result["findings"]]
        groups += [[c["code"] for c in s["codes"]] for s in result["coding_sets"]]
        hits = [e for e in item["expected"] if any(_hits(e, g[:TOP]) for g in groups)]
        reported = [f["candidates"][0]["code"] for f in result["findings"] if f["candidates"]]
        reported += [c["code"] for s in result["coding_sets"] for c in s["codes"]]
        wrong = sorted({c for c in reported if not _expected_or_under(c, item["expected"])})
        every = {c for g in groups for c in g}
        invented = sorted(c for c in every if not self.exists(c))
        current = [
            c["code"]
            for f in result["findings"]
            if f["status"] in ("present", "uncertain")
            for c in f["candidates"]
        ] + [c["code"] for s in result["coding_sets"] for c in s["codes"]]
        never = item.get("never", [])
        as_current = sorted({c for c in current if any(_key(c).startswith(_key(n)) for n in never)})
        return {
            "id": item["id"],
            "heldout": item.get("heldout", False),
            "expected": item["expected"],
            "hits": hits,
            "wrong": wrong,
            "invented": invented,
            "as_current": as_current,
        }


def run(services: Services | None = None) -> dict[str, Any]:
    if services is None:
        settings = Settings.from_env()
        services = Services(settings=settings, catalog=SqliteCatalog(settings.catalog_path))
    scorer = Scorer(services)
    data = load_set()
    questions = [scorer.question(q) for q in data["questions"]]
    notes = [scorer.note(n) for n in data["notes"]]

    def total(rows: list[dict], key: str) -> int:
        return sum(len(r[key]) for r in rows)

    q_expected, n_expected = total(questions, "expected"), total(notes, "expected")
    return {
        "questions": {
            "n": len(questions),
            "expected": q_expected,
            "hits": total(questions, "hits"),
            "says": total(questions, "says"),
            "said": total(questions, "said"),
            "invented": total(questions, "invented"),
            "rows": questions,
        },
        "notes": {
            "n": len(notes),
            "expected": n_expected,
            "hits": total(notes, "hits"),
            "wrong": total(notes, "wrong"),
            "invented": total(notes, "invented"),
            "as_current": total(notes, "as_current"),
            "rows": notes,
        },
        "all_expected": q_expected + n_expected,
        "all_hits": total(questions, "hits") + total(notes, "hits"),
        # Items written after the rules were tuned on the rest, scored without changes since.
        "heldout_expected": total([r for r in questions + notes if r["heldout"]], "expected"),
        "heldout_hits": total([r for r in questions + notes if r["heldout"]], "hits"),
        "heldout_items": sum(1 for r in questions + notes if r["heldout"]),
    }


def _share(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def report(result: dict[str, Any]) -> str:
    q, n = result["questions"], result["notes"]
    lines = [
        f"CasePilot: {q['n']} questions, {q['hits']}/{q['expected']} expected codes in the top "
        f"{TOP} ({_share(q['hits'], q['expected']):.0f}%), {q['said']}/{q['says']} required "
        f"statements, {q['invented']} invented codes",
        f"Case2Code: {n['n']} notes, {n['hits']}/{n['expected']} expected codes in the top {TOP} "
        f"({_share(n['hits'], n['expected']):.0f}%), {n['wrong']} wrong codes, {n['invented']} "
        f"invented codes, {n['as_current']} denied/family/past findings offered as current",
        f"All: {result['all_hits']}/{result['all_expected']} expected codes in the top {TOP} "
        f"({_share(result['all_hits'], result['all_expected']):.0f}%); of them held out "
        f"({result['heldout_items']} items written after tuning): {result['heldout_hits']}/"
        f"{result['heldout_expected']}",
    ]
    for row in q["rows"]:
        missed = [e for e in row["expected"] if e not in row["hits"]]
        unsaid = [w for w in row["says"] if w not in row["said"]]
        if missed or unsaid or row["invented"]:
            lines.append(
                f"  {row['id']}: missed {missed} unsaid {unsaid} invented {row['invented']} "
                f"(top {row['top']})"
            )
    for row in n["rows"]:
        missed = [e for e in row["expected"] if e not in row["hits"]]
        if missed or row["wrong"] or row["invented"] or row["as_current"]:
            lines.append(
                f"  {row['id']}: missed {missed} wrong {row['wrong']} invented "
                f"{row['invented']} offered as current {row['as_current']}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    outcome = run()
    print(report(outcome))
    sys.exit(0)
