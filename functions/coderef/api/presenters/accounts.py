"""Users, meters and the codes a meter has unlocked, as JSON bodies."""

from __future__ import annotations

from typing import Any

from coderef.accounts.metering import Standing
from coderef.accounts.model import Meter, User
from coderef.catalog.codes import display_code


def user_body(user: User) -> dict[str, Any]:
    """What a user may see of their own account (never the id or the password hash)."""
    return {
        "email": user.email,
        "plan": user.plan,
        "created_at": user.created_at,
        "email_confirmed": user.email_confirmed,
    }


def meter_body(meter: Meter, charged: bool = False) -> dict[str, Any]:
    return {
        "remaining": None if meter.plan == "unlimited" else meter.remaining,
        "plan": meter.plan,
        "charged": charged,
    }


def signed_in_body(user: User, meter: Meter) -> dict[str, Any]:
    return {"user": user_body(user), "meter": meter_body(meter)}


def me_body(standing: Standing, titles: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The signed-in user (or null), the meter, and the unlocked codes with their titles."""
    return {
        "user": user_body(standing.user) if standing.user else None,
        "meter": meter_body(standing.meter),
        "unlocked": [
            {
                "system": u.system,
                "code": display_code(u.system, u.key),
                "title": titles.get((u.system, u.key), ""),
            }
            for u in standing.unlocked
        ],
        "unlocked_next": standing.more_after,
    }
