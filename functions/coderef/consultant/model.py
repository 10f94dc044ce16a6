"""Threads, messages and the consultant's rules. Pure: no storage, no clock, no mail library."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ThreadStatus(StrEnum):
    """A thread's status, as the member's page shows it."""

    ANSWERED_AUTOMATICALLY = "answered_automatically"
    WAITING_FOR_CODER = "waiting_for_coder"
    ANSWERED_BY_CODER = "answered_by_coder"


class Role(StrEnum):
    """Who wrote a message in a thread: the member, the engine (consultant) or a coder."""

    MEMBER = "member"
    CONSULTANT = "consultant"
    CODER = "coder"


MAX_MESSAGE_BYTES = 100 * 1024  # refused at SMTP above this (and by the reader, on AWS)
MAX_QUESTION = 2000  # characters of a question kept; CasePilot reads up to its own limit
MAX_SUBJECT = 200


@dataclass(frozen=True)
class ConsultPolicy:
    """The consultant's limits: settings, not constants."""

    address: str = "consult@coderef.localhost"
    questions_per_day: int = 10
    retention_days: int = 30
    # Registration replies to one address that is not a member's, per day.
    registration_replies_per_day: int = 1
    site_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Message:
    thread_id: str
    seq: int
    role: Role
    text: str
    at: str  # ISO 8601, UTC
    message_id: str = ""  # the mail's Message-ID, <...>, when it was a mail

    def __post_init__(self) -> None:
        # Stores hand back plain strings; an unknown role fails here, not in a rule later.
        object.__setattr__(self, "role", Role(self.role))


@dataclass(frozen=True)
class Thread:
    id: str
    user_id: str
    email: str
    subject: str
    status: ThreadStatus
    created_at: str
    updated_at: str
    expires_at: int  # epoch seconds: the thread and its messages are deleted after this
    # The code the thread is about (from its last answer): a follow-up naming no code is
    # read on that code, as a question asked on its page.
    context_system: str = ""
    context_code: str = ""
    # The Message-IDs of the thread so far, oldest first: the References of the next reply.
    references: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ThreadStatus(self.status))

    @property
    def context(self) -> dict[str, str] | None:
        if not self.context_code:
            return None
        return {"system": self.context_system or "icd10cm", "code": self.context_code}


def day_of(iso: str) -> str:
    """The UTC day of an ISO timestamp: the key of a per-day limit."""
    return iso[:10]
