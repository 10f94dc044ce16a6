"""Warm request cost through the Lambda entry points: CPU milliseconds per request (the
handler call, Mangum included) and the DynamoDB calls each request makes, against moto's
server (bench/lambda_env.py).

Run: .venv/bin/python -m bench.warm_requests [--iterations N]

The handlers run in a child process, so time.process_time() there counts the function's own
CPU and none of moto's. Every DynamoDB call is seen through botocore's before-call and
after-call events, registered on boto3's default session before any client exists, so the
clients the adapters create carry them. Two calls overlap in time when one starts before the
other has finished: that is what "issued concurrently" means here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.lambda_env import HANDLERS, ROOT, moto_stack

ITERATIONS = 200
WARMUP = 10
TARGET_CALLS = 2
SEARCHES = ["bradycardia", "heart", "R00", "fracture", "open approach", "tachycardia", "pain"]
PAGE_ROUTE = "GET /api/codes/{system}/{code}"
SUMMARY_ROUTE = "GET /api/codes/{system}/{code}/summary"


# ---- the child: runs the handlers ---------------------------------------------------------


class _CallLog:
    """DynamoDB calls as (operation, start, end) while recording is on."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.recording = False
        self._lock = threading.Lock()

    def parameters(self, params: dict, context: dict, **_: Any) -> None:
        tables = [params.get("TableName")] if params.get("TableName") else []
        tables += list(params.get("RequestItems", {}))
        tables += [
            next(iter(item.values()))["TableName"] for item in params.get("TransactItems", [])
        ]
        context["bench_tables"] = list(dict.fromkeys(tables))

    def before(self, model: Any, context: dict, **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def after(self, model: Any, context: dict, **_: Any) -> None:
        if self.recording:
            with self._lock:
                self.calls.append(
                    {
                        "operation": model.name + _tables(context.get("bench_tables", [])),
                        "start": context.get("bench_started", 0.0),
                        "end": time.perf_counter(),
                    }
                )

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def _tables(names: list[str]) -> str:
    """Which of the function's tables a call went to, by the environment's names."""
    roles = {
        os.environ.get("CODEREF_CODES_TABLE"): "codes",
        os.environ.get("CODEREF_ACCOUNTS_TABLE"): "accounts",
    }
    return f" ({', '.join(roles.get(n, n) for n in names)})" if names else ""


def _max_in_flight(calls: list[dict[str, Any]]) -> int:
    edges = sorted(
        [(c["start"], 1) for c in calls] + [(c["end"], -1) for c in calls],
        key=lambda e: (e[0], e[1]),
    )
    peak = level = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


def _context() -> Any:
    from tests.handlers.events import LambdaContext

    return LambdaContext(function_name="coderef-bench")


def _cookies(response: dict) -> dict[str, str]:
    return {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0] for c in response.get("cookies", [])
    }


def _body(response: dict) -> dict:
    from tests.handlers.events import response_json

    return response_json(response)


def _cpu(handler: Any, events: list[dict], iterations: int) -> dict[str, float]:
    context = _context()
    for event in events[:WARMUP]:
        handler(event, context)
    cpu, wall = [], []
    for i in range(iterations):
        event = events[i % len(events)]
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        response = handler(event, context)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
        if response["statusCode"] >= 400:
            raise RuntimeError(f"{event['rawPath']}: {response['statusCode']} {response['body']}")
    return {"n": iterations, "cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall)}


def _calls_for(log: _CallLog, handler: Any, event: dict) -> tuple[dict, dict[str, Any]]:
    log.take()
    log.recording = True
    try:
        response = handler(event, _context())
    finally:
        log.recording = False
    calls = log.take()
    return response, {
        "status": response["statusCode"],
        "operations": [c["operation"] for c in sorted(calls, key=lambda c: c["start"])],
        "calls": len(calls),
        "max_in_flight": _max_in_flight(calls),
        "charged": _body(response).get("meter", {}).get("charged"),
    }


def _register(module: Any) -> str:
    """A registered account with views to spare, made through the function's own accounts
    store; returns its session token."""
    from coderef.accounts.service import AccountService
    from coderef.adapters.outbox_mailer import OutboxMailer
    from coderef.security import PasswordHasher

    services = module.app.state.services
    service = AccountService(
        services.accounts,
        PasswordHasher(),
        OutboxMailer(Path(services.settings.data_dir) / "outbox"),
        services.policy,
        services.settings.public_url,
    )
    email = "bench@example.org"
    signed_in = service.register(email, "a benchmark pass phrase", None, "bench-address")
    service.grant_views(email, 1_000_000)
    return signed_in.session_token


def child(iterations: int) -> dict[str, Any]:
    import importlib

    import boto3
    from tests.handlers.events import http_api_event

    log = _CallLog()
    boto3.setup_default_session()
    events = boto3.DEFAULT_SESSION.events
    events.register("before-parameter-build.dynamodb", log.parameters)
    events.register("before-call.dynamodb", log.before)
    events.register("after-call.dynamodb", log.after)

    present = {h: importlib.import_module(h) for h in HANDLERS}
    result: dict[str, Any] = {"cpu": {}, "calls": {}}
    search = present["coderef.handlers.search"]
    page_module = present["coderef.handlers.code_page"]
    codes: list[tuple[str, str]] = []
    searches = [http_api_event("GET", "/api/search", {"q": q}) for q in SEARCHES]
    for event in searches:
        hits = _body(search.handler(event, _context()))["results"]
        codes += [(hit["system"], hit["code"]) for hit in hits]
    codes = list(dict.fromkeys(codes))
    summaries = [
        http_api_event("GET", f"/api/codes/{s}/{c}/summary", route_key=SUMMARY_ROUTE)
        for s, c in codes
    ]
    # Counted before the CPU loops, so the first summary is the environment's first read
    # of that code (the catalog keeps what it has read; the second one shows that). One
    # other code first: it fills what a warm function refreshes once a minute (the live
    # pointers, the loaded releases).
    search.handler(summaries[-1], _context())
    for name, event in (
        ("search", searches[0]),
        ("summary, code not read before", summaries[0]),
        ("summary, code read before", summaries[0]),
    ):
        result["calls"][name] = _calls_for(log, search.handler, event)[1]
    result["cpu"]["search"] = _cpu(search.handler, searches, iterations)
    result["cpu"]["summary"] = _cpu(search.handler, summaries, iterations)
    handler = page_module.handler

    def page(code: tuple[str, str], cookies: dict[str, str]) -> dict:
        return http_api_event(
            "GET",
            f"/api/codes/{code[0]}/{code[1]}",
            route_key=PAGE_ROUTE,
            cookies=[f"{k}={v}" for k, v in cookies.items()],
        )

    session_id = _register(page_module)
    session = {"coderef_session": session_id}
    # Twice: the first pass fills what a warm function keeps for a minute (live
    # pointers, loaded releases); the second, on other codes and a new guest, counts.
    for guest_code, user_code in ((codes[0], codes[1]), (codes[2], codes[3])):
        first, guest = _calls_for(log, handler, page(guest_code, {}))
        result["calls"]["guest first view"] = guest
        reopen = page(guest_code, _cookies(first))
        result["calls"]["guest re-open"] = _calls_for(log, handler, reopen)[1]
        registered = _calls_for(log, handler, page(user_code, session))[1]
        result["calls"]["registered first view"] = registered
        again = _calls_for(log, handler, page(user_code, session))[1]
        result["calls"]["registered re-open"] = again
    # /api/me: the header asks it on every page (CodePageFunction serves it too).
    me_guest = http_api_event("GET", "/api/me", cookies=[f"coderef_guest={'0' * 32}"])
    me_user = http_api_event("GET", "/api/me", cookies=[f"coderef_session={session_id}"])
    result["calls"]["/api/me, guest"] = _calls_for(log, handler, me_guest)[1]
    result["calls"]["/api/me, registered"] = _calls_for(log, handler, me_user)[1]
    # CPU: a new guest's first view (meter created, view charged) and a registered
    # account re-opening codes it has unlocked (the warm-up unlocks them).
    result["cpu"]["metered page, new guest"] = _cpu(
        handler, [page(code, {}) for code in codes], iterations
    )
    reopen = [page(code, session) for code in codes]
    for event in reopen:
        handler(event, _context())
    result["cpu"]["metered page, registered re-open"] = _cpu(handler, reopen, iterations)
    result["cpu"]["/api/me, guest"] = _cpu(handler, [me_guest], iterations)
    result["cpu"]["/api/me, registered"] = _cpu(handler, [me_user], iterations)
    return result


# ---- the parent: moto, and the child's process --------------------------------------------


def run(iterations: int = ITERATIONS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="coderef-warm-") as tmp:
        work = Path(tmp)
        with moto_stack(work) as stack:
            out = work / "warm.json"
            command = [sys.executable, "-m", "bench.warm_requests", "--child", str(out)]
            done = subprocess.run(
                [*command, "--iterations", str(iterations)],
                env=stack.env_for_all(),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=1800,
            )
            if done.returncode != 0:
                raise RuntimeError(f"warm request benchmark failed:\n{done.stderr[-3000:]}")
            result = json.loads(out.read_text())
    result["target_calls"] = TARGET_CALLS
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    parser.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.child).write_text(json.dumps(child(args.iterations)))
        return
    result = run(args.iterations)
    for name, f in result["cpu"].items():
        print(
            f"{name:<34} CPU {f['cpu_ms']:6.2f} ms/request  "
            f"(wall {f['wall_ms']:.2f} ms, n={f['n']})"
        )
    for name, c in result["calls"].items():
        print(
            f"{name:<24} {c['calls']} DynamoDB calls, at most {c['max_in_flight']} in flight: "
            f"{', '.join(c['operations'])} (status {c['status']}, charged {c['charged']})"
        )


if __name__ == "__main__":
    main()
