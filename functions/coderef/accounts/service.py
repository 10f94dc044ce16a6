"""Registering, logging in and out, password reset, and the admin operations on accounts."""

from __future__ import annotations

import hashlib
import logging
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
    WindowCount,
    check_password,
    normalize_email,
    user_meter_id,
)
from coderef.accounts.ports import Accounts, Mailer
from coderef.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotSignedIn,
    TooManyRequests,
    WindowFull,
)
from coderef.observability import count
from coderef.security import PasswordHasher, hash_token, new_token

log = logging.getLogger(__name__)
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

    def _window(self, name: str, subject: str, seconds: int, limit: int) -> WindowCount:
        start = self._now() // seconds * seconds
        return WindowCount(f"{name}:{subject}:{start}", start + seconds, limit)

    def _limit(
        self,
        name: str,
        subject: str,
        seconds: int,
        limit: int,
        code: str,
        message: str = "Too many attempts. Please wait and try again.",
    ) -> None:
        """Count this attempt before doing it; refuse it if the window already holds `limit`."""
        window = self._window(name, subject, seconds, limit)
        try:
            self.accounts.reserve(window)
        except WindowFull:
            raise TooManyRequests(message, window.expires_at - self._now(), code) from None

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
            email_confirmed=False,
        )
        # The guest's views and unlocks carry over now; the sign-up bonus waits for the
        # confirmation link, so an address nobody reads earns nothing.
        left = guest_meter.remaining if guest_meter else self.policy.guest_views
        self.accounts.create_user(
            user, self.hasher.hash(password), left, guest_meter.id if guest_meter else None
        )
        count("Registrations")
        signed_in = self._start_session(user)
        try:
            self._send_confirmation(user)
        except Exception:  # the account exists; the link can be sent again from the account
            log.exception("could not send the confirmation mail")
        return signed_in

    def _send_confirmation(self, user: User) -> None:
        token = new_token()
        hours = self.policy.confirm_token_hours
        self.accounts.create_confirm_token(hash_token(token), user.id, self._now() + hours * 3600)
        link = f"{self.public_url}/confirm-email?token={token}"
        bonus = self.policy.signup_bonus_views
        self.mailer.send(
            user.email,
            "Confirm your CodeRef email address",
            "Someone registered a CodeRef account with this email address.\n\n"
            f"To confirm it and get {bonus} more code page views, open this link within "
            f"{hours} hours:\n\n{link}\n\n"
            "If it was not you, ignore this message.\n",
        )

    def resend_confirmation(self, user: User | None) -> None:
        """Mail a new confirmation link to a signed-in, unconfirmed account (a few an hour)."""
        if user is None:
            raise NotSignedIn("Log in to confirm your email address.")
        if user.email_confirmed:
            return
        self._limit(
            "confirm-mail",
            user.id,
            3600,
            self.policy.confirm_mails_per_account_per_hour,
            "too_many_requests",
        )
        self._send_confirmation(user)

    def confirm_email(self, token: str) -> None:
        """Confirm the address a link was mailed to; the first confirmation adds the bonus."""
        user_id = self.accounts.confirm_email(
            hash_token(token or ""), self._now(), self.policy.signup_bonus_views
        )
        if not user_id:
            raise InvalidToken(
                "This confirmation link is invalid, used or expired. "
                "Log in and ask for a new one from your account page."
            )
        count("EmailsConfirmed")

    def login(self, email: str, password: str, address: str) -> SignedIn:
        try:
            email = normalize_email(email)
        except InvalidInput:
            email = (email or "")[:254].strip().lower()
        account = hashlib.sha256(email.encode()).hexdigest()[:32]
        seconds = self.policy.failed_login_window_seconds
        by_account = self._window(
            "login-account", account, seconds, self.policy.failed_logins_per_account
        )
        by_address = self._window(
            "login-address", address, seconds, self.policy.failed_logins_per_address
        )
        # Reserve, then verify: the attempt is counted atomically before the slow hash, so
        # however many guesses arrive at once, at most the limit are ever checked.
        try:
            self.accounts.reserve(by_account, by_address)
        except WindowFull:
            raise TooManyRequests(
                "Too many failed log-in attempts. Please wait and try again.",
                by_account.expires_at - self._now(),
                "too_many_attempts",
            ) from None
        found = self.accounts.user_by_email(email)
        ok = self.hasher.verify(found[1] if found else None, password or "")
        if not found or not ok:
            count("FailedLogins")
            raise InvalidCredentials("That email and password do not match an account.")
        # The attempt succeeded: it was not a failure after all.
        self.accounts.clear_window(by_account.key)
        self.accounts.release(by_address.key)
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

    def confirm_password_reset(self, token: str, password: str, address: str) -> None:
        """Set the new password; the same step ends every other reset link of the account
        and every session it has. The new password is hashed before the link is checked (one
        step in the store), so attempts are limited per address first."""
        check_password(password)
        self._limit(
            "reset-confirm",
            address,
            3600,
            self.policy.reset_confirms_per_address_per_hour,
            "too_many_requests",
        )
        user_id = self.accounts.reset_password(
            hash_token(token or ""), self._now(), self.hasher.hash(password)
        )
        if not user_id:
            raise InvalidToken("This reset link is invalid, used or expired. Ask for a new one.")

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
