"""Registering, logging in and out, password reset, and the admin operations on accounts."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from coderef.accounts.model import (
    PLANS,
    Meter,
    MeterPolicy,
    Plan,
    SessionCheck,
    User,
    check_password,
    normalize_email,
    user_meter_id,
)
from coderef.accounts.ports import Accounts, Mailer
from coderef.errors import InvalidCredentials, InvalidInput, InvalidToken, TooManyRequests
from coderef.observability import count
from coderef.security import PasswordHasher, hash_token, new_token

_USER_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex, as register makes them


@dataclass(frozen=True)
class SignedIn:
    user: User
    meter: Meter
    session_token: str


class AccountService:
    def __init__(
        self,
        accounts: Accounts,
        hasher: PasswordHasher,
        mailer: Mailer,
        policy: MeterPolicy,
        public_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = accounts
        self.hasher = hasher
        self.mailer = mailer
        self.policy = policy
        self.public_url = public_url.rstrip("/")
        self.clock = clock

    # -- helpers -------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self.clock())

    def _window(self, name: str, subject: str, seconds: int) -> tuple[str, int]:
        start = self._now() // seconds * seconds
        return f"{name}:{subject}:{start}", start + seconds

    def _limit(
        self,
        name: str,
        subject: str,
        seconds: int,
        limit: int,
        code: str,
        message: str = "Too many attempts. Please wait and try again.",
    ) -> None:
        """Count this attempt; refuse it if the window already holds `limit`."""
        key, ends = self._window(name, subject, seconds)
        if self.accounts.hit_window(key, ends) > limit:
            raise TooManyRequests(message, ends - self._now(), code)

    def limit_usage(self, feature: str, user: User, per_hour: int, message: str) -> None:
        """Count one use of a metered feature (CasePilot, Case2Code) by an account; 429 with
        Retry-After once the hour's window is full."""
        self._limit(feature, user.id, 3600, per_hour, "too_many_requests", message)

    def _start_session(self, user: User) -> SignedIn:
        token = f"{user.id}.{new_token()}"  # names its user: see session_claim
        expires = self._now() + self.policy.session_days * 86400
        self.accounts.create_session(hash_token(token), user.id, expires)
        meter = self.accounts.meter(user_meter_id(user.id))
        assert meter is not None
        return SignedIn(user, meter, token)

    # -- use cases -----------------------------------------------------------------------
    def register(
        self, email: str, password: str, guest_meter: Meter | None, address: str
    ) -> SignedIn:
        email = normalize_email(email)
        check_password(password, email)
        self._limit(
            "register",
            address,
            3600,
            self.policy.registrations_per_address_per_hour,
            "too_many_requests",
        )
        user = User(
            id=uuid.uuid4().hex,
            email=email,
            plan=Plan.FREE,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        left = guest_meter.remaining if guest_meter else self.policy.guest_views
        self.accounts.create_user(
            user,
            self.hasher.hash(password),
            left + self.policy.signup_bonus_views,
            guest_meter.id if guest_meter else None,
        )
        count("Registrations")
        return self._start_session(user)

    def login(self, email: str, password: str, address: str) -> SignedIn:
        try:
            email = normalize_email(email)
        except InvalidInput:
            email = (email or "")[:254].strip().lower()
        account = hashlib.sha256(email.encode()).hexdigest()[:32]
        seconds = self.policy.failed_login_window_seconds
        checks = [
            ("login-account", account, self.policy.failed_logins_per_account),
            ("login-address", address, self.policy.failed_logins_per_address),
        ]
        for name, subject, limit in checks:
            key, ends = self._window(name, subject, seconds)
            if self.accounts.count_window(key) >= limit:
                raise TooManyRequests(
                    "Too many failed log-in attempts. Please wait and try again.",
                    ends - self._now(),
                    "too_many_attempts",
                )
        found = self.accounts.user_by_email(email)
        ok = self.hasher.verify(found[1] if found else None, password or "")
        if not found or not ok:
            for name, subject, _ in checks:
                self.accounts.hit_window(*self._window(name, subject, seconds))
            count("FailedLogins")
            raise InvalidCredentials("That email and password do not match an account.")
        self.accounts.clear_window(self._window("login-account", account, seconds)[0])
        return self._start_session(found[0])

    def logout(self, session_token: str | None) -> None:
        claim = self.session_claim(session_token)
        if claim:
            self.accounts.delete_session(claim[0], claim[1].token_hash)

    def session_claim(self, session_token: str | None) -> tuple[str, SessionCheck] | None:
        """Whom a session cookie claims to be, and the check that proves it, without any I/O.

        A token is "{user id}.{random}", stored only as its hash. Naming the user lets a code
        page charge the member's meter with the session check inside the same conditional
        write, instead of reading the session first.
        """
        user_id, dot, secret = (session_token or "").partition(".")
        if not (dot and secret and _USER_ID.fullmatch(user_id)):
            return None
        return user_id, SessionCheck(hash_token(session_token or ""), self._now())

    def user_id_for_session(self, session_token: str | None) -> str | None:
        """The signed-in user's id, after one read that finds the session live."""
        claim = self.session_claim(session_token)
        if not claim:
            return None
        user_id, check = claim
        return (
            user_id if self.accounts.session_meter(user_id, check.token_hash, check.now) else None
        )

    def user_for_session(self, session_token: str | None) -> User | None:
        user_id = self.user_id_for_session(session_token)
        return self.accounts.user_by_id(user_id) if user_id else None

    def request_password_reset(self, email: str, address: str) -> None:
        """Always succeeds from the caller's view; mails a link only to a real account."""
        try:
            email = normalize_email(email)
        except InvalidInput:
            return
        self._limit(
            "reset",
            address,
            3600,
            self.policy.reset_requests_per_address_per_hour,
            "too_many_requests",
        )
        found = self.accounts.user_by_email(email)
        if not found:
            return
        token = new_token()
        expires = self._now() + self.policy.reset_token_minutes * 60
        self.accounts.create_reset_token(hash_token(token), found[0].id, expires)
        link = f"{self.public_url}/reset-password?token={token}"
        self.mailer.send(
            email,
            "Reset your CodeRef password",
            "Someone asked to reset the password of your CodeRef account.\n\n"
            f"To choose a new password, open this link within "
            f"{self.policy.reset_token_minutes} minutes:\n\n{link}\n\n"
            "If it was not you, ignore this message; your password stays as it is.\n",
        )

    def confirm_password_reset(self, token: str, password: str) -> None:
        check_password(password)
        user_id = self.accounts.consume_reset_token(hash_token(token or ""), self._now())
        if not user_id:
            raise InvalidToken("This reset link is invalid, used or expired. Ask for a new one.")
        self.accounts.set_password_hash(user_id, self.hasher.hash(password))
        self.accounts.delete_user_sessions(user_id)

    # -- admin ---------------------------------------------------------------------------
    def _user(self, email: str) -> User:
        found = self.accounts.user_by_email(normalize_email(email))
        if not found:
            raise InvalidInput(f"No account has the email {email}.")
        return found[0]

    def set_plan(self, email: str, plan: str) -> User:
        if plan not in PLANS:
            raise InvalidInput(f"Plan must be one of: {', '.join(PLANS)}.")
        user = self._user(email)
        self.accounts.set_plan(user.id, Plan(plan))
        return self._user(email)

    def grant_views(self, email: str, views: int) -> Meter:
        return self.accounts.grant_views(user_meter_id(self._user(email).id), views)
