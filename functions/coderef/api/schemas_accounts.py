"""Response bodies of the account routes: the meter, the user, /api/me (api/schemas.py
re-exports them)."""

from __future__ import annotations

from pydantic import Field

from coderef.api.schemas_base import Out


class MeterOut(Out):
    remaining: int | None  # null on the unlimited plan
    plan: str  # guest | free | unlimited
    charged: bool  # this request took a view


class UserOut(Out):
    email: str
    plan: str
    created_at: str
    email_confirmed: bool


class SignedInOut(Out):
    user: UserOut
    meter: MeterOut


class StatusOut(Out):
    status: str


class UnlockedCode(Out):
    system: str
    code: str
    title: str


class MeResponse(Out):
    user: UserOut | None  # null for a guest
    meter: MeterOut
    unlocked: list[UnlockedCode]  # one page, in code order (system, then code)
    unlocked_next: str | None = Field(
        None, description="cursor for the next page of unlocked codes (`?after=`); null: no more"
    )
