"""The port CareerCenter needs: one jobs store, SQLite locally and DynamoDB on AWS.

Both pass tests/contract/test_jobs_contract.py; the board's rules (validation, moderation,
limits, who sees what) live in the service, the stores only keep and find posts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from coderef.jobs.model import JobAlert, JobPost, JobQuery


class JobStore(Protocol):
    def create_job(self, job: JobPost) -> None: ...

    def job(self, job_id: str) -> JobPost | None: ...

    def save_job(self, job: JobPost) -> None:
        """Replace the stored post (an edit, a status change), keeping its reports."""

    def jobs_by_employer(self, employer_id: str) -> list[JobPost]:
        """The member's posts, newest first."""

    def jobs_by_status(self, status: str) -> list[JobPost]:
        """Posts in one moderation state, oldest first (the review queue)."""

    def add_report(self, job_id: str, reporter: str) -> int:
        """Count one report of the post by `reporter` (once per reporter, however often it
        is sent); the number of distinct reporters after."""

    def clear_reports(self, job_id: str) -> None: ...

    def search(self, query: JobQuery, now: datetime) -> tuple[list[JobPost], int]:
        """Open, unexpired posts matching every word of the query (a word matches a word of
        the post that starts with it) and `query.accepts`, newest first or best match first;
        the page asked for and the number of matches."""


class JobAlerts(Protocol):
    """Saved searches and when each last had its digest."""

    def save_alert(self, alert: JobAlert) -> None: ...

    def alerts_of(self, member_id: str) -> list[JobAlert]: ...

    def alert(self, alert_id: str) -> JobAlert | None: ...

    def delete_alert(self, alert_id: str) -> None: ...

    def all_alerts(self) -> list[JobAlert]: ...


class Jobs(JobStore, JobAlerts, Protocol):
    """The whole jobs store."""
