"""The ports the consultant needs: adapters implement them; nothing else touches storage."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol

from coderef.accounts.model import User, WindowCount
from coderef.consultant.model import Message, Thread


class ConsultantStore(Protocol):
    """Threads and their messages. A thread whose `expires_at` has passed is never returned,
    whether or not the store has deleted it yet (DynamoDB's TTL deletes within days)."""

    def create_thread(self, thread: Thread) -> None: ...

    def thread(self, thread_id: str, now: int) -> Thread | None: ...

    def update_thread(self, thread: Thread) -> None:
        """Store the thread's status, context, references, updated_at and expires_at."""

    def add_message(self, message: Message, expires_at: int) -> None:
        """Add a message; its Message-ID (if any) then finds the thread (thread_for_mail)."""

    def messages(self, thread_id: str) -> list[Message]:
        """The thread's messages, oldest first."""

    def thread_for_mail(self, message_ids: list[str], now: int) -> Thread | None:
        """The live thread one of these Message-IDs belongs to (In-Reply-To, References)."""

    def threads_of(self, user_id: str, now: int) -> list[Thread]:
        """The user's live threads, newest (last updated) first."""

    def waiting(self, now: int) -> list[Thread]:
        """The review queue: live threads waiting for a coder, oldest first."""

    def delete_thread(self, thread_id: str) -> None:
        """The thread, its messages and its Message-ID lookups, gone."""

    def sweep(self, now: int) -> int:
        """Delete what has expired; how many threads were deleted (a store with its own
        expiry, such as DynamoDB's TTL, may leave that to it and say 0)."""


class ReplyMailer(Protocol):
    """Sends one whole message (headers and all: the thread headers must survive)."""

    def send_message(self, message: EmailMessage) -> None: ...


# CasePilot's `ask`: the question and an optional code context in, the answer out as the API
# presents it (its `answered`, `answer`, `details.codes` and `sources`, each with its URL):
# the composition root (api/services.py) wires CasePilot through its presenter.
Answerer = Callable[[str, dict[str, str] | None], dict[str, Any]]


class Members(Protocol):
    """What the consultant reads of accounts (the Accounts store provides it): who a sender
    is, and the fixed-window counters its per-day limits are counted in."""

    def user_by_email(self, email: str) -> tuple[User, str] | None: ...

    def user_by_id(self, user_id: str) -> User | None: ...

    def reserve(self, *windows: WindowCount) -> None: ...
