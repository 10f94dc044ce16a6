"""Local server throughput: the `make run` server under wrk, for search, summary and the
metered page, at 16 and 64 connections.

Run: .venv/bin/python -m bench.server_load   (needs wrk: `apt-get install wrk`; the full
bundled data imported, as `make run` does). The server is one uvicorn process, as `make run`
starts it. Every request is bounded: each wrk run lasts DURATION seconds against 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from coderef.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DURATION = 10
CONNECTIONS = (16, 64)
THREADS = 2
SEARCH_QUERIES = [
    "heart failure",
    "R00.1",
    "fracture of femur",
    "chf",
    "diabetes",
    "0FT44ZZ",
    "slow heart rate",
    "open approach",
    "asthma",
    "kidney failure",
]

_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], %s)
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lua(paths: list[str], cookie: str | None) -> str:
    quoted = ",".join(json.dumps(p) for p in paths)
    headers = f'{{["Cookie"] = {json.dumps(cookie)}}}' if cookie else "nil"
    return _LUA % (quoted, headers)


def _parse(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": rps,
        "p50": ms(pct["50"]),
        "p99": ms(pct["99"]),
        "requests": int(total.group(1)) if total else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def baseline_source(ref: str, into: Path) -> Path:
    """The functions/ tree of git `ref`, extracted under `into`, to serve the "before" side
    of a before/after comparison from the same venv (PYTHONPATH puts it ahead of the
    editable install)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", ref, "functions"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "functions"


# main before the throughput work of the performance issue (async search routes, routers and
# services imported only where used): what "before" means in BENCHMARKS.md.
BEFORE_THROUGHPUT_WORK = "6cc1dcb"


def default_baseline() -> str | None:
    """The commit to compare with: CODEREF_BENCH_BASELINE, else main before the throughput
    work, if this checkout has it (a shallow clone may not)."""
    wanted = os.environ.get("CODEREF_BENCH_BASELINE") or BEFORE_THROUGHPUT_WORK
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{wanted}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()[:10] or None


def run(
    source: Path | None = None,
    scenario_names: tuple[str, ...] | None = None,
    connections: tuple[int, ...] = CONNECTIONS,
    duration: int = DURATION,
) -> dict[str, dict[int, dict[str, float]]]:
    """wrk against a fresh local server; `source` serves another checkout's functions/."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    settings = Settings.from_env()
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="coderef-load-"))
    # Accounts in a scratch directory; catalog and index are the real ones.
    for name in ("catalog.db", "search.db"):
        (work / name).symlink_to(
            getattr(settings, "catalog_path" if name == "catalog.db" else "index_path")
        )
    env = {
        **os.environ,
        "CODEREF_DATA_DIR": str(work),
        "CODEREF_PORT": str(port),
        "CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY": "1000000",
    }
    if source is not None:
        env["PYTHONPATH"] = str(source)
    coderef = str(Path(sys.executable).parent / "coderef")
    server = subprocess.Popen(
        [coderef, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        client = httpx.Client(base_url=base)
        client.post(
            "/api/auth/register",
            json={"email": "load@example.org", "password": "a load test phrase"},
        )
        subprocess.run(
            [coderef, "user", "grant", "load@example.org", "10000000"],
            env=env,
            check=True,
            capture_output=True,
        )
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        codes = [
            (r["system"], r["code"])
            for q in ("fracture", "open approach", "diabetes")
            for r in client.get("/api/search", params={"q": q, "limit": 100}).json()["results"]
        ]
        scenarios = {
            "search": (
                [
                    "/api/search?q=" + httpx.QueryParams({"q": q})["q"].replace(" ", "%20")
                    for q in SEARCH_QUERIES
                ],
                None,
            ),
            "summary": ([f"/api/codes/{s}/{c}/summary" for s, c in codes], None),
            "metered page": ([f"/api/codes/{s}/{c}" for s, c in codes], cookie),
        }
        results: dict[str, dict[int, dict[str, float]]] = {}
        for name, (paths, scenario_cookie) in scenarios.items():
            if scenario_names is not None and name not in scenario_names:
                continue
            script = work / f"{name.replace(' ', '_')}.lua"
            script.write_text(_lua(paths, scenario_cookie))
            results[name] = {}
            for conns in connections:
                out = subprocess.run(
                    [
                        "wrk",
                        "-t",
                        str(THREADS),
                        "-c",
                        str(conns),
                        "-d",
                        f"{duration}s",
                        "--latency",
                        "-s",
                        str(script),
                        base,
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                results[name][conns] = _parse(out)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", help="serve this git ref's code instead")
    parser.add_argument("--duration", type=int, default=DURATION)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coderef-baseline-") as tmp:
        source = baseline_source(args.baseline, Path(tmp)) if args.baseline else None
        results = run(source, duration=args.duration)
    for name, by_conns in results.items():
        for conns, f in by_conns.items():
            print(
                f"{name:<13} c={conns:<3} {f['rps']:8.1f} req/s  p50 {f['p50']:7.2f} ms  "
                f"p99 {f['p99']:7.2f} ms  ({f['requests']} requests, {f['non2xx']} non-2xx)"
            )


if __name__ == "__main__":
    main()
