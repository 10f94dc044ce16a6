"""Local mail: each message is written to the outbox folder and shown on the console."""

from __future__ import annotations

import logging
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger("coderef.mail")


class OutboxMailer:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, to: str, subject: str, body: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.txt"
        text = f"To: {to}\nSubject: {subject}\n\n{body}"
        tmp = self.folder / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.folder / name)
        log.warning("mail to %s written to %s\n%s", to, self.folder / name, text)

    def send_message(self, message: EmailMessage) -> None:
        """A whole message (the consultant's replies, thread headers and all), as a .eml file.
        Only its recipient is logged: a consultant reply (even its subject) may hold patient
        details."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / (name + ".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(self.folder / name)
        log.warning("mail to %s written to %s", message["To"], self.folder / name)
