"""The ports accounts need: adapters implement them; nothing else touches storage.

Every method that decides something (a charge, a unique email, a single-use token) does it
with one conditional write, so concurrent callers can never both win.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from coderef.accounts.model import (
    Meter,
    Plan,
    SessionCheck,
    Unlocked,
    UnlockedPage,
    User,
    WindowCount,
)


class Users(Protocol):
    """Users, their email lookup and password hashes, and plan changes."""

    def create_user(
        self, user: User, password_hash: str, meter_remaining: int, carry_from: str | None
    ) -> None:
        """Create the user, its email lookup and its meter in one step; copy the unlocked codes
        of the meter `carry_from` (a guest) and close it. EmailTaken if the email exists. The
        user's `email_confirmed` is stored as given."""

    def user_by_id(self, user_id: str) -> User | None: ...

    def user_by_email(self, email: str) -> tuple[User, str] | None:
        """The user and its password hash."""

    def list_users(self) -> list[User]: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    def set_plan(self, user_id: str, plan: Plan) -> None: ...

    def grant_views(self, meter_id: str, views: int) -> Meter: ...


class Sessions(Protocol):
    """Sessions, stored by token hash only; the token names its user, so no read finds it."""

    def create_session(self, token_hash: str, user_id: str, expires_at: int) -> None: ...

    def session_meter(self, user_id: str, token_hash: str, now: int) -> Meter | None:
        """The user's meter, if that session of the user is live (None otherwise): one read
        proves the session and gives the meter."""

    def delete_session(self, user_id: str, token_hash: str) -> None: ...

    def delete_user_sessions(self, user_id: str) -> None: ...


class Meters(Protocol):
    """View meters and the codes each has unlocked."""

    def create_meter(
        self,
        meter_id: str,
        remaining: int,
        plan: Plan,
        first: tuple[str, str, str] | None = None,
        expires_at: int | None = None,
        counted_in: WindowCount | None = None,
    ) -> Meter:
        """A new meter; with `first` (system, key, when), one code already unlocked by it and
        its view already taken out of `remaining`. A store with expiry may drop the meter
        after `expires_at` (a guest's). With `counted_in`, the creation is counted in that
        window in the same step, and refused (WindowFull) if the window is full."""

    def meter(self, meter_id: str) -> Meter | None: ...

    def charge_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        session: SessionCheck | None = None,
    ) -> tuple[Meter, bool]:
        """Unlock a code for a meter: free if already unlocked, else one view if any is left.
        Returns the meter after, and whether a view was charged. Raises ViewLimitReached (its
        details carry the `meter`) if none is left, MeterClosed if the meter does not exist or
        was closed. With `session`, nothing happens unless that session of the meter's user is
        live (NotSignedIn), checked in the same step, so a member's page needs no session read
        before it."""

    def refund_view(self, meter_id: str, system: str, key: str) -> None:
        """Undo a charge for a code that turned out not to exist (the index knew it, the
        catalog did not): lock it again and give the view back. Does nothing if it is not
        unlocked."""

    def unlocked(self, meter_id: str) -> list[Unlocked]:
        """Every code the meter unlocked, newest first (then by code)."""

    def unlocked_page(self, meter_id: str, limit: int, after: str | None = None) -> UnlockedPage:
        """At most `limit` of the meter's unlocked codes in code order (system, then key),
        starting after the cursor `after` (a code's `unlocked_cursor`); one bounded read however
        many codes the meter holds."""


@runtime_checkable
class ReopenedReads(Protocol):
    """A store that can answer a re-opened code page with one read, without the write a charge
    otherwise takes (the local SQLite store: no queue for its write lock)."""

    def reopened(
        self, meter_id: str, system: str, key: str, session: SessionCheck | None = None
    ) -> Meter | None:
        """The meter, when it has this code unlocked already and (with `session`) that session
        of its user is live: what charge_view would answer, charging nothing. None in every
        other case, for charge_view to decide."""


class ResetTokens(Protocol):
    """Single-use password reset tokens, stored by hash only."""

    def create_reset_token(self, token_hash: str, user_id: str, expires_at: int) -> None: ...

    def reset_password(self, token_hash: str, now: int, password_hash: str) -> str | None:
        """In one step, only if the token is unused and unexpired and no reset of its user was
        completed since it was made: mark it used, set the password hash, end every other
        outstanding reset token of the user and every session. Returns the user, else None."""


class EmailTokens(Protocol):
    """Single-use email confirmation tokens, stored by hash only."""

    def create_confirm_token(self, token_hash: str, user_id: str, expires_at: int) -> None: ...

    def confirm_email(self, token_hash: str, now: int, bonus_views: int) -> str | None:
        """In one step, only if the token is unused and unexpired: mark it used and, if the
        user's email was not confirmed yet, mark it confirmed and add `bonus_views` to the
        user's meter (so the bonus is granted once, whatever the number of links). Returns the
        user, else None."""


class RateWindows(Protocol):
    """Fixed-window counters for rate limits."""

    def count_window(self, key: str) -> int: ...

    def reserve(self, *windows: WindowCount) -> None:
        """Count one attempt in every window, or in none: WindowFull (its `window` detail the
        index of a full one) if any already holds its limit. Atomic, so of many concurrent
        callers at most `limit` get through, before any of them does the slow part."""

    def release(self, key: str) -> None:
        """Take back one counted attempt (never below zero): it did not happen after all."""

    def clear_window(self, key: str) -> None: ...


class Accounts(Users, Sessions, Meters, ResetTokens, EmailTokens, RateWindows, Protocol):
    """The whole accounts store: what the services and adapters provide together."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...
