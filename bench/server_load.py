"""Local server throughput: the `make run` server under wrk, for search, summary and the
metered page, at 16 and 64 connections.

Run: .venv/bin/python -m bench.server_load   (needs wrk: `apt-get install wrk`; the full
bundled data imported, as `make run` does). The server is one uvicorn process, as `make run`
starts it. Every request is bounded: each wrk run lasts DURATION seconds against 127.0.0.1.
"""

from __future__ import annotations

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


def run() -> dict[str, dict[int, dict[str, float]]]:
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
            script = work / f"{name.replace(' ', '_')}.lua"
            script.write_text(_lua(paths, scenario_cookie))
            results[name] = {}
            for conns in CONNECTIONS:
                out = subprocess.run(
                    [
                        "wrk",
                        "-t",
                        str(THREADS),
                        "-c",
                        str(conns),
                        "-d",
                        f"{DURATION}s",
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


if __name__ == "__main__":
    for name, by_conns in run().items():
        for conns, f in by_conns.items():
            print(
                f"{name:<13} c={conns:<3} {f['rps']:8.1f} req/s  p50 {f['p50']:7.2f} ms  "
                f"p99 {f['p99']:7.2f} ms  ({f['requests']} requests, {f['non2xx']} non-2xx)"
            )
