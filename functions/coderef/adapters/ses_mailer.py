"""Mail on AWS: each message is one plain-text SES (v2 API) SendEmail from the one sender the
stack declares (MailSender); the function's role may send from that address only."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Any

from coderef.adapters.aws import service_client, storage_errors


class SesMailer:
    def __init__(self, sender: str, client: Any = None) -> None:
        if not sender:
            raise ValueError("SesMailer needs a sender address (CODEREF_MAIL_FROM)")
        self.sender = sender
        self.client = client if client is not None else service_client("sesv2")

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; ServiceUnavailable if SES refuses it or cannot be reached."""
        with storage_errors("mail service", service="SES"):
            self.client.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                    }
                },
            )

    def send_message(self, message: EmailMessage) -> None:
        """Send a whole message as raw MIME (the consultant's replies keep their thread
        headers); From is the message's own, which the role must be allowed to send from."""
        with storage_errors("mail service", service="SES"):
            self.client.send_email(
                # The bare address: the role's ses:FromAddress condition names it so.
                FromEmailAddress=message["From"].addresses[0].addr_spec,
                Destination={"ToAddresses": [str(message["To"])]},
                Content={"Raw": {"Data": message.as_bytes(policy=policy.SMTP)}},
            )
