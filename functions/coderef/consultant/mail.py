"""Reading a mail sent to the consultant, and writing its replies (Python's `email` package).

What is read: the sender, the thread headers, and the newly written text (from the plain
part, or the text of an HTML-only mail) without the quoted earlier messages. What is never
read: attachments (only counted, so the reply can say they were not read). What is never
answered: bounces, auto-replies and other automatic mail (loop protection), and mail whose
sender failed SPF or DKIM (we must not send mail to a forged address: backscatter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import errors as email_errors
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, make_msgid
from html.parser import HTMLParser

from coderef.consultant.model import MAX_MESSAGE_BYTES, MAX_QUESTION, MAX_SUBJECT
from coderef.errors import InvalidInput


class UnreadableMail(InvalidInput):
    """The mail cannot be read as a message with a sender and a text: it is not answered."""

    code = "unreadable_mail"


@dataclass(frozen=True)
class InboundMail:
    sender: str  # lower case
    recipients: tuple[str, ...]  # To and Cc, lower case
    subject: str
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str  # the new text, quotes removed
    attachments: int
    automatic: str  # why it is automatic mail ("" if a person wrote it)
    auth_failed: bool  # SPF or DKIM failed for it
    ask_human: bool  # the member asks for a coder, not the engine

    @property
    def thread_ids(self) -> list[str]:
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


# Defects after which the body cannot be trusted to be what the sender wrote.
_FATAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
)
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@-]|$)")
_MSGID = re.compile(r"<[^<>\s]+>")
_FAILED = re.compile(r"\b(spf|dkim)\s*=\s*(fail|softfail|permerror)\b", re.I)
_ASK_HUMAN = re.compile(r"\bask an? (human|coder)\b|\[human\]", re.I)


def read_mail(raw: bytes, own_address: str = "") -> InboundMail:
    """The mail as the consultant reads it; UnreadableMail if it has no sender or no
    readable structure."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise UnreadableMail("The message is larger than 100 KB.")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        defects = list(msg.defects) + [d for part in msg.walk() for d in part.defects]
        if any(isinstance(d, _FATAL_DEFECTS) for d in defects):
            raise UnreadableMail("The message's MIME structure is broken.")
        sender = _one_address(msg.get("From"))
        if not sender:
            raise UnreadableMail("The message has no sender address.")
        recipients = tuple(
            a.lower()
            for _, a in getaddresses(
                [str(v) for v in msg.get_all("To", []) + msg.get_all("Cc", [])]
            )
            if a
        )
        subject = " ".join(str(msg.get("Subject", "")).split())[:MAX_SUBJECT]
        automatic = _automatic(msg, sender, own_address)
        text, attachments = ("", 0) if automatic else _text_and_attachments(msg)
    except UnreadableMail:
        raise
    except (LookupError, ValueError, TypeError, AttributeError, IndexError) as exc:
        # A header or charset the parser chokes on: the type only, never the content.
        raise UnreadableMail(f"The message cannot be read ({type(exc).__name__}).") from None
    return InboundMail(
        sender=sender,
        recipients=recipients,
        subject=subject,
        message_id=_ids(msg.get("Message-ID"))[:1][0] if _ids(msg.get("Message-ID")) else "",
        in_reply_to=tuple(_ids(msg.get("In-Reply-To"))),
        references=tuple(_ids(msg.get("References"))),
        text=text[:MAX_QUESTION],
        attachments=attachments,
        automatic=automatic,
        auth_failed=_auth_failed(msg),
        ask_human=bool(_ASK_HUMAN.search(subject) or _ASK_HUMAN.search(text)),
    )


def _one_address(header: object) -> str:
    if header is None:
        return ""
    pairs = getaddresses([str(header)])
    if len(pairs) != 1:
        return ""
    address = pairs[0][1].strip().lower()
    return address if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+", address) else ""


def _ids(header: object) -> list[str]:
    return _MSGID.findall(str(header or ""))


def _automatic(msg: EmailMessage, sender: str, own_address: str) -> str:
    """Why this mail was sent by a machine (RFC 3834, RFC 3464), or "" if a person wrote it."""
    auto_submitted = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto-submitted"
    if str(msg.get("Precedence", "")).strip().lower() in _AUTO_PRECEDENCE:
        return "precedence"
    if msg.get_content_type() == "multipart/report":
        return "report"
    return_path = msg.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("", "<>"):
        return "null return path"
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")):
        return "auto-reply header"
    if "all" in str(msg.get("X-Auto-Response-Suppress", "")).lower():
        return "auto-response suppressed"
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "mailing list"
    if _DAEMONS.match(sender.split("@")[0]) or (own_address and sender == own_address.lower()):
        return "daemon sender"
    return ""


def _auth_failed(msg: EmailMessage) -> bool:
    """SPF or DKIM failed, as the receiving server recorded it (Authentication-Results; SES
    adds it to the stored message, with its spam and virus verdicts)."""
    results = " ".join(str(v) for v in msg.get_all("Authentication-Results", []))
    if _FAILED.search(results):
        return True
    received_spf = " ".join(str(v) for v in msg.get_all("Received-SPF", []))
    if re.match(r"\s*(fail|softfail)\b", received_spf, re.I):
        return True
    return any(
        str(msg.get(h, "")).strip().upper() == "FAIL"
        for h in ("X-SES-Spam-Verdict", "X-SES-Virus-Verdict")
    )


def _text_and_attachments(msg: EmailMessage) -> tuple[str, int]:
    attachments = sum(1 for _ in msg.iter_attachments()) if msg.is_multipart() else 0
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return "", attachments
    content = body.get_content()
    if not isinstance(content, str):
        return "", attachments
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    return new_text(content), attachments


class _TextOfHtml(HTMLParser):
    """The readable text of an HTML mail: blocks on their own lines, no scripts or styles,
    and no quoted earlier messages (blockquote, Gmail's gmail_quote)."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"})
    _SKIP = frozenset({"script", "style", "head", "title", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in self._SKIP or "gmail_quote" in classes:
            self.skipping.append(tag)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def new_text(text: str) -> str:
    """The text the sender wrote now: quoted earlier messages and signatures removed
    (mail-parser-reply knows the "On ... wrote:" lines of many mail programs and languages)."""
    from mailparser_reply import EmailReplyParser

    text = text.replace("\r\n", "\n")
    try:
        latest = EmailReplyParser(languages=["en"]).parse_reply(text=text)
    except Exception:  # its heuristics never cost the question: fall back to our own cut
        latest = text
    lines = []
    for line in (latest or "").splitlines():
        if line.lstrip().startswith(">"):
            continue  # a quoted line the parser left (inline quoting)
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def reply_to(
    inbound_to: str,
    sender: str,
    subject: str,
    body: str,
    references: list[str],
    auto: bool = True,
) -> EmailMessage:
    """A plain-text reply in the thread: In-Reply-To the last message, References all of them,
    and Auto-Submitted (RFC 3834) so other robots do not answer it in turn."""
    msg = EmailMessage(policy=policy.default)
    msg["From"] = Address("CodeRef CaseConsultant", addr_spec=sender)
    msg["To"] = inbound_to
    clean = " ".join(subject.split()) or "Your coding question"
    msg["Subject"] = clean if clean.lower().startswith("re:") else f"Re: {clean}"
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    if references:
        msg["In-Reply-To"] = references[-1]
        msg["References"] = " ".join(references[-20:])
    if auto:
        msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(body)
    return msg
