"""Who am I: the signed-in user (or null), the meter, and the codes it has unlocked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from coderef.accounts.metering import UNLOCKED_PAGE
from coderef.api.presenters.accounts import me_body
from coderef.api.schemas_accounts import MeResponse
from coderef.api.services import ServicesDep
from coderef.api.session import claimed_viewer

router = APIRouter(prefix="/api", tags=["auth"])
MAX_UNLOCKED_PAGE = 200


# async def: the reads go to the thread pool on the local server, and run inline on Lambda
# (Services.run_blocking), where a sync route would start the thread pool on the first request.
@router.get("/me", response_model=MeResponse)
async def me(
    services: ServicesDep,
    request: Request,
    response: Response,
    limit: Annotated[
        int, Query(ge=1, le=MAX_UNLOCKED_PAGE, description="unlocked codes to list at most")
    ] = UNLOCKED_PAGE,
    after: Annotated[
        str | None,
        Query(
            max_length=80,
            description="resume the unlocked codes after this cursor (`unlocked_next` of the "
            "page before)",
        ),
    ] = None,
) -> dict:
    """The user, the meter and one page of the unlocked codes, in code order (system, then
    code); `unlocked_next` is the cursor for the next page, null on the last."""
    response.headers["Cache-Control"] = "private, no-store"

    def read() -> dict:
        standing = services.view_meter.standing(claimed_viewer(request, services), limit, after)
        titles = services.lookup.titles((u.system, u.key) for u in standing.unlocked)
        return me_body(standing, titles)

    return await services.run_blocking(read)
