"""Public search and autocomplete. Responses are the same for everyone, so they cache well."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from coderef.api.documented import documented
from coderef.api.kept_bodies import PUBLIC, search_key
from coderef.api.responses import FastJSON
from coderef.api.schemas import ERRORS
from coderef.api.services import Services, ServicesDep
from coderef.catalog.codes import resolve_system
from coderef.catalog.systems import system_list
from coderef.errors import InvalidInput
from coderef.observability import count
from coderef.search.text import MAX_QUERY_LENGTH, clean_query

router = APIRouter(prefix="/api", tags=["search"])

QueryText = Annotated[
    str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="Words or a code")
]
SystemFilter = Annotated[str | None, Query(max_length=20, description=system_list())]
# Bodies built by SearchPage.to_dict go out as built: tests hold them to SearchResponse
# (tests/api/test_response_models.py), so no request validates them a second time, and the
# model is documented without being built at cold start (api/documented.py).
_DOCUMENTED = documented({200: "coderef.api.schemas:SearchResponse"})


def _system(raw: str | None) -> str | None:
    return resolve_system(raw).id if raw else None


def _text(raw: str) -> str:
    text = clean_query(raw)
    if not text:
        raise InvalidInput("Type a word or a code to search for.", field="q")
    return text


# async def: a search is a fraction of a millisecond of CPU on a local read-only index, cheaper
# to run on the event loop than to hand to the threadpool and back.
@router.get("/search", responses=ERRORS, openapi_extra=_DOCUMENTED)
async def search(
    services: ServicesDep,
    request: Request,
    q: QueryText,
    system: SystemFilter = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> FastJSON:
    key = search_key(services, request.scope)
    page = services.index.search(_text(q), system=_system(system), limit=limit, offset=offset)
    if not page.results and offset == 0:
        count("SearchesWithNoResults")  # what people look for and do not find
        return FastJSON(page.to_dict(), headers=PUBLIC)  # not kept: each one is counted
    return _kept(services, key, page.to_dict())


@router.get("/suggest", responses=ERRORS, openapi_extra=_DOCUMENTED)
async def suggest(
    services: ServicesDep,
    request: Request,
    q: QueryText,
    system: SystemFilter = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> FastJSON:
    key = search_key(services, request.scope)
    page = services.index.suggest(_text(q), system=_system(system), limit=limit)
    return _kept(services, key, page.to_dict())


def _kept(services: Services, key: tuple | None, body: dict) -> FastJSON:
    """The answer, its bytes kept for the next request with the same query string
    (api/kept_bodies.py answers that one before routing)."""
    response = FastJSON(body, headers=PUBLIC)
    if key is not None and services.rendered is not None:
        services.rendered.put(key, bytes(response.body))
    return response
