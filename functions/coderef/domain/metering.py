"""The view meter: who is looking, which meter pays, and the charge for one code page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from coderef.domain.accounts import Meter, MeterPolicy, User, guest_meter_id, user_meter_id
from coderef.domain.errors import TooManyRequests, ViewLimitReached
from coderef.security import new_token
from coderef.store.ports import Accounts


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user, a known guest, or someone new."""

    user: User | None = None
    guest_token: str | None = None

    @property
    def is_registered(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class Charge:
    meter: Meter
    charged: bool
    new_guest_token: str | None = None


class ViewMeter:
    def __init__(
        self, accounts: Accounts, policy: MeterPolicy, clock: Callable[[], float] = time.time
    ) -> None:
        self.accounts = accounts
        self.policy = policy
        self.clock = clock

    def current(self, viewer: Viewer) -> Meter | None:
        """The meter that pays for this viewer, if one exists yet."""
        if viewer.user:
            return self.accounts.meter(user_meter_id(viewer.user.id))
        if viewer.guest_token:
            return self.accounts.meter(guest_meter_id(viewer.guest_token))
        return None

    def preview(self, viewer: Viewer) -> Meter:
        """The meter as the viewer would see it, without creating one."""
        return self.current(viewer) or Meter("", self.policy.guest_views, "guest")

    def _new_guest_meter(self, address: str) -> tuple[Meter, str]:
        day = int(self.clock()) // 86400
        count = self.accounts.hit_window(f"guest-meters:{address}:{day}", (day + 2) * 86400)
        if count > self.policy.guest_meters_per_address_per_day:
            raise TooManyRequests(
                "Too many new visitors from your network today. Register or log in to keep "
                "reading code pages.",
                (day + 1) * 86400 - int(self.clock()),
            )
        token = new_token(24)
        return self.accounts.create_meter(
            guest_meter_id(token), self.policy.guest_views, "guest"
        ), token

    def charge(self, viewer: Viewer, system: str, key: str, address: str) -> Charge:
        """Open a code's full page: free if this meter unlocked it before, else one view.

        Raises ViewLimitReached (from the store's one conditional write) when none is left.
        """
        meter = self.current(viewer)
        new_token_value = None
        if meter is None:
            meter, new_token_value = self._new_guest_meter(address)
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        try:
            after, charged = self.accounts.charge_view(meter.id, system, key, now)
        except ViewLimitReached as exc:
            # The wall still needs the meter, and a brand-new guest still needs its cookie.
            raise ViewLimitReached(
                exc.message,
                meter=self.accounts.meter(meter.id) or meter,
                new_guest_token=new_token_value,
            ) from None
        return Charge(after, charged, new_token_value)
