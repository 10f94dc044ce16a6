"""Releases of one code system: what changed between two of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from coderef.api.presenters.catalog import changes_body
from coderef.api.schemas import ERRORS, ChangesResponse
from coderef.api.services import ServicesDep

router = APIRouter(prefix="/api/systems", tags=["releases"])

_REF = "a release id (icd10cm-2025-10) or a date (YYYY-MM-DD) it was in force on"


@router.get(
    "/{system}/changes",
    response_model=ChangesResponse,
    response_model_by_alias=True,
    responses=ERRORS,
)
def release_changes(
    services: ServicesDep,
    response: Response,
    system: Annotated[str, Path(max_length=20)],
    from_: Annotated[
        str, Query(alias="from", min_length=1, max_length=40, description=f"From {_REF}")
    ],
    to: Annotated[str, Query(min_length=1, max_length=40, description=f"To {_REF}")],
) -> dict:
    """Codes added, deleted and revised (title, description or billable status) going from
    one loaded release to another."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return changes_body(services.releases.changes(system, from_, to))
