"""Health and the list of code systems with their loaded releases."""

from __future__ import annotations

from fastapi import APIRouter

from coderef.api.schemas import SystemsResponse
from coderef.api.services import ServicesDep
from coderef.domain.codes import SYSTEMS
from coderef.domain.lookup import release_dict

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(services: ServicesDep) -> dict:
    releases = services.catalog.releases()
    return {"status": "ok", "systems": sorted({r.system for r in releases})}


@router.get("/systems", response_model=SystemsResponse)
def systems(services: ServicesDep) -> dict:
    releases = services.catalog.releases()
    return {
        "systems": [
            {
                "id": s.id,
                "name": s.name,
                "publisher": s.publisher,
                "licence": s.licence,
                "releases": [release_dict(r, r.id) for r in releases if r.system == s.id],
            }
            for s in SYSTEMS.values()
        ]
    }
