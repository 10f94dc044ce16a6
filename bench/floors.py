"""The floors of the HTTP benchmark (bench/server_load.py): the least any server on CodeRef's
stack (uvicorn with uvloop and httptools, Starlette, the same SQLite build) can do per request
on the same files. CodeRef's req/s over a floor's is how close its own code comes to free.

- /fixed: a fixed JSON body, read from nothing: the stack's own ceiling.
- /search?q=EXPR: one raw FTS5 query on the search index (`EXPR` is an FTS5 MATCH expression
  the benchmark writes from the query), its first 20 rows' code and title, as JSON.
- /summary/{system}/{key}: the code's record in the live release of catalog.db, as CodeRef's
  store reads it (the release's own row, else its base's), decompressed (with the packing's
  preset dictionary) and sent as stored.

Run by the benchmark as `uvicorn bench.floors:create_app --factory` with BENCH_INDEX_PATH and
BENCH_CATALOG_PATH set; each worker process opens its own read-only connections.
"""

from __future__ import annotations

import json
import os
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coderef.adapters.record_blobs import stored_json
from coderef.search.sqlite_fts import sqlite3

FIXED = json.dumps({"system": "icd10cm", "code": "R00.1", "title": "Bradycardia, unspecified"})
_SEARCH = (
    "SELECT d.system, d.code, d.title FROM fts JOIN docs d ON d.id = fts.rowid "
    "WHERE fts MATCH ? LIMIT 20"
)
_RECORD = (
    "SELECT coalesce((SELECT c.record FROM codes c WHERE c.release = r.id AND c.key = ?), "
    "(SELECT b.record FROM codes b WHERE b.release = r.base AND b.key = ?)) "
    "FROM releases r WHERE r.system = ? AND r.live = 1"
)


def match_expression(query: str) -> str:
    """The FTS5 expression both search floors (this one and Datasette) run for a query: every
    word of it, quoted (implicit AND)."""
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", query.lower()))


def _read_only(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def create_app() -> Starlette:
    index = _read_only(os.environ["BENCH_INDEX_PATH"])
    catalog = _read_only(os.environ["BENCH_CATALOG_PATH"])

    # async: each handler is one SQLite call on a local file; no thread-pool hop.
    async def fixed(request: Request) -> Response:
        return Response(FIXED, media_type="application/json")

    async def search(request: Request) -> Response:
        rows = index.execute(_SEARCH, (request.query_params["q"],)).fetchall()
        return JSONResponse({"results": [{"system": s, "code": c, "title": t} for s, c, t in rows]})

    async def summary(request: Request) -> Response:
        key, system = request.path_params["key"], request.path_params["system"]
        row = catalog.execute(_RECORD, (key, key, system)).fetchone()
        if not row or not row[0]:
            return JSONResponse({"error": "not found"}, status_code=404)
        return Response(stored_json(row[0]), media_type="application/json")

    return Starlette(
        routes=[
            Route("/fixed", fixed),
            Route("/search", search),
            Route("/summary/{system}/{key}", summary),
        ]
    )
