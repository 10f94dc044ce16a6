"""The consultant's use cases: a mail or a site question in, an answer (or the review queue)
out, and a coder's answer from the queue mailed in the thread.

Bodies are never logged: a question may hold patient details. Logs say what happened (the
outcome, a thread id), never what was written.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from coderef.accounts.model import User, WindowCount
from coderef.consultant.mail import InboundMail, UnreadableMail, read_mail, reply_to
from coderef.consultant.model import (
    MAX_SUBJECT,
    ConsultPolicy,
    Message,
    Role,
    Thread,
    ThreadStatus,
)
from coderef.consultant.ports import Answerer, ConsultantStore, Members, ReplyMailer
from coderef.errors import CodeRefError, InvalidInput, TooManyRequests, WindowFull

log = logging.getLogger("coderef.consultant")


class ThreadNotFound(CodeRefError):
    code = "thread_not_found"
    status = 404


class EmailNotConfirmed(CodeRefError):
    code = "email_not_confirmed"
    status = 403


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: answered, queued, registration_reply, limit_reply, ignored,
    unreadable, not_a_question."""

    action: str
    thread_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Asked:
    thread: Thread
    reply: str  # the text mailed (and shown on the page)
    answer: dict[str, Any] | None  # CasePilot's answer, when it answered


class Consultant:
    def __init__(
        self,
        store: ConsultantStore,
        members: Members,
        mailer: ReplyMailer,
        answerer: Answerer,
        policy: ConsultPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.members = members
        self.mailer = mailer
        self.answerer = answerer
        self.policy = policy
        self.clock = clock

    # -- mail in --------------------------------------------------------------------------
    def receive(self, raw: bytes) -> Outcome:
        """Read one mail sent to the consultant address and act on it."""
        try:
            mail = read_mail(raw, self.policy.address)
        except UnreadableMail as exc:
            log.info("consultant: mail not read (%s)", exc.message)
            return Outcome("unreadable", reason=exc.message)
        if mail.automatic:
            log.info("consultant: automatic mail (%s) not answered", mail.automatic)
            return Outcome("ignored", reason=mail.automatic)
        if mail.auth_failed:
            # Its From may be forged: a reply would land on someone who never wrote.
            log.info("consultant: mail failing SPF/DKIM not answered")
            return Outcome("ignored", reason="authentication failed")
        found = self.members.user_by_email(mail.sender)
        user = found[0] if found else None
        if user is None or not user.email_confirmed:
            return self._registration_reply(mail, user)
        thread = self.store.thread_for_mail(mail.thread_ids, int(self.clock()))
        if thread is not None and thread.user_id != user.id:
            thread = None  # someone else's thread: a new one, never theirs
        if not mail.text:
            return self._not_a_question(mail, user)
        try:
            self._count_question(user)
        except TooManyRequests:
            return self._limit_reply(mail, user)
        asked = self._ask(
            user,
            mail.text,
            mail.ask_human,
            subject=mail.subject,
            thread=thread,
            inbound_id=mail.message_id,
            attachments=mail.attachments,
        )
        action = "queued" if asked.thread.status == ThreadStatus.WAITING_FOR_CODER else "answered"
        log.info("consultant: mail %s in thread %s", action, asked.thread.id)
        return Outcome(action, asked.thread.id)

    # -- the site ---------------------------------------------------------------------------
    def ask_on_site(self, user: User, question: str, ask_human: bool = False) -> Asked:
        """A question from the /consultant form: answered (or queued) and mailed as well."""
        if not user.email_confirmed:
            raise EmailNotConfirmed(
                "Confirm your email address first: the consultant answers by email too."
            )
        text = (question or "").strip()
        if not text:
            raise InvalidInput("Write a question first.", field="question")
        if len(text) > 2000:
            raise InvalidInput("Keep a question under 2000 characters.", field="question")
        self._count_question(user)
        return self._ask(user, text, ask_human, subject="", thread=None, inbound_id="")

    def threads(self, user: User) -> list[Thread]:
        return self.store.threads_of(user.id, int(self.clock()))

    def thread_of(self, user: User, thread_id: str) -> tuple[Thread, list[Message]]:
        thread = self.store.thread(thread_id, int(self.clock()))
        if thread is None or thread.user_id != user.id:
            raise ThreadNotFound("There is no such thread (threads are deleted after 30 days).")
        return thread, self.store.messages(thread.id)

    def delete(self, user: User, thread_id: str) -> None:
        thread, _ = self.thread_of(user, thread_id)
        self.store.delete_thread(thread.id)
        log.info("consultant: thread %s deleted by its member", thread.id)

    # -- the review queue ---------------------------------------------------------------------
    def queue(self) -> list[Thread]:
        return self.store.waiting(int(self.clock()))

    def show(self, thread_id: str) -> tuple[Thread, list[Message]]:
        thread = self.store.thread(thread_id, int(self.clock()))
        if thread is None:
            raise ThreadNotFound(f"There is no thread {thread_id}.")
        return thread, self.store.messages(thread.id)

    def answer_by_coder(self, thread_id: str, text: str) -> Thread:
        """A coder's answer from the queue, added to the thread and mailed in it."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput("The answer is empty.", field="file")
        thread, _ = self.show(thread_id)
        body = "\n\n".join(
            [
                text,
                "This answer was written by a CodeRef coder. Reply to this mail to ask more.",
                self._retention_line(),
            ]
        )
        reply = reply_to(
            thread.email,
            self.policy.address,
            thread.subject,
            body,
            list(thread.references),
            auto=False,
        )
        now = self._now()
        self.store.add_message(
            Message(thread.id, self._next_seq(thread), Role.CODER, text, now, reply["Message-ID"]),
            self._expiry(),
        )
        thread = replace(
            thread,
            status=ThreadStatus.ANSWERED_BY_CODER,
            updated_at=now,
            expires_at=self._expiry(),
            references=(*thread.references, reply["Message-ID"]),
        )
        self.store.update_thread(thread)
        self.mailer.send_message(reply)
        log.info("consultant: thread %s answered by a coder", thread.id)
        return thread

    def sweep(self) -> int:
        return self.store.sweep(int(self.clock()))

    # -- the work -----------------------------------------------------------------------------
    def _ask(
        self,
        user: User,
        text: str,
        ask_human: bool,
        subject: str,
        thread: Thread | None,
        inbound_id: str,
        attachments: int = 0,
    ) -> Asked:
        now = self._now()
        if thread is None:
            first_line = text.splitlines()[0] if text else ""
            thread = Thread(
                id=uuid.uuid4().hex,
                user_id=user.id,
                email=user.email,
                subject=(subject or _shorten(first_line, 80) or "Your coding question")[
                    :MAX_SUBJECT
                ],
                status=ThreadStatus.WAITING_FOR_CODER,
                created_at=now,
                updated_at=now,
                expires_at=self._expiry(),
            )
            self.store.create_thread(thread)
        seq = self._next_seq(thread)
        self.store.add_message(
            Message(thread.id, seq, Role.MEMBER, text, now, inbound_id), self._expiry()
        )
        answer = None
        context = thread.context
        if not ask_human:
            try:
                answer = self.answerer(text, context)
            except InvalidInput as exc:
                answer = {"answered": False, "answer": exc.message, "details": {}, "sources": []}
        if answer is not None and answer.get("answered"):
            status = ThreadStatus.ANSWERED_AUTOMATICALLY
            body = self.render_answer(answer, attachments)
            codes = (answer.get("details") or {}).get("codes") or []
            if codes:
                context = {"system": codes[0]["system"], "code": codes[0]["code"]}
        else:
            status = ThreadStatus.WAITING_FOR_CODER
            body = self._queued_text(ask_human, attachments)
        references = [*thread.references, *([inbound_id] if inbound_id else [])]
        reply = reply_to(user.email, self.policy.address, thread.subject, body, references)
        self.store.add_message(
            Message(thread.id, seq + 1, Role.CONSULTANT, body, now, reply["Message-ID"]),
            self._expiry(),
        )
        thread = replace(
            thread,
            status=status,
            updated_at=now,
            expires_at=self._expiry(),
            context_system=(context or {}).get("system", ""),
            context_code=(context or {}).get("code", ""),
            references=(*references, reply["Message-ID"]),
        )
        self.store.update_thread(thread)
        self.mailer.send_message(reply)
        return Asked(
            thread, body, answer if status == ThreadStatus.ANSWERED_AUTOMATICALLY else None
        )

    def render_answer(self, answer: dict[str, Any], attachments: int = 0) -> str:
        """The mail text of a CasePilot answer: the answer, the codes it names with their
        titles, every source as a link to its CodeRef page, and where it comes from."""
        site = self.policy.site_url.rstrip("/")
        parts = [str(answer.get("answer", "")).strip()]
        codes = (answer.get("details") or {}).get("codes") or []
        if codes:
            parts.append(
                "Codes named:\n"
                + "\n".join(f"- {c['code']} {c['title']}: {site}{c['url']}" for c in codes)
            )
        links = []
        for source in answer.get("sources") or []:
            if source.get("kind") == "code":
                label = f"{source['code']} {source['title']}"
            elif source.get("kind") == "release":
                label = source.get("name") or source.get("id")
            else:
                label = source.get("label") or source.get("title") or "Guideline"
            url = source.get("url", "")
            links.append(f"- {label}: {url if url.startswith('http') else site + url}")
        if links:
            parts.append("Sources:\n" + "\n".join(links))
        parts.append(
            "This answer comes from the code sets loaded in CodeRef (the releases listed above),"
            " not from a person. Reply to this mail to ask a follow-up, or write “ask a human”"
            " to have a coder answer."
        )
        if attachments:
            parts.append(_attachments_line(attachments))
        parts.append(self._retention_line())
        return "\n\n".join(p for p in parts if p)

    def _queued_text(self, ask_human: bool, attachments: int) -> str:
        why = (
            "You asked for a coder"
            if ask_human
            else "The loaded code sets do not answer this question"
        )
        parts = [
            f"{why}, so it is now with a CodeRef coder, who will answer in this thread.",
            "You can follow it on your consultant page.",
        ]
        if attachments:
            parts.append(_attachments_line(attachments))
        parts.append(self._retention_line())
        return "\n\n".join(parts)

    def _retention_line(self) -> str:
        return (
            f"This thread is kept for {self.policy.retention_days} days, then deleted. "
            f"You can delete it sooner at {self.policy.site_url.rstrip('/')}/consultant."
        )

    def _registration_reply(self, mail: InboundMail, user: User | None) -> Outcome:
        window = self._day_window(
            "consult-register", mail.sender, self.policy.registration_replies_per_day
        )
        try:
            self.members.reserve(window)
        except WindowFull:
            log.info("consultant: registration reply already sent today")
            return Outcome("ignored", reason="registration reply already sent today")
        site = self.policy.site_url.rstrip("/")
        if user is None:
            first = (
                "CaseConsultant answers coding questions for CodeRef members. "
                f"Register for free at {site}/register, confirm your email address, "
                "then send your question again from that address."
            )
        else:
            first = (
                "CaseConsultant answers once your email address is confirmed. Open the link "
                "in the mail CodeRef sent when you registered (or ask for a new one at "
                f"{site}/account), then send your question again."
            )
        body = first + "\n\nYour message was not read or kept."
        self.mailer.send_message(
            reply_to(mail.sender, self.policy.address, mail.subject, body, _refs(mail))
        )
        log.info("consultant: registration reply sent")
        return Outcome("registration_reply")

    def _not_a_question(self, mail: InboundMail, user: User) -> Outcome:
        window = self._day_window("consult-empty", user.id, 3)
        try:
            self.members.reserve(window)
        except WindowFull:
            return Outcome("ignored", reason="empty mail")
        body = "We found no question in your mail. Write the question in the body of the mail."
        if mail.attachments:
            body += "\n\n" + _attachments_line(mail.attachments)
        self.mailer.send_message(
            reply_to(user.email, self.policy.address, mail.subject, body, _refs(mail))
        )
        return Outcome("not_a_question")

    def _limit_reply(self, mail: InboundMail, user: User) -> Outcome:
        try:
            self.members.reserve(self._day_window("consult-limit", user.id, 1))
        except WindowFull:
            return Outcome("ignored", reason="daily limit")
        body = (
            f"You have asked {self.policy.questions_per_day} questions today, the daily limit. "
            "Please send this one again tomorrow."
        )
        self.mailer.send_message(
            reply_to(user.email, self.policy.address, mail.subject, body, _refs(mail))
        )
        return Outcome("limit_reply")

    def _count_question(self, user: User) -> None:
        window = self._day_window("consult", user.id, self.policy.questions_per_day)
        try:
            self.members.reserve(window)
        except WindowFull:
            raise TooManyRequests(
                f"You have asked {self.policy.questions_per_day} questions today. "
                "Please ask again tomorrow.",
                window.expires_at - int(self.clock()),
            ) from None

    def _day_window(self, name: str, subject: str, limit: int) -> WindowCount:
        now = int(self.clock())
        day = now // 86400
        return WindowCount(f"{name}:{subject}:{day}", (day + 1) * 86400, limit)

    def _next_seq(self, thread: Thread) -> int:
        messages = self.store.messages(thread.id)
        return (messages[-1].seq + 1) if messages else 1

    def _now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")

    def _expiry(self) -> int:
        return int(self.clock()) + self.policy.retention_days * 86400


def _attachments_line(count: int) -> str:
    what = "attachment" if count == 1 else f"{count} attachments"
    return (
        f"Your mail had {'an ' if count == 1 else ''}{what}: attachments are not read. "
        "Put the question in the text of the mail."
    )


def _refs(mail: InboundMail) -> list[str]:
    return [*mail.references, *([mail.message_id] if mail.message_id else [])]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
