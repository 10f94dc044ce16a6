"""ConsultantFunction: CaseConsultant on AWS. Two kinds of event:

- S3 (ObjectCreated under mail/): SES's receipt rule stored a mail sent to the consultant
  address in the mail bucket. The function reads it (never more than 100 KB), lets the
  consultant answer it (replies through SES from the consultant address), and deletes the
  raw mail: the thread keeps only the question's text, for the retention period.
- HTTP API: the /api/consultant routes of the /consultant page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from coderef.api import consultant
from coderef.api.services import Services
from coderef.consultant.model import MAX_MESSAGE_BYTES
from coderef.handlers.runtime import (
    ConfigurationError,
    accounts_store,
    aws_settings,
    codes_catalog,
    function_app,
    logger,
)

ROUTERS = (consultant.router,)


def build_services() -> Services:
    from coderef.adapters.dynamodb_consultant import DynamoConsultant
    from coderef.adapters.ses_mailer import SesMailer

    settings = aws_settings(needs_address_secret=True)
    if not settings.consultant_table:
        raise ConfigurationError("CODEREF_CONSULTANT_TABLE is not set (template.yaml sets it)")
    return Services(
        settings=settings,
        catalog=codes_catalog(settings),
        accounts=accounts_store(settings),
        # Replies go out from the consultant address, the only one the role may send from.
        mailer=SesMailer(settings.consult_address),
        consultant_store=DynamoConsultant(settings.consultant_table),
    )


app, http_handler = function_app(ROUTERS, build_services)


def _s3() -> Any:
    from coderef.adapters.aws import service_client

    return service_client("s3")


def handle_mail_event(event: dict[str, Any], s3: Any = None) -> list[str]:
    """Answer every stored mail the event names; the outcome of each (never its content)."""
    s3 = s3 if s3 is not None else _s3()
    outcomes = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        size = int(record["s3"]["object"].get("size") or 0)
        if size > MAX_MESSAGE_BYTES:
            outcome = "too_large"  # not read at all: over the consultant's limit
        else:
            raw = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_MESSAGE_BYTES}")[
                "Body"
            ].read()
            outcome = app.state.services.consultant.receive(raw).action
        s3.delete_object(Bucket=bucket, Key=key)
        logger.info("consultant mail", extra={"outcome": outcome})
        outcomes.append(outcome)
    return outcomes


def handler(event: dict[str, Any], context: Any) -> Any:
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:s3":
        return {"outcomes": handle_mail_event(event)}
    return http_handler(event, context)
