"""`make bench`: make sure the bundled data is imported, run every benchmark, write BENCHMARKS.md.

Benchmarks report figures; they never pass or fail the test run.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import assistant_latency, search_latency, server_load
from coderef.codesets.pipeline import ensure_bundled
from coderef.progress import ProgressBar
from coderef.settings import Settings
from coderef.store.sqlite_catalog import SqliteCatalog

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        return "unknown"


def main() -> None:
    settings = Settings.from_env()
    ensure_bundled(SqliteCatalog(settings.catalog_path), settings.index_path, None, ProgressBar())
    search = search_latency.run()
    assistant = assistant_latency.run()
    assistant_rows = "\n".join(
        f"| {name} | {f['n']} | {f['p50']:.1f} | {f['p99']:.1f} | {f['max']:.1f} |"
        for name, f in assistant.items()
    )
    rows = "\n".join(
        f"| {name} | {f['n']} | {f['p50']:.2f} | {f['p99']:.2f} | {f['max']:.2f} | "
        f"{'≤ 10' if name == 'search' else '≤ 5'} |"
        for name, f in search.items()
    )
    text = f"""# Benchmarks

Written by `make bench` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}).
Machine: {machine()}. These machines are small and noisy: figures are medians and
percentiles from one run; compare ratios within a run, not across runs.

## Search and suggest latency (in-process, full bundled data)

Command: `.venv/bin/python -m bench.search_latency` (also run by `make bench`).
{len(search_latency.SEARCH_QUERIES)} search queries and {len(search_latency.SUGGEST_QUERIES)}
suggest prefixes (bench/queries.py: codes, partial codes, words, lay terms, abbreviations,
typos), each warmed once, then {search_latency.ROUNDS} rounds. Times in milliseconds.

| operation | samples | p50 | p99 | max | target p99 |
| --- | --- | --- | --- | --- | --- |
{rows}

## CasePilot and Case2Code latency (in-process, full bundled data)

Command: `.venv/bin/python -m bench.assistant_latency` (also run by `make bench`).
{len(assistant_latency.QUESTIONS)} questions of every kind, a one-paragraph case note, and a
note at the length limit made of four paragraphs repeated (phrases seen twice in one note
are looked up once). Deterministic composer. Times in milliseconds.

| operation | samples | p50 | p99 | max |
| --- | --- | --- | --- | --- |
{assistant_rows}
"""
    load = server_load.run()
    load_rows = "\n".join(
        f"| {name} | {conns} | {f['rps']:.0f} | {f['p50']:.1f} | {f['p99']:.1f} | "
        f"{f['requests']} | {f['non2xx']} |"
        for name, by_conns in load.items()
        for conns, f in by_conns.items()
    )
    text += f"""
## Local server throughput (`make run` server, one uvicorn process)

Command: `.venv/bin/python -m bench.server_load` (wrk {server_load.THREADS} threads,
{server_load.DURATION} s per row, against 127.0.0.1; load generator and server share the
machine's {os.cpu_count()} cores). Search rotates over {len(server_load.SEARCH_QUERIES)}
queries; summary and metered page over 300 codes; the metered page as a signed-in account
with views to spend, so most requests are real charges.

| route | connections | requests/s | p50 ms | p99 ms | requests | non-2xx |
| --- | --- | --- | --- | --- | --- | --- |
{load_rows}
"""
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
