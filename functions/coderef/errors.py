"""Domain errors. Adapters translate storage failures into these; the API maps them to HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coderef.accounts.model import Meter


class CodeRefError(Exception):
    """Base for every error the domain knows how to explain to a user."""

    code = "error"
    status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(CodeRefError):
    code = "invalid_input"
    status = 400


class UnknownSystem(CodeRefError):
    code = "unknown_system"
    status = 404


class CodeNotFound(CodeRefError):
    code = "code_not_found"
    status = 404


class ServiceUnavailable(CodeRefError):
    code = "service_unavailable"
    status = 503


class SourceError(CodeRefError):
    """A code-set source file is malformed or truncated; nothing was loaded."""

    code = "source_error"
    status = 422

    def __init__(self, path: str, where: str, problem: str) -> None:
        super().__init__(f"{path}: {where}: {problem}", path=path, where=where)
        self.path = path
        self.where = where
        self.problem = problem


class ViewLimitReached(CodeRefError):
    """The meter has no views left for a code it has not unlocked."""

    code = "view_limit_reached"
    status = 402

    def __init__(self, message: str, meter: Meter, new_guest_token: str | None = None) -> None:
        super().__init__(message, meter=meter, new_guest_token=new_guest_token)
        self.meter = meter  # what is left, for the wall's answer
        self.new_guest_token = new_guest_token  # a guest meter started by this refusal


class MeterClosed(CodeRefError):
    """The meter asked to pay does not exist (any more): a guest's meter that was closed when
    the guest registered, or a cookie naming no meter. The view meter starts a new one."""

    code = "meter_closed"
    status = 402


class WindowFull(CodeRefError):
    """A rate-limit window already holds its limit; the domain says what that means."""

    code = "window_full"
    status = 429


class EmailTaken(CodeRefError):
    code = "email_taken"
    status = 409


class WeakPassword(CodeRefError):
    code = "weak_password"
    status = 400


class InvalidCredentials(CodeRefError):
    code = "invalid_credentials"
    status = 401


class InvalidToken(CodeRefError):
    code = "invalid_token"
    status = 400


class TooManyRequests(CodeRefError):
    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = max(1, int(retry_after))
        if code:
            self.code = code


class ForbiddenOrigin(CodeRefError):
    code = "forbidden_origin"
    status = 403


class NotSignedIn(CodeRefError):
    code = "not_signed_in"
    status = 401


class NoteTooLong(CodeRefError):
    code = "note_too_long"
    status = 413


class ReleaseNotFound(CodeRefError):
    """No loaded release matches what was asked for (an id, or a date nothing was in force on)."""

    code = "release_not_found"
    status = 404
