"""JobsDigestFunction: once a day (an EventBridge schedule in template.yaml), mail every saved
job search the open jobs listed since its last digest, through SES."""

from __future__ import annotations

from typing import Any

from coderef.handlers.runtime import aws_settings, jobs_store, logger, ses_mailer, started
from coderef.jobs.service import JobBoard

started()  # everything this function keeps is imported (handlers/__init__.py)


def build_board() -> JobBoard:
    settings = aws_settings()  # the site's URL, for the job and unsubscribe links
    return JobBoard(
        jobs_store(settings), ses_mailer(settings), settings.jobs_posts_per_day, settings.public_url
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    sent = build_board().send_digests()
    logger.info("job digests sent", extra={"sent": sent})
    return {"sent": sent}
