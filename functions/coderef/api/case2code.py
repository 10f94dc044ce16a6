"""Case2Code: a pasted case note in, candidate codes per phrase out. The note is private health
information: it is read in memory for this one request and never logged or stored."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from coderef.api.documented import documented
from coderef.api.members import admit_member, unlocked_codes
from coderef.api.schemas import ERRORS
from coderef.api.services import ServicesDep
from coderef.api.session import SameOrigin, ViewerDep
from coderef.assistant.case_notes import MAX_NOTE_CHARS
from coderef.errors import CodeRefError

router = APIRouter(prefix="/api", tags=["case2code"], dependencies=[SameOrigin])

log = logging.getLogger("coderef.case2code")


class NoteRequest(BaseModel):
    text: str = Field(description=f"The case note, up to {MAX_NOTE_CHARS} characters")
    systems: list[str] | None = Field(
        default=None, max_length=4, description="icd10cm, icd10pcs; both when left out"
    )
    setting: str | None = Field(
        default=None,
        max_length=20,
        description="inpatient or outpatient; read from the note when left out",
    )


class Case2CodeFailed(CodeRefError):
    code = "internal_error"
    status = 500


@router.post(
    "/case2code",
    openapi_extra=documented({200: "coderef.api.schemas_assistant:Case2CodeResponse"}),
    responses={
        **ERRORS,
        401: {"description": "Not signed in: Case2Code is for registered accounts"},
        413: {"description": "The note is longer than allowed"},
        429: {"description": "Hourly allowance used; Retry-After says when to try again"},
    },
)
def case2code(
    body: NoteRequest,
    services: ServicesDep,
    viewer: ViewerDep,
    response: Response,
) -> dict:
    """Candidate codes for each finding and procedure of a case note."""
    response.headers["Cache-Control"] = "private, no-store"
    services.case2code.check(body.text)
    admit_member(services, viewer, "case2code", "Case2Code")
    from coderef.api.presenters.assistant import reading_body

    try:
        return reading_body(
            services.case2code.suggest(
                body.text, body.systems, body.setting, opened=unlocked_codes(services, viewer)
            )
        )
    except CodeRefError:
        raise
    except Exception as exc:
        # An unexpected error's message or traceback could quote the note: log only its type
        # and raise a fresh error with no cause and no context.
        failure = type(exc).__name__
    log.error("case2code failed (%s)", failure)
    raise Case2CodeFailed("Case2Code could not read this note. Please try again.")
