"""CasePilot: questions about codes and guidelines, answered from the loaded code sets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from coderef.api.documented import documented
from coderef.api.members import admit_member, unlocked_codes
from coderef.api.schemas import ERRORS
from coderef.api.services import ServicesDep
from coderef.api.session import SameOrigin, ViewerDep

router = APIRouter(prefix="/api/assistant", tags=["assistant"], dependencies=[SameOrigin])


class AskContext(BaseModel):
    system: str = Field(default="icd10cm", max_length=20)
    code: str = Field(max_length=20)


class AskRequest(BaseModel):
    question: str = Field(max_length=2000, description="The question, up to 500 characters")
    context: AskContext | None = Field(
        default=None, description="The code page the question was asked on, if any"
    )


MEMBER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"description": "Not signed in: CasePilot is for registered accounts"},
    429: {"description": "Hourly allowance used; Retry-After says when to try again"},
}


# AskResponse is documented, not built at cold start (api/documented.py).
@router.post(
    "/ask",
    responses=MEMBER_ERRORS,
    openapi_extra=documented({200: "coderef.api.schemas_assistant:AskResponse"}),
)
def ask(body: AskRequest, services: ServicesDep, viewer: ViewerDep, response: Response) -> dict:
    """Answer a question from the loaded catalog and guidelines, citing every source."""
    response.headers["Cache-Control"] = "private, no-store"
    services.casepilot.check(body.question)  # bad input costs nothing
    admit_member(services, viewer, "casepilot", "CasePilot")
    context = body.context.model_dump() if body.context else None
    from coderef.api.presenters.assistant import answer_body

    return answer_body(
        services.casepilot.ask(body.question, context, opened=unlocked_codes(services, viewer))
    )
