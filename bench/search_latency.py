"""Search and suggest latency, in-process, on the full bundled data.

Run: .venv/bin/python -m bench.search_latency  (after `make run` or `coderef import`)
"""

from __future__ import annotations

import statistics
import time

from bench.queries import SEARCH_QUERIES, SUGGEST_QUERIES
from coderef.search.engine import SearchIndex
from coderef.settings import Settings

ROUNDS = 20


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def measure(call, queries: list[str], rounds: int = ROUNDS) -> dict[str, float]:
    for q in queries:  # warm the page cache and the connection once
        call(q)
    samples = []
    cpu = []  # this thread's CPU time: what the query costs, whatever else the machine runs
    for _ in range(rounds):
        for q in queries:
            start, start_cpu = time.perf_counter(), time.thread_time()
            call(q)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            samples.append((time.perf_counter() - start) * 1000)
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p99": percentile(samples, 99),
        "max": max(samples),
        "cpu_p50": statistics.median(cpu),
        "cpu_p99": percentile(cpu, 99),
    }


def run() -> dict[str, dict[str, float]]:
    index = SearchIndex(Settings.from_env().index_path)
    return {
        "search": measure(lambda q: index.search(q, limit=20), SEARCH_QUERIES),
        "suggest": measure(lambda q: index.suggest(q, limit=8), SUGGEST_QUERIES),
    }


if __name__ == "__main__":
    for name, figures in run().items():
        print(
            f"{name}: n={figures['n']} p50={figures['p50']:.2f} ms "
            f"p99={figures['p99']:.2f} ms max={figures['max']:.2f} ms; CPU "
            f"p50={figures['cpu_p50']:.2f} ms p99={figures['cpu_p99']:.2f} ms"
        )
