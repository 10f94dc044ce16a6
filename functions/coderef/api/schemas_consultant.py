"""Response shapes of CaseConsultant's routes (imported by its router only)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from coderef.api.schemas import Out
from coderef.api.schemas_assistant import AskResponse


class ConsultantInfo(Out):
    address: str = Field(description="Where members mail their questions")
    retention_days: int = Field(
        description="Threads are deleted this many days after their last message"
    )
    questions_per_day: int
    site_url: str = Field(description="The site's address, as links in mailed answers start")


class ThreadOut(Out):
    id: str
    subject: str
    status: Literal["answered_automatically", "waiting_for_coder", "answered_by_coder"]
    status_label: str
    created_at: str
    updated_at: str


class ThreadList(Out):
    threads: list[ThreadOut]  # newest first


class MessageOut(Out):
    role: Literal["member", "consultant", "coder"] = Field(
        description="member, consultant (the engine) or coder"
    )
    text: str
    at: str


class ThreadDetail(Out):
    thread: ThreadOut
    messages: list[MessageOut]  # oldest first


class AskedResponse(Out):
    thread: ThreadOut
    reply: str = Field(description="The text mailed to the member, as it was mailed")
    answer: AskResponse | None = Field(
        default=None, description="CasePilot's answer, when the engine answered"
    )
