"""Search relevance on the evaluation set (bench/search_eval.tsv): hit@1, hit@5 and MRR.

Run: .venv/bin/python -m bench.search_quality [--misses]  (after `make run` or `coderef import`)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from coderef.search.engine import SearchIndex
from coderef.settings import Settings

EVAL_SET = Path(__file__).with_name("search_eval.tsv")
# Scores of earlier commits on this set, kept so BENCHMARKS.md shows the history.
HISTORY = Path(__file__).with_name("search_quality_history.tsv")
DEPTH = 10


@dataclass(frozen=True)
class Case:
    query: str
    system: str | None
    accepted: tuple[str, ...]

    def accepts(self, code: str) -> bool:
        return any(accepts(a, code) for a in self.accepted)


def accepts(wanted: str, code: str) -> bool:
    """Whether `code` is `wanted`, or begins with it when it ends in "-" ("H93.1-" accepts
    H93.1 and H93.11; "V03.-" accepts the category V03 and its codes)."""
    if wanted.endswith("-"):
        return code.startswith(wanted[:-1].rstrip("."))
    return code == wanted


def load(path: Path = EVAL_SET) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].split():
            raise ValueError(f"{path.name} line {number}: expected query, system, codes")
        query, system, accepted = parts
        cases.append(Case(query, None if system == "*" else system, tuple(accepted.split())))
    return cases


def rank_of(case: Case, codes: list[str]) -> int | None:
    """1-based rank of the first accepted code, or None."""
    return next((i for i, code in enumerate(codes, start=1) if case.accepts(code)), None)


def scores(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "n": len(ranks),
        "hit@1": sum(1 for r in ranks if r == 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum(1 / r for r in ranks if r is not None) / n,
    }


def evaluate(index: SearchIndex, cases: list[Case]) -> dict:
    """hit@1, hit@5 and MRR over `cases` (and per system), with the queries not found first."""
    ranks: list[int | None] = []
    by_system: dict[str, list[int | None]] = {}
    misses = []
    for case in cases:
        codes = [h.code for h in index.search(case.query, system=case.system, limit=DEPTH).results]
        rank = rank_of(case, codes)
        ranks.append(rank)
        by_system.setdefault(case.system or "*", []).append(rank)
        if rank != 1:
            misses.append((case, rank, codes[:5]))
    return {
        **scores(ranks),
        "systems": {name: scores(r) for name, r in sorted(by_system.items())},
        "misses": misses,
    }


def history() -> list[dict[str, str]]:
    rows = []
    for line in HISTORY.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            date, commit, n, hit1, hit5, mrr, note = line.split("\t")
            rows.append(
                {
                    "date": date,
                    "commit": commit,
                    "n": n,
                    "hit@1": hit1,
                    "hit@5": hit5,
                    "mrr": mrr,
                    "note": note,
                }
            )
    return rows


def run() -> dict:
    return evaluate(SearchIndex(Settings.from_env().index_path), load())


if __name__ == "__main__":
    result = run()
    for name, figures in [("all", result), *result["systems"].items()]:
        print(
            f"{name}: n={figures['n']} hit@1={figures['hit@1']:.3f} "
            f"hit@5={figures['hit@5']:.3f} MRR={figures['mrr']:.3f}"
        )
    if "--misses" in sys.argv:
        for case, rank, top in result["misses"]:
            print(f"  {case.query!r:42} rank={rank} want={' '.join(case.accepted)} got={top}")
