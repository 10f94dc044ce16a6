"""One code: the public summary and the full page (metered once accounts exist)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from coderef.api.schemas import ERRORS, CodeSummary
from coderef.api.services import ServicesDep

router = APIRouter(prefix="/api/codes", tags=["codes"])
# The public summary has its own router: SearchFunction serves it, never the metered page.
summary_router = APIRouter(prefix="/api/codes", tags=["codes"])

SystemPath = Annotated[str, Path(max_length=20, description="icd10cm or icd10pcs")]
CodePath = Annotated[str, Path(max_length=20, description="A code, with or without its dot")]


@summary_router.get("/{system}/{code}/summary", response_model=CodeSummary, responses=ERRORS)
def code_summary(
    services: ServicesDep, response: Response, system: SystemPath, code: CodePath
) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return services.lookup.summary(system, code)


@router.get("/{system}/{code}", responses=ERRORS)
def code_page(services: ServicesDep, system: SystemPath, code: CodePath) -> dict:
    return services.lookup.page(system, code)
