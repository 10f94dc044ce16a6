"""One code: the public summary and the full page (metered once accounts exist)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from coderef.api.schemas import ERRORS, CodeSummary
from coderef.api.services import ServicesDep

router = APIRouter(prefix="/api/codes", tags=["codes"])

SystemPath = Annotated[str, Path(max_length=20, description="icd10cm, icd10pcs, hcpcs or cpt")]
CodePath = Annotated[str, Path(max_length=20, description="A code, with or without its dot")]
OnDate = Annotated[
    dt.date | None,
    Query(alias="date", description="Answer from the release in force on this date (YYYY-MM-DD)"),
]


@router.get("/{system}/{code}/summary", response_model=CodeSummary, responses=ERRORS)
def code_summary(
    services: ServicesDep,
    response: Response,
    system: SystemPath,
    code: CodePath,
    on_date: OnDate = None,
) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return services.lookup.summary(system, code, on_date=on_date)


@router.get("/{system}/{code}", responses=ERRORS)
def code_page(
    services: ServicesDep, system: SystemPath, code: CodePath, on_date: OnDate = None
) -> dict:
    return services.lookup.page(system, code, on_date=on_date)
