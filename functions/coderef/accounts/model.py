"""Account rules: who may register with what, plans, meters, and the limits on abuse.

Pure: no storage, no clock of its own, no hashing library. Services pass those in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from coderef.errors import InvalidInput, WeakPassword


class Plan(StrEnum):
    """Who pays how for code pages. A guest's meter has the plan GUEST; accounts are FREE
    (views counted) or UNLIMITED."""

    GUEST = "guest"
    FREE = "free"
    UNLIMITED = "unlimited"


PLANS = (Plan.FREE, Plan.UNLIMITED)  # the plans an account may be set to
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # NIST SP 800-63B: allow at least 64; we allow 128
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


@dataclass(frozen=True)
class MeterPolicy:
    """Allowances are settings, not constants."""

    guest_views: int = 1
    signup_bonus_views: int = 5
    guest_meters_per_address_per_day: int = 20
    failed_logins_per_account: int = 5
    failed_logins_per_address: int = 20
    failed_login_window_seconds: int = 15 * 60
    registrations_per_address_per_hour: int = 10
    reset_requests_per_address_per_hour: int = 10
    session_days: int = 30
    # How long DynamoDB keeps an untouched guest meter (TTL): past the cookie's 365 days.
    guest_meter_days: int = 400
    reset_token_minutes: int = 60
    # The link that confirms a new account's email (and grants the sign-up bonus).
    confirm_token_hours: int = 48
    confirm_mails_per_account_per_hour: int = 5
    reset_confirms_per_address_per_hour: int = 10


@dataclass(frozen=True)
class User:
    id: str
    email: str
    plan: Plan
    created_at: str
    # False until the owner opens the link mailed at registration; accounts made before
    # confirmation existed count as confirmed (they had their bonus at registration).
    email_confirmed: bool = True

    def __post_init__(self) -> None:
        # Stores hand back plain strings; an unknown plan fails here, not in a rule later.
        object.__setattr__(self, "plan", Plan(self.plan))


@dataclass(frozen=True)
class Meter:
    id: str
    remaining: int
    plan: Plan

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", Plan(self.plan))


@dataclass(frozen=True)
class SessionCheck:
    """A session a charge must find live: the hash of its token, at this moment."""

    token_hash: str
    now: int


@dataclass(frozen=True)
class WindowCount:
    """A rate-limit window an action is counted in: refused if it already holds `limit`."""

    key: str
    expires_at: int
    limit: int


@dataclass(frozen=True)
class Unlocked:
    system: str
    key: str
    unlocked_at: str


@dataclass(frozen=True)
class UnlockedPage:
    """One page of a meter's unlocked codes, in code order (system, then key); `after` is the
    cursor for the next page (None on the last), as `unlocked_cursor` makes it."""

    codes: list[Unlocked]
    after: str | None = None


def unlocked_cursor(system: str, key: str) -> str:
    """The cursor that resumes a listing after this code."""
    return f"{system}|{key}"


def parse_unlocked_cursor(cursor: str) -> tuple[str, str]:
    system, sep, key = cursor.partition("|")
    if not sep or not system or not key:
        raise InvalidInput("That list cursor is not one this service gave out.")
    return system, key


def user_meter_id(user_id: str) -> str:
    return f"u:{user_id}"


def guest_meter_id(token: str) -> str:
    return f"g:{token}"


# Unicode categories no address needs and that hide what an address really is: controls
# (NUL, tab...), format characters (zero-width spaces and joiners, bidirectional overrides),
# surrogates, private use and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def has_invisible(text: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE for ch in text)


def normalize_email(raw: str) -> str:
    """Emails compare case-insensitively: the stored form is lower case, trimmed."""
    email = (raw or "").strip().lower()
    if has_invisible(email):
        raise InvalidInput(
            "An email address cannot contain control or invisible characters (such as "
            "zero-width or text-direction marks). Type it in again.",
            field="email",
        )
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise InvalidInput("Enter a valid email address, like name@example.com.", field="email")
    return email


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("coderef.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_password(password: str, email: str = "") -> None:
    """NIST SP 800-63B: length limits and a blocklist; no composition rules."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise WeakPassword(f"Use at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"Use at most {MAX_PASSWORD} characters.", field="password")
    if not password.strip():
        raise WeakPassword("A password of only spaces is too easy to guess.", field="password")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        # Control characters cannot be typed back reliably (and NUL cuts strings elsewhere).
        raise WeakPassword("A password cannot contain control characters.", field="password")
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.split("@")[0].lower()):
        raise WeakPassword(
            "That password is too common and easy to guess. Try a longer phrase.",
            field="password",
        )
