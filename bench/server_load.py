"""Local server throughput under wrk: CodeRef (`coderef serve`, one and two workers) beside its
floors on the same server stack and a peer on the same search index, in one run.

Run: .venv/bin/python -m bench.server_load [--rounds 3] [--duration 10] [--baseline REF]
[--routes summary "metered page"] (needs wrk: `apt-get install wrk`; Datasette from the
`bench` extra; the full bundled data imported, as `make run` does).

Every server runs at once on 127.0.0.1, each on its own port, and each row is a wrk run of
DURATION seconds at 16 connections against one of them. A round runs every row once; rows
interleave across ROUNDS rounds, so drift on the shared machine hits every server alike, and
each figure is the median of the rounds. The rows:

- search: CodeRef's /api/search over 10 queries; the raw FTS5 floor (bench/floors.py: one
  MATCH of the query's words on the same search.db, 20 rows as JSON); Datasette serving the
  same search.db (immutable) with that same SQL as a canned query.
- summary: CodeRef's public /api/codes/{system}/{code}/summary over 300 codes; the summary
  floor (the same code's record read from the same catalog.db, sent as stored).
- metered page: CodeRef's /api/codes/{system}/{code} as a signed-in member re-opening those
  300 codes (the first warm-up pass unlocks them); its floor is the summary floor's.
- fixed JSON: the stack's ceiling (Starlette answering a fixed body).

Ratio = CodeRef's req/s over its floor's at the same worker count. With --baseline REF, the
CodeRef rows are also run for that git ref's functions/ (served from a `git archive` through
PYTHONPATH, same venv and data), in the same rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.floors import match_expression
from coderef.catalog.codes import normalize_code
from coderef.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DURATION = 10
ROUNDS = 3
CONNECTIONS = 16
WORKERS = (1, 2)
WARMUP_SECONDS = 2
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
CODEREF = "CodeRef"
FLOOR = "floor"
DATASETTE = "Datasette"
# What each CodeRef route is measured against, on the floor server.
FLOOR_OF = {"search": "search", "summary": "summary", "metered page": "summary"}
ROUTES = ("search", "summary", "metered page", "fixed JSON")

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
    """The functions/ tree of git `ref`, extracted under `into`, to serve another commit's
    code from the same venv (PYTHONPATH puts it ahead of the editable install)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", ref, "functions"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "functions"


def datasette_command() -> list[str] | None:
    """How to start Datasette: from this venv (the `bench` extra), else from PATH."""
    if importlib.util.find_spec("datasette") is not None:
        return [sys.executable, "-m", "datasette"]
    found = shutil.which("datasette")
    return [found] if found else None


def _rss_mib(pid: int) -> list[float]:
    """Resident memory of a process and of every process under it, MiB (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        except (OSError, AttributeError):
            continue
        out.append(kib / 1024)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return out


@dataclass
class Server:
    """One server process tree on a loopback port."""

    name: str  # CODEREF (or "CodeRef @ref"), FLOOR, DATASETTE
    workers: int
    argv: list[str]
    env: dict[str, str]
    port: int
    health: str
    work: Path
    process: subprocess.Popen | None = None
    cookie: str | None = None
    rss: list[float] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers > 1 else ''})"


@dataclass
class Row:
    route: str
    server: Server
    paths: list[str]
    cookie: str | None = None
    samples: list[dict[str, float]] = field(default_factory=list)


def _coderef_server(name: str, workers: int, source: Path, root: Path) -> Server:
    settings = Settings.from_env()
    work = root / f"{name.replace(' ', '-').replace('@', '')}-{workers}"
    work.mkdir()
    # Accounts in a scratch directory; catalog and index are the imported ones.
    (work / "catalog.db").symlink_to(settings.catalog_path)
    (work / "search.db").symlink_to(settings.index_path)
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(source),  # this checkout's code (or the baseline's), not the venv's
        "CODEREF_DATA_DIR": str(work),
        "CODEREF_PORT": str(port),
        "CODEREF_SMTP_PORT": str(_free_port()),
        "CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY": "1000000",
    }
    argv = [str(Path(sys.executable).parent / "coderef"), "serve", "--workers", str(workers)]
    return Server(name, workers, argv, env, port, "/api/health", work)


def _floor_server(workers: int, root: Path) -> Server:
    settings = Settings.from_env()
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "functions")]),
        "BENCH_INDEX_PATH": str(settings.index_path),
        "BENCH_CATALOG_PATH": str(settings.catalog_path),
    }
    argv = [sys.executable, "-m", "uvicorn", "bench.floors:create_app", "--factory"]
    argv += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    argv += ["--log-level", "warning"]
    return Server(FLOOR, workers, argv, env, port, "/fixed", root)


def _datasette_server(command: list[str], root: Path) -> Server:
    settings = Settings.from_env()
    work = root / "datasette"
    work.mkdir()
    (work / "search.db").symlink_to(settings.index_path)
    sql = (
        "select d.system, d.code, d.title from fts join docs d on d.id = fts.rowid "
        "where fts match :q limit 20"
    )
    metadata = {"databases": {"search": {"queries": {"search": {"sql": sql}}}}}
    (work / "metadata.json").write_text(json.dumps(metadata))
    port = _free_port()
    argv = [*command, "serve", "--immutable", str(work / "search.db")]
    argv += ["--metadata", str(work / "metadata.json"), "--port", str(port)]
    return Server(DATASETTE, 1, argv, dict(os.environ), port, "/-/versions.json", work)


@contextmanager
def _running(servers: list[Server]) -> Iterator[None]:
    try:
        for server in servers:
            server.process = subprocess.Popen(
                server.argv,
                env=server.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 180
        for server in servers:
            while True:
                try:
                    if httpx.get(server.base + server.health, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.process.poll() is not None:
                    raise SystemExit(f"{server.label} exited with {server.process.returncode}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"{server.label} did not start")
                time.sleep(0.2)
        yield
    finally:
        for server in servers:
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in servers:
            if server.process is not None:
                try:
                    server.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.process.kill()


def _sign_in(server: Server) -> str:
    """A member with views to spend on `server`; the cookie its requests carry."""
    # Generous timeouts: registering hashes a password (Argon2id) while every server warms up.
    client = httpx.Client(base_url=server.base, timeout=120)
    email = "load@example.org"
    client.post("/api/auth/register", json={"email": email, "password": "a load test phrase"})
    subprocess.run(
        [server.argv[0], "user", "grant", email, "10000000"],
        env=server.env,
        check=True,
        capture_output=True,
    )
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def _wrk(row: Row, script: Path, seconds: int, connections: int) -> dict[str, float]:
    argv = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{seconds}s"]
    out = subprocess.run(
        [*argv, "--latency", "-s", str(script), row.server.base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse(out)


def _check_answers(row: Row) -> None:
    headers = {"Cookie": row.cookie} if row.cookie else {}
    for path in row.paths[:3]:
        status = httpx.get(row.server.base + path, headers=headers, timeout=10).status_code
        if status != 200:
            raise RuntimeError(f"{row.server.label} answers {status} for {path} ({row.route})")


def _median_row(row: Row) -> dict:
    s = row.samples
    return {
        "route": row.route,
        "server": row.server.name,
        "workers": row.server.workers,
        "rps": statistics.median(x["rps"] for x in s),
        "rps_rounds": [round(x["rps"]) for x in s],
        "p50": statistics.median(x["p50"] for x in s),
        "p99": statistics.median(x["p99"] for x in s),
        "requests": sum(x["requests"] for x in s),
        "non2xx": sum(x["non2xx"] for x in s),
    }


def ratios(rows: list[dict]) -> list[dict]:
    """CodeRef's req/s over its floor's (same workers), and over Datasette's for search."""
    by = {(r["route"], r["server"], r["workers"]): r["rps"] for r in rows}
    out = []
    for r in rows:
        if not r["server"].startswith(CODEREF):
            continue
        floor = by.get((FLOOR_OF[r["route"]], FLOOR, r["workers"]))
        if floor:
            against = f"{FLOOR_OF[r['route']]} floor"
            out.append({**_key(r), "against": against, "other": floor, "ratio": r["rps"] / floor})
        peer = by.get((r["route"], DATASETTE, 1))
        if peer:
            out.append({**_key(r), "against": DATASETTE, "other": peer, "ratio": r["rps"] / peer})
    return out


def _key(r: dict) -> dict:
    return {"route": r["route"], "server": r["server"], "workers": r["workers"], "rps": r["rps"]}


def run(
    rounds: int = ROUNDS,
    duration: int = DURATION,
    workers: tuple[int, ...] = WORKERS,
    connections: int = CONNECTIONS,
    baseline: str | None = None,
    peers: bool = True,
    routes: tuple[str, ...] = ROUTES,
) -> dict:
    """Start every server, interleave the rows over `rounds` rounds, stop them; medians."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    datasette = datasette_command() if peers else None
    with tempfile.TemporaryDirectory(prefix="coderef-load-") as tmp:
        root = Path(tmp)
        coderefs = [(CODEREF, ROOT / "functions")]
        if baseline:
            coderefs.append((f"{CODEREF} @{baseline}", baseline_source(baseline, root / "base")))
        servers = [
            _coderef_server(name, n, source, root) for name, source in coderefs for n in workers
        ]
        servers += [_floor_server(n, root) for n in workers]
        if datasette:
            servers.append(_datasette_server(datasette, root))
        with _running(servers):
            first = servers[0]
            client = httpx.Client(base_url=first.base, timeout=120)
            codes = [
                (r["system"], r["code"])
                for q in ("fracture", "open approach", "diabetes")
                for r in client.get("/api/search", params={"q": q, "limit": 100}).json()["results"]
            ]
            rows: list[Row] = []
            for server in servers:
                if server.name.startswith(CODEREF):
                    server.cookie = _sign_in(server)
                    rows.append(
                        Row("search", server, [f"/api/search?q={quote(q)}" for q in SEARCH_QUERIES])
                    )
                    summaries = [f"/api/codes/{s}/{c}/summary" for s, c in codes]
                    rows.append(Row("summary", server, summaries))
                    pages = [f"/api/codes/{s}/{c}" for s, c in codes]
                    rows.append(Row("metered page", server, pages, server.cookie))
                elif server.name == FLOOR:
                    matches = [f"/search?q={quote(match_expression(q))}" for q in SEARCH_QUERIES]
                    rows.append(Row("search", server, matches))
                    keyed = [f"/summary/{s}/{normalize_code(c)}" for s, c in codes]
                    rows.append(Row("summary", server, keyed))
                    rows.append(Row("fixed JSON", server, ["/fixed"]))
                else:
                    queries = [
                        f"/search/search.json?_shape=array&q={quote(match_expression(q))}"
                        for q in SEARCH_QUERIES
                    ]
                    rows.append(Row("search", server, queries))
            # A row's floor stays when its route is asked for (the ratios need it).
            wanted = set(routes) | {FLOOR_OF[r] for r in routes if r in FLOOR_OF}
            rows = [
                r
                for r in rows
                if r.route in wanted and (r.route in routes or r.server.name == FLOOR)
            ]
            rows.sort(key=lambda r: ROUTES.index(r.route))
            scripts = {}
            for i, row in enumerate(rows):
                scripts[i] = root / f"row{i}.lua"
                scripts[i].write_text(_lua(row.paths, row.cookie))
            # The member opens each of its codes once, so the metered rows measure re-opens.
            for row in rows:
                if row.route == "metered page":
                    opener = httpx.Client(base_url=row.server.base, timeout=120)
                    for path in row.paths:
                        opener.get(path, headers={"Cookie": row.cookie or ""})
            # Untimed: every route once through, caches warm, and Case2Code's pipeline loads in
            # the background of each CodeRef worker.
            for i, row in enumerate(rows):
                _wrk(row, scripts[i], WARMUP_SECONDS, connections)
            for row in rows:  # a row answering errors would measure error pages: stop instead
                _check_answers(row)
            for _ in range(rounds):
                for i, row in enumerate(rows):
                    row.samples.append(_wrk(row, scripts[i], duration, connections))
            for server in servers:
                server.rss = _rss_mib(server.process.pid) if server.process else []
        medians = [_median_row(row) for row in rows]
        return {
            "rows": medians,
            "ratios": ratios(medians),
            "memory": {s.label: [round(m) for m in s.rss] for s in servers},
            "rounds": rounds,
            "duration": duration,
            "connections": connections,
            "workers": list(workers),
            "datasette": bool(datasette),
            "baseline": baseline,
        }


def report(result: dict) -> str:
    lines = []
    for r in result["rows"]:
        lines.append(
            f"{r['route']:<13} {r['server']:<22} w={r['workers']} {r['rps']:8.0f} req/s  "
            f"p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  rounds {r['rps_rounds']}  "
            f"({r['requests']} requests, {r['non2xx']} non-2xx)"
        )
    lines.append("")
    for x in result["ratios"]:
        lines.append(
            f"{x['route']:<13} {x['server']:<22} w={x['workers']} {x['rps']:6.0f} / "
            f"{x['against']} {x['other']:6.0f} = {x['ratio']:.2f}x"
        )
    lines.append("")
    for label, mib in result["memory"].items():
        lines.append(f"RSS {label}: {' + '.join(str(m) for m in mib)} MiB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--duration", type=int, default=DURATION)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--workers", type=int, nargs="+", default=list(WORKERS))
    parser.add_argument("--baseline", metavar="REF", help="also serve this git ref's code")
    parser.add_argument("--no-peers", action="store_true", help="leave Datasette out")
    parser.add_argument(
        "--routes", nargs="+", choices=ROUTES, default=list(ROUTES), help="only these rows"
    )
    args = parser.parse_args()
    result = run(
        args.rounds,
        args.duration,
        tuple(args.workers),
        args.connections,
        args.baseline,
        not args.no_peers and "search" in args.routes,
        tuple(args.routes),
    )
    print(report(result))
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
