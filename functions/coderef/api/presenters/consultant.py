"""CaseConsultant's threads and messages as JSON bodies."""

from __future__ import annotations

from typing import Any

from coderef.consultant.model import Message, Thread, ThreadStatus
from coderef.consultant.service import Asked

STATUS_LABELS = {
    ThreadStatus.ANSWERED_AUTOMATICALLY: "answered automatically",
    ThreadStatus.WAITING_FOR_CODER: "waiting for a coder",
    ThreadStatus.ANSWERED_BY_CODER: "answered by a coder",
}


def thread_body(thread: Thread) -> dict[str, Any]:
    """A thread as its member's page lists it (never the owner's id or the Message-IDs)."""
    return {
        "id": thread.id,
        "subject": thread.subject,
        "status": thread.status,
        "status_label": STATUS_LABELS[thread.status],
        "created_at": thread.created_at,
        "updated_at": thread.updated_at,
    }


def message_body(message: Message) -> dict[str, Any]:
    return {"role": message.role, "text": message.text, "at": message.at}


def thread_detail_body(thread: Thread, messages: list[Message]) -> dict[str, Any]:
    return {"thread": thread_body(thread), "messages": [message_body(m) for m in messages]}


def asked_body(asked: Asked) -> dict[str, Any]:
    """A question asked on the site: its thread, the text mailed, and CasePilot's answer (the
    body api/presenters/assistant.py built for it) when the engine answered."""
    return {"thread": thread_body(asked.thread), "reply": asked.reply, "answer": asked.answer}
