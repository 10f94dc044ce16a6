"""Loaded guideline text: the sources and one numbered passage (what CasePilot cites)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from coderef.api.documented import documented
from coderef.api.presenters.guidelines import passage_body
from coderef.api.presenters.links import guideline_url
from coderef.api.schemas import ERRORS
from coderef.api.services import ServicesDep
from coderef.errors import CodeRefError

router = APIRouter(prefix="/api/guidelines", tags=["guidelines"])


class GuidelineNotFound(CodeRefError):
    code = "guideline_not_found"
    status = 404


# Documented, not built at cold start (api/documented.py): SearchFunction serves these.
@router.get(
    "",
    responses=ERRORS,
    openapi_extra=documented({200: "coderef.api.schemas:GuidelineSourcesResponse"}),
)
def guideline_sources(services: ServicesDep, response: Response) -> dict:
    """Every loaded guideline source with its passages' numbers and titles."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    sources: dict[str, dict] = {}
    for passage in services.guidelines.passages():
        source = sources.setdefault(
            passage.source.id,
            {
                "id": passage.source.id,
                "name": passage.source.name,
                "publisher": passage.source.publisher,
                "origin": passage.source.origin,
                "sections": [],
            },
        )
        source["sections"].append(
            {
                "section": passage.section,
                "group": passage.group,
                "title": passage.title,
                "url": guideline_url(passage.source.id, passage.section),
            }
        )
    return {"sources": list(sources.values())}


@router.get(
    "/{source}/{section}",
    responses=ERRORS,
    openapi_extra=documented({200: "coderef.api.schemas:GuidelinePassageOut"}),
)
def guideline_passage(
    services: ServicesDep,
    response: Response,
    source: Annotated[str, Path(max_length=40)],
    section: Annotated[str, Path(max_length=20)],
) -> dict:
    """One passage, by source and the guideline's own number (for example icd10pcs/B3.8)."""
    passage = services.guidelines.get(source, section)
    if passage is None:
        raise GuidelineNotFound(f"No loaded guideline {source[:40]} {section[:20]}.")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return passage_body(passage)
