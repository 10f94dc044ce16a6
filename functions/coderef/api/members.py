"""Features for registered accounts only, each rate-limited per account."""

from __future__ import annotations

from coderef.accounts.metering import Viewer
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
