"""Features for registered accounts only, each rate-limited per account."""

from __future__ import annotations

from collections.abc import Callable

from coderef.accounts.metering import Viewer
from coderef.accounts.model import user_meter_id
from coderef.api.services import Services
from coderef.errors import NotSignedIn


def admit_member(services: Services, viewer: Viewer, feature: str, label: str) -> None:
    """Let a signed-in account use `feature` once more this hour, or refuse: 401
    `not_signed_in` for a guest (the feature shows locked), 429 with Retry-After when the
    account's hourly allowance is spent."""
    if viewer.user is None:
        raise NotSignedIn(f"{label} is for registered accounts. Register for free or log in.")
    per_hour = services.settings.member_feature_limits[feature]
    services.account_service.limit_usage(
        feature,
        viewer.user,
        per_hour,
        f"You have used {label} {per_hour} times this hour. Please wait and try again.",
    )


def unlocked_codes(services: Services, viewer: Viewer) -> Callable[[str, str], bool]:
    """Whether the signed-in account has unlocked a code (system, key). A full code with a
    7th character counts as open when its stem is: the stem's page holds its table. The
    assistant quotes a locked code only in the lines that answer the question."""
    if viewer.user is None or services.accounts is None:
        return lambda system, key: False
    opened = {(u.system, u.key) for u in services.accounts.unlocked(user_meter_id(viewer.user.id))}

    def is_open(system: str, key: str) -> bool:
        return (system, key) in opened or (len(key) == 7 and (system, key[:6]) in opened)

    return is_open
