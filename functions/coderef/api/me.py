"""Who am I: the signed-in user (or null), the meter, and the codes it has unlocked."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from coderef.api.presenters.accounts import me_body
from coderef.api.schemas import MeResponse
from coderef.api.services import ServicesDep
from coderef.api.session import claimed_viewer

router = APIRouter(prefix="/api", tags=["auth"])


# async def: the reads go to the thread pool on the local server, and run inline on Lambda
# (Services.run_blocking), where a sync route would start the thread pool on the first request.
@router.get("/me", response_model=MeResponse)
async def me(services: ServicesDep, request: Request, response: Response) -> dict:
    response.headers["Cache-Control"] = "private, no-store"

    def read() -> dict:
        standing = services.view_meter.standing(claimed_viewer(request, services))
        titles = services.lookup.titles((u.system, u.key) for u in standing.unlocked)
        return me_body(standing, titles)

    return await services.run_blocking(read)
