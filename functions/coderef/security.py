"""Secrets, tokens and password hashes.

- Passwords: Argon2id through argon2-cffi with the RFC 9106 low-memory profile
  (time cost 3, 64 MiB, parallelism 4, 16-byte salt, 32-byte hash). At most `in_flight`
  hashes run at once in a process (64 MiB each); a caller that cannot get a turn within
  `wait_seconds` is told the service is busy (503) instead of queueing without bound.
- Session, guest and reset tokens: 256 random bits (guest ids 192), URL-safe; only their
  SHA-256 is stored, so a copy of the store does not yield a usable token.
- Client addresses: stored only as an HMAC-SHA256 under a secret (CODEREF_ADDRESS_SECRET, or
  one generated once into the data directory).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from coderef.errors import ServiceUnavailable

HASH_MEMORY_KIB = 64 * 1024


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordHasher:
    def __init__(self, in_flight: int = 2, wait_seconds: float = 5.0) -> None:
        # Imported here: only the functions that handle passwords load argon2.
        from argon2 import PasswordHasher as Argon2
        from argon2.exceptions import InvalidHashError, VerificationError

        self._failures = (VerificationError, InvalidHashError)
        self._argon = Argon2(time_cost=3, memory_cost=HASH_MEMORY_KIB, parallelism=4)
        self._turns = threading.BoundedSemaphore(max(1, in_flight))
        self._wait = wait_seconds
        # Verifying against this when an email is unknown makes both paths take as long (and
        # as much memory, under the same bound).
        self._dummy = self._argon.hash(secrets.token_urlsafe(16))

    def _turn(self) -> None:
        if not self._turns.acquire(timeout=self._wait):
            raise ServiceUnavailable("Too many sign-ins at once. Please try again in a moment.")

    def hash(self, password: str) -> str:
        self._turn()
        try:
            return self._argon.hash(password)
        finally:
            self._turns.release()

    def verify(self, password_hash: str | None, password: str) -> bool:
        self._turn()
        try:
            return self._argon.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except self._failures:  # a mismatch is a VerificationError too
            return False
        finally:
            self._turns.release()


class AddressHasher:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, address: str) -> str:
        return hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]


def load_or_create_secret(env_value: str | None, path: Path) -> bytes:
    """The configured secret, else one kept in the data directory (created on first use)."""
    if env_value:
        return env_value.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        secret = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secret)
        return secret
