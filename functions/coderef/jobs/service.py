"""The job board's rules: posting limits, moderation, reports, who may see which post."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from coderef.accounts.ports import Mailer
from coderef.errors import CodeRefError, InvalidInput, TooManyRequests
from coderef.jobs.markdown import render_markdown
from coderef.jobs.model import (
    CLOSED,
    OPEN,
    PENDING,
    REJECTED,
    REPORTS_TO_REVIEW,
    Employer,
    JobAlert,
    JobPost,
    JobQuery,
    alert_filters,
    iso,
    make_query,
    parse_iso,
    validate_draft,
)
from coderef.jobs.ports import Jobs


class JobNotFound(CodeRefError):
    code = "job_not_found"
    status = 404


class JobGone(CodeRefError):
    """The post was listed once but has expired or was closed; `similar` open jobs go along."""

    code = "job_expired"
    status = 410

    def __init__(self, message: str, job: JobPost, similar: list[JobPost]) -> None:
        super().__init__(message)
        self.job = job
        self.similar = similar


class AlertNotFound(CodeRefError):
    code = "alert_not_found"
    status = 404


def utc_now() -> datetime:
    return datetime.now(UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JobBoard:
    def __init__(
        self,
        store: Jobs,
        mailer: Mailer,
        posts_per_day: int,
        public_url: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.posts_per_day = posts_per_day
        self.public_url = public_url.rstrip("/")
        # Looked up at each call, so a test can move every board's clock at once.
        self.clock = clock or (lambda: utc_now())

    # ---- employers ----

    def post(self, member_id: str, member_email: str, data: dict[str, Any]) -> JobPost:
        """A new post, pending review; at most `posts_per_day` per member in any 24 hours."""
        draft = validate_draft(data)
        now = self.clock()
        since = iso(now - timedelta(days=1))
        recent = [j for j in self.store.jobs_by_employer(member_id) if j.posted_at > since]
        if len(recent) >= self.posts_per_day:
            oldest = min(parse_iso(j.posted_at) for j in recent)
            wait = int((oldest + timedelta(days=1) - now).total_seconds())
            raise TooManyRequests(
                f"You can post {self.posts_per_day} jobs a day. Please try again later.",
                retry_after=wait,
                code="job_post_limit",
            )
        blank = JobPost(
            id=uuid.uuid4().hex[:16],
            employer_id=member_id,
            employer_email=member_email,
            status=PENDING,
            posted_at=iso(now),
            expires_at=iso(now),
            title="",
            organization="",
            organization_website="",
            arrangement="",
            city=None,
            state=None,
            employment_type="",
            credentials_required=(),
            credentials_preferred=(),
            specialties=(),
            experience="",
            salary_min=0,
            salary_max=0,
            salary_period="",
            description="",
            apply="",
        )
        job = blank.with_draft(draft, now)
        self.store.create_job(job)
        return job

    def mine(self, member_id: str) -> list[JobPost]:
        return self.store.jobs_by_employer(member_id)

    def last_employer(self, member_id: str) -> Employer | None:
        """The organisation and website of the member's last post, to fill in the next."""
        posts = self.store.jobs_by_employer(member_id)
        if not posts:
            return None
        return Employer(posts[0].organization, posts[0].organization_website)

    def own(self, member_id: str, job_id: str) -> JobPost:
        """The member's own post (JobNotFound for anyone else's)."""
        job = self.store.job(job_id)
        if job is None or job.employer_id != member_id:
            raise JobNotFound("You have no job post with this id.")
        return job

    def update(self, member_id: str, job_id: str, data: dict[str, Any]) -> JobPost:
        """An edit: the whole post again; it goes back to review (what is public was checked)."""
        job = self.own(member_id, job_id)
        if job.status == CLOSED:
            raise InvalidInput("status: this post is closed and can no longer be edited.")
        draft = validate_draft(data)
        now = self.clock()
        edited = replace(job.with_draft(draft, now), status=PENDING, reason=None)
        self.store.save_job(edited)
        return edited

    def close(self, member_id: str, job_id: str) -> JobPost:
        job = replace(self.own(member_id, job_id), status=CLOSED)
        self.store.save_job(job)
        return job

    # ---- visitors ----

    def search(self, query: JobQuery) -> tuple[list[JobPost], int]:
        return self.store.search(query, self.clock())

    def public_job(self, job_id: str, member_id: str | None = None) -> JobPost:
        """An open job; its owner also sees it pending or rejected. Expired or closed: 410."""
        job = self.store.job(job_id)
        now = self.clock()
        if job is None:
            raise JobNotFound("There is no job with this id.")
        if job.is_public(now):
            return job
        if member_id and job.employer_id == member_id and job.status in (PENDING, REJECTED):
            return job
        if job.status == CLOSED or (job.status == OPEN and job.is_expired(now)):
            raise JobGone("This job is no longer open.", job, self.similar(job))
        raise JobNotFound("There is no job with this id.")

    def similar(self, job: JobPost, limit: int = 3) -> list[JobPost]:
        """Open jobs like this one: sharing a credential, else a specialty, else the newest."""
        found: list[JobPost] = []
        tries = [make_query(credential=c, limit=10) for c in job.credentials]
        tries += [make_query(specialty=s, limit=10) for s in job.specialties]
        tries.append(make_query(limit=10))
        for query in tries:
            for hit in self.search(query)[0]:
                if hit.id != job.id and hit.id not in {f.id for f in found}:
                    found.append(hit)
            if len(found) >= limit:
                break
        return found[:limit]

    def report(self, job_id: str, reporter: str) -> int:
        """One report per reporter; the third distinct one sends an open post back to review."""
        job = self.store.job(job_id)
        if job is None or not job.is_public(self.clock()):
            raise JobNotFound("There is no open job with this id.")
        count = self.store.add_report(job_id, reporter)
        if count >= REPORTS_TO_REVIEW:
            current = self.store.job(job_id)
            if current is not None and current.status == OPEN:
                reason = f"reported by {count} visitors"
                self.store.save_job(replace(current, status=PENDING, reason=reason))
        return count

    # ---- operators ----

    def pending(self) -> list[JobPost]:
        return self.store.jobs_by_status(PENDING)

    def job(self, job_id: str) -> JobPost:
        job = self.store.job(job_id)
        if job is None:
            raise JobNotFound(f"No job {job_id}.")
        return job

    def approve(self, job_id: str) -> JobPost:
        job = self.job(job_id)
        if job.status != PENDING:
            raise InvalidInput(f"Job {job_id} is {job.status}, not pending.")
        now = self.clock()
        approved = replace(job, status=OPEN, approved_at=iso(now), reason=None, reports=0)
        self.store.clear_reports(job_id)
        self.store.save_job(approved)
        self.mailer.send(
            job.employer_email,
            f"Your job post is live: {job.title}",
            f'Your CareerCenter post "{job.title}" was approved and is listed until '
            f"{job.expires_at[:10]}.\n\n{self.job_url(job)}\n",
        )
        return approved

    def reject(self, job_id: str, reason: str) -> JobPost:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("reason: say why the post is rejected.", field="reason")
        job = self.job(job_id)
        if job.status != PENDING:
            raise InvalidInput(f"Job {job_id} is {job.status}, not pending.")
        rejected = replace(job, status=REJECTED, reason=reason)
        self.store.save_job(rejected)
        self.mailer.send(
            job.employer_email,
            f"Your job post was not approved: {job.title}",
            f'Your CareerCenter post "{job.title}" was not approved.\n\nWhy: {reason}\n\n'
            "You can edit the post and it will be reviewed again.\n",
        )
        return rejected

    # ---- pages ----

    def job_url(self, job: JobPost) -> str:
        return f"{self.public_url}/jobs/{job.id}"

    @staticmethod
    def description_html(job: JobPost) -> str:
        return render_markdown(job.description)

    # ---- saved searches and digests ----

    def save_alert(self, member_id: str, email: str, data: dict[str, Any]) -> tuple[JobAlert, str]:
        """A saved search; returns it and its one-click unsubscribe token (stored hashed)."""
        filters = alert_filters(data)
        if len(self.store.alerts_of(member_id)) >= 10:
            raise InvalidInput("You can save at most 10 job searches.", field="body")
        token = secrets.token_urlsafe(24)
        now = iso(self.clock())
        alert = JobAlert(
            id=uuid.uuid4().hex[:16],
            member_id=member_id,
            email=email,
            filters=filters,
            created_at=now,
            last_sent_at=now,
            unsubscribe_hash=_hash(token),
        )
        self.store.save_alert(alert)
        return alert, token

    def alerts_of(self, member_id: str) -> list[JobAlert]:
        return self.store.alerts_of(member_id)

    def delete_alert(self, member_id: str, alert_id: str) -> None:
        alert = self.store.alert(alert_id)
        if alert is None or alert.member_id != member_id:
            raise AlertNotFound("You have no saved search with this id.")
        self.store.delete_alert(alert_id)

    def unsubscribe(self, alert_id: str, token: str) -> None:
        """One-click unsubscribe from the digest mail: the link's token is the proof."""
        alert = self.store.alert(alert_id)
        if alert is None or not secrets.compare_digest(alert.unsubscribe_hash, _hash(token)):
            raise AlertNotFound("This unsubscribe link is not valid (any more).")
        self.store.delete_alert(alert_id)

    def send_digests(self) -> int:
        """Mail each saved search the open jobs listed since its last digest; the number of
        mails sent. A search with nothing new gets no mail (and keeps its mark)."""
        now = self.clock()
        sent = 0
        for alert in self.store.all_alerts():
            # A fresh unsubscribe token per mail: only its hash is kept.
            hits = [
                j for j in self.search(alert.query(limit=50))[0] if j.listed_at > alert.last_sent_at
            ]
            if not hits:
                continue
            token = secrets.token_urlsafe(24)
            unsubscribe = f"{self.public_url}/api/job-alerts/{alert.id}/unsubscribe?token={token}"
            lines = [f"New jobs matching your saved CareerCenter search ({len(hits)}):", ""]
            for job in hits[:20]:
                where = "Remote" if job.arrangement == "remote" else f"{job.city}, {job.state}"
                lines += [f"- {job.title} — {job.organization} ({where})", f"  {self.job_url(job)}"]
            lines += ["", f"Unsubscribe with one click: {unsubscribe}"]
            self.mailer.send(alert.email, "New coding jobs for your saved search", "\n".join(lines))
            self.store.save_alert(
                replace(alert, last_sent_at=iso(now), unsubscribe_hash=_hash(token))
            )
            sent += 1
        return sent
