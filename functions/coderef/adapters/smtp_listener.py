"""Local mail in: an aiosmtpd server on loopback that takes mail for the consultant address
only, refuses messages over 100 KB at SMTP, and hands each accepted message to the
consultant (which replies into var/outbox/)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller

from coderef.consultant.model import MAX_MESSAGE_BYTES

log = logging.getLogger("coderef.consultant")


class ConsultantHandler:
    def __init__(self, address: str, receive: Callable[[bytes], Any]) -> None:
        self.address = address.lower()
        self.receive = receive

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list
    ) -> str:
        if address.strip().lower() != self.address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # What a final MTA adds on delivery: an empty envelope sender (a bounce) shows as <>.
        sender = (envelope.mail_from or "").strip().strip("<>")
        raw = f"Return-Path: <{sender}>\r\n".encode() + (envelope.original_content or b"")
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.receive, raw)
        except Exception as exc:  # the type only: the message may hold patient details
            log.error("consultant: mail not handled (%s)", type(exc).__name__)
            return "451 4.3.0 Temporary failure, try again later"
        return "250 Message accepted"


def start_smtp(address: str, receive: Callable[[bytes], Any], host: str, port: int) -> Controller:
    """Start the listener in its own thread; stop it with `.stop()`."""
    # aiosmtpd logs every line it reads at DEBUG, message text included: never below INFO.
    logging.getLogger("mail.log").setLevel(logging.INFO)
    controller = Controller(
        ConsultantHandler(address, receive),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
    )
    controller.start()
    return controller
