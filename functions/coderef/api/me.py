"""Who am I: the signed-in user (or null), the meter, and the codes it has unlocked."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from coderef.api.presenters.accounts import me_body
from coderef.api.schemas import MeResponse
from coderef.api.services import ServicesDep
from coderef.api.session import claimed_viewer

router = APIRouter(prefix="/api", tags=["auth"])


@router.get("/me", response_model=MeResponse)
def me(services: ServicesDep, request: Request, response: Response) -> dict:
    response.headers["Cache-Control"] = "private, no-store"
    standing = services.view_meter.standing(claimed_viewer(request, services))
    unlocked = standing.unlocked
    titles: dict[tuple[str, str], str] = {}
    for system in {u.system for u in unlocked}:
        records = services.catalog.get_many(system, [u.key for u in unlocked if u.system == system])
        titles.update({(system, k): r.title for k, r in records.items()})
    return me_body(standing, titles)
