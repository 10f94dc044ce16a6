"""The view meter: who is looking, which meter pays, and the charge for one code page."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from coderef.accounts.model import (
    Meter,
    MeterPolicy,
    Plan,
    SessionCheck,
    Unlocked,
    User,
    WindowCount,
    guest_meter_id,
    parse_unlocked_cursor,
    user_meter_id,
)
from coderef.accounts.ports import Accounts, ReopenedReads
from coderef.errors import MeterClosed, TooManyRequests, ViewLimitReached, WindowFull
from coderef.observability import count
from coderef.security import new_token


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user, a known guest, or someone new.

    A code page does not read the session first: it takes the user id the session cookie
    claims, with the `session` check the charge itself must pass (else NotSignedIn).
    """

    user: User | None = None
    guest_token: str | None = None
    user_id: str | None = None
    session: SessionCheck | None = None

    def as_guest(self) -> Viewer:
        """The same browser without its member claim (the session turned out to be over)."""
        return Viewer(guest_token=self.guest_token)

    @property
    def member_id(self) -> str | None:
        return self.user.id if self.user else self.user_id

    @property
    def is_registered(self) -> bool:
        return self.member_id is not None

    @property
    def meter_id(self) -> str | None:
        """The meter that pays for this viewer, if the viewer names one."""
        if self.member_id:
            return user_meter_id(self.member_id)
        return guest_meter_id(self.guest_token) if self.guest_token else None


T = TypeVar("T")
# Starts a call in the background and returns what waits for its result (or re-raises its
# error). The API supplies a thread pool; by default calls simply run in turn.
StartBeside = Callable[[Callable[[], T]], Callable[[], T]]


def in_turn(call: Callable[[], T]) -> Callable[[], T]:
    result = call()
    return lambda: result


UNLOCKED_PAGE = 50  # codes /api/me lists at a time unless asked for fewer or more


@dataclass(frozen=True)
class Standing:
    user: User | None
    meter: Meter
    unlocked: list[Unlocked]  # one page of them, in code order
    more_after: str | None = None  # the cursor for the next page, if there is one


@dataclass(frozen=True)
class Charge:
    meter: Meter
    charged: bool
    new_guest_token: str | None = None


class ViewMeter:
    def __init__(
        self,
        accounts: Accounts,
        policy: MeterPolicy,
        clock: Callable[[], float] = time.time,
        start_beside: StartBeside = in_turn,
    ) -> None:
        self.accounts = accounts
        self.policy = policy
        self.clock = clock
        self.start_beside = start_beside
        # Asked once: a check against a runtime protocol costs more than the read it guards.
        self._reads_reopened = isinstance(accounts, ReopenedReads)

    def standing(
        self, viewer: Viewer, limit: int = UNLOCKED_PAGE, after: str | None = None
    ) -> Standing:
        """Who the viewer is, the meter that pays for it and one page of the codes it has
        unlocked (`limit` of them, after the cursor `after`). A member's session (with the
        meter), user and codes are read side by side (one round trip); if the session turns
        out to be over, the browser stands as the guest it is."""
        if after:
            parse_unlocked_cursor(after)  # a cursor this service never gave is refused for all
        if viewer.user_id and viewer.session:
            user_id, check = viewer.user_id, viewer.session
            meter = self.start_beside(
                lambda: self.accounts.session_meter(user_id, check.token_hash, check.now)
            )
            user = self.start_beside(lambda: self.accounts.user_by_id(user_id))
            page = self.accounts.unlocked_page(user_meter_id(user_id), limit, after)
            member_meter, member = meter(), user()
            if member_meter is not None and member is not None:
                return Standing(member, member_meter, page.codes, page.after)
            viewer = viewer.as_guest()
        guest_meter_id = viewer.meter_id
        no_meter_yet = Standing(None, Meter("", self.policy.guest_views, Plan.GUEST), [])
        if guest_meter_id is None:
            return no_meter_yet
        meter = self.start_beside(lambda: self.accounts.meter(guest_meter_id))
        page = self.accounts.unlocked_page(guest_meter_id, limit, after)
        found = meter()
        # A closed meter (its guest registered) shows nothing: its codes went to the account.
        return Standing(None, found, page.codes, page.after) if found else no_meter_yet

    def current(self, viewer: Viewer) -> Meter | None:
        """The meter that pays for this viewer, if one exists yet."""
        return self.accounts.meter(viewer.meter_id) if viewer.meter_id else None

    def reopened(self, viewer: Viewer, system: str, key: str) -> Charge | None:
        """The free charge of a code this viewer's meter has unlocked before (its session live,
        for a member), from one read where the store answers that way; None when the charge
        must decide (`charge`: a new code, no meter yet, an ended session, or a store without
        such a read). Charges nothing and counts nothing, as `charge` would for a re-open."""
        meter_id = viewer.meter_id
        if meter_id is None or not self._reads_reopened:
            return None
        reads: ReopenedReads = self.accounts  # type: ignore[assignment]
        meter = reads.reopened(meter_id, system, key, viewer.session)
        return Charge(meter, False) if meter is not None else None

    def _new_guest_charge(self, system: str, key: str, now: str, address: str) -> Charge:
        """A fresh guest meter, within the per-address daily cap, created with this code
        already unlocked (one write, not two) when the allowance has a view for it."""
        day = int(self.clock()) // 86400
        todays = WindowCount(
            f"guest-meters:{address}:{day}",
            (day + 2) * 86400,
            self.policy.guest_meters_per_address_per_day,
        )
        token = new_token(24)
        allowance = self.policy.guest_views
        expires = int(self.clock()) + self.policy.guest_meter_days * 86400
        first = (system, key, now) if allowance > 0 else None
        try:
            meter = self.accounts.create_meter(
                guest_meter_id(token), max(allowance - 1, 0), Plan.GUEST, first, expires, todays
            )
        except WindowFull:
            raise TooManyRequests(
                "Too many new visitors from your network today. Register or log in to keep "
                "reading code pages.",
                (day + 1) * 86400 - int(self.clock()),
            ) from None
        if first is None:
            raise ViewLimitReached(
                "You have used all your code page views.", meter=meter, new_guest_token=token
            )
        return Charge(meter, True, token)

    def charge(self, viewer: Viewer, system: str, key: str, address: str) -> Charge:
        """Open a code's full page: free if this meter unlocked it before, else one view.

        The store's one conditional write decides, without reading the meter first; it raises
        ViewLimitReached (with the meter, for the wall) when none is left. Views charged and
        walls hit are counted as business metrics.
        """
        try:
            charge = self._charge(viewer, system, key, address)
        except ViewLimitReached:
            count("WallsHit")
            raise
        if charge.charged:
            count("ViewsCharged")
        return charge

    def _charge(self, viewer: Viewer, system: str, key: str, address: str) -> Charge:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        meter_id = viewer.meter_id
        try:
            if meter_id is None:
                raise MeterClosed("This visitor has no meter yet.")
            try:
                after, charged = self.accounts.charge_view(
                    meter_id, system, key, now, session=viewer.session
                )
            except MeterClosed:
                if viewer.is_registered:
                    raise ViewLimitReached(
                        "This account has no view meter.", meter=Meter(meter_id, 0, Plan.FREE)
                    ) from None
                raise
        except MeterClosed:
            # A new visitor, or a guest whose old meter was closed: a fresh guest meter pays.
            return self._new_guest_charge(system, key, now, address)
        return Charge(after, charged)

    def refund(self, charge: Charge, system: str, key: str) -> None:
        """Give back the view a charge took for a code that turned out not to exist."""
        if charge.charged:
            self.accounts.refund_view(charge.meter.id, system, key)
            count("ViewsRefunded")
