"""Lambda cold start, as a fresh process: import a handler module and serve the first real
API Gateway event, against moto's server (bench/lambda_env.py).

Run: .venv/bin/python -m bench.cold_start [--runs N]

Each run of each handler is a new Python process, so it pays every import as a new execution
environment does. The floor, measured in the same run and interleaved with the handlers, is a
process that only imports fastapi, mangum, aws_lambda_powertools and boto3 and creates one
boto3 DynamoDB client: what any FastAPI function on Lambda with Powertools pays. A handler's
cold start is its import plus its first response; its ratio is that over the floor's import
plus client. Target: each handler within 1.15x the floor (CodeRef's own code adds at most 15%).
Each child also reports its CPU time (time.process_time, the same span): on a machine shared
with other work the wall-clock ratio moves by tenths from run to run, the CPU ratio much less
(it leaves out waiting for the CPU and for moto's answers, which the wall clock counts).

A last run per handler with `python -X importtime` says where the time goes: the modules the
handler imports that the floor does not, by their own (self) import time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tests.handlers.events import http_api_event

from bench.lambda_env import HANDLERS, moto_stack

RUNS = 7
TARGET_RATIO = 1.15

# The first request each function would typically get after a deploy.
FIRST_EVENTS = {
    "coderef.handlers.search": http_api_event("GET", "/api/search", {"q": "bradycardia"}),
    "coderef.handlers.code_page": http_api_event(
        "GET", "/api/codes/icd10cm/R00.1", route_key="GET /api/codes/{system}/{code}"
    ),
    # Log out: the cheapest real request AuthFunction serves (a log-in would add an Argon2id
    # verification, ~0.1 s of CPU that is the request's work, not the start's).
    "coderef.handlers.auth": http_api_event("POST", "/api/auth/logout"),
}
FLOOR = "floor"

# Runs in the child. Nothing imported before the clock starts but what `python -c` needs.
_CHILD = r"""
import sys, time
start, cpu_start = time.perf_counter(), time.process_time()
what, out = sys.argv[1], sys.argv[2]
if what == "floor":
    import fastapi, mangum, aws_lambda_powertools, boto3
    imported = time.perf_counter()
    boto3.client("dynamodb")
    done, cpu_done = time.perf_counter(), time.process_time()
    status = None
else:
    import importlib, json
    module = importlib.import_module(what)
    imported = time.perf_counter()

    class Context:
        function_name = "coderef-bench"
        function_version = "$LATEST"
        memory_limit_in_mb = 1024
        aws_request_id = "00000000-0000-4000-8000-000000000000"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:coderef-bench"
        log_group_name = "/coderef/bench"
        log_stream_name = "bench"
        def get_remaining_time_in_millis(self):
            return 10000

    event = json.loads(sys.argv[3])
    status = module.handler(event, Context())["statusCode"]
    done, cpu_done = time.perf_counter(), time.process_time()
with open(out, "w") as f:
    f.write(repr({"import": (imported - start) * 1000, "first": (done - imported) * 1000,
                  "total": (done - start) * 1000, "status": status,
                  "cpu": (cpu_done - cpu_start) * 1000}))
"""


def _run_child(what: str, env: dict[str, str], work: Path, importtime: bool = False) -> dict:
    out = work / "child.out"
    out.unlink(missing_ok=True)
    args = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", _CHILD, what]
    args.append(str(out))
    if what != FLOOR:
        args.append(json.dumps(FIRST_EVENTS[what]))
    done = subprocess.run(args, env=env, cwd=work, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"{what} failed to start:\n{done.stderr[-2000:]}")
    figures = eval(out.read_text())  # a dict literal this module's child wrote
    if importtime:
        figures["importtime"] = _parse_importtime(done.stderr)
    return figures


def _parse_importtime(stderr: str) -> dict[str, int]:
    """Self time in microseconds per module, from `-X importtime` output."""
    selfs: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line[12:].split("|"))
        selfs[name.strip()] = int(self_us)
    return selfs


def _group(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "coderef":
        return ".".join(parts[:2])
    return parts[0]


def run(runs: int = RUNS, diagnose: bool = True) -> dict:
    """Medians per handler and for the floor, ratios to the floor, and (`diagnose`) where the
    extra import time goes."""
    present = list(HANDLERS)
    with tempfile.TemporaryDirectory(prefix="coderef-cold-") as tmp:
        work = Path(tmp)
        with moto_stack(work) as stack:
            # Each function's own environment from template.yaml; the floor gets only the
            # credentials and the endpoint (it reads nothing).
            envs = {what: stack.env_for(what) for what in present} | {FLOOR: stack.base_env()}
            for env in envs.values():
                # The untimed round must leave bytecode caches behind, as a deployed artifact
                # carries them (functions/Makefile), even when the calling shell forbids them.
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                # What the Lambda runtime sets in every function's environment.
                env["AWS_LAMBDA_FUNCTION_NAME"] = "coderef-bench"
            # One untimed round so every module's bytecode cache exists and the moto server
            # has answered once; then interleave, so drift in the shared machine hits all alike.
            for what in (FLOOR, *present) if diagnose else ():
                _run_child(what, envs[what], work)
            samples: dict[str, list[dict]] = defaultdict(list)
            for _ in range(runs):
                for what in (FLOOR, *present):
                    samples[what].append(_run_child(what, envs[what], work))
            extra: dict[str, dict[str, float]] = {}
            floor_modules = (
                _run_child(FLOOR, envs[FLOOR], work, importtime=True)["importtime"]
                if diagnose
                else {}
            )
            for what in present if diagnose else ():
                modules = _run_child(what, envs[what], work, importtime=True)["importtime"]
                by_group: dict[str, int] = defaultdict(int)
                for name, us in modules.items():
                    if name not in floor_modules:
                        by_group[_group(name)] += us
                extra[what] = {
                    name: us / 1000
                    for name, us in sorted(by_group.items(), key=lambda kv: -kv[1])[:12]
                }
    medians = {
        what: {
            key: statistics.median(s[key] for s in rows)
            for key in ("import", "first", "total", "cpu")
        }
        | {"status": rows[0]["status"], "runs": len(rows)}
        for what, rows in samples.items()
    }
    floor_total = medians[FLOOR]["total"]
    for what in present:
        medians[what]["ratio"] = medians[what]["total"] / floor_total
        medians[what]["cpu_ratio"] = medians[what]["cpu"] / medians[FLOOR]["cpu"]
    return {
        "floor": medians[FLOOR],
        "handlers": {what: medians[what] for what in present},
        "extra_imports": extra,
        "target": TARGET_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    result = run(parser.parse_args().runs)
    f = result["floor"]
    print(
        f"floor: import {f['import']:.0f} ms + client {f['first']:.0f} ms = {f['total']:.0f} ms "
        f"(CPU {f['cpu']:.0f} ms)"
    )
    for what, h in result["handlers"].items():
        print(
            f"{what}: import {h['import']:.0f} ms + first response {h['first']:.0f} ms "
            f"= {h['total']:.0f} ms ({h['ratio']:.2f}x floor, status {h['status']}); "
            f"CPU {h['cpu']:.0f} ms ({h['cpu_ratio']:.2f}x the floor's)"
        )
        top = ", ".join(f"{name} {ms:.0f}" for name, ms in result["extra_imports"][what].items())
        print(f"  import time beyond the floor (ms, self): {top}")


if __name__ == "__main__":
    main()
