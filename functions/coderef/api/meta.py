"""Health and the list of code systems with their loaded releases."""

from __future__ import annotations

from fastapi import APIRouter

from coderef.api.documented import documented
from coderef.api.presenters.catalog import systems_body
from coderef.api.schemas import SystemsResponse
from coderef.api.services import ServicesDep

router = APIRouter(prefix="/api", tags=["meta"])


# async def: the live releases, a local read (the catalog keeps them in memory on DynamoDB).
@router.get("/health", openapi_extra=documented({200: "coderef.api.schemas:HealthResponse"}))
async def health(services: ServicesDep) -> dict:
    releases = services.catalog.releases()
    return {"status": "ok", "systems": sorted({r.system for r in releases})}


@router.get("/systems", response_model=SystemsResponse)
def systems(services: ServicesDep) -> dict:
    """Every code system with its loaded releases, newest first; `live` marks the one that
    answers when no date is asked for."""
    return {"systems": systems_body(services.releases.systems())}
