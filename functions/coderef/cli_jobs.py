"""`coderef jobs ...`: CareerCenter moderation and the daily digest, for operators."""

from __future__ import annotations

import argparse

from coderef.jobs.model import JobPost
from coderef.jobs.service import JobBoard
from coderef.settings import Settings


def job_board(settings: Settings) -> JobBoard:
    """The board on the store the settings name: the DynamoDB jobs table and SES when
    CODEREF_JOBS_TABLE is set (AWS), else var/jobs.db and the local outbox."""
    if settings.jobs_table:
        from coderef.adapters.dynamodb_jobs import DynamoJobs
        from coderef.adapters.ses_mailer import SesMailer

        return JobBoard(
            DynamoJobs(settings.jobs_table),
            SesMailer(settings.mail_from or ""),
            settings.jobs_posts_per_day,
            settings.public_url,
        )
    from coderef.api.services import Services

    return Services.local(settings).job_board


def _line(job: JobPost) -> str:
    where = "remote" if job.arrangement == "remote" else f"{job.city}, {job.state}"
    note = f"  [{job.reason}]" if job.reason else ""
    return f"{job.id}  {job.posted_at}  {job.title} — {job.organization} ({where}){note}"


def cmd_pending(args: argparse.Namespace, settings: Settings) -> int:
    pending = job_board(settings).pending()
    for job in pending:
        print(_line(job))
    print(f"{len(pending)} posts waiting for review")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    job = job_board(settings).job(args.id)
    for name, value in job.to_record().items():
        if name != "description":
            print(f"{name:>22}: {value}")
    print("\n" + job.description)
    return 0


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    job = job_board(settings).approve(args.id)
    print(f"approved {job.id}: {job.title} (listed until {job.expires_at}); employer mailed")
    return 0


def cmd_reject(args: argparse.Namespace, settings: Settings) -> int:
    job = job_board(settings).reject(args.id, args.reason)
    print(f"rejected {job.id}: {job.title}; employer mailed the reason")
    return 0


def cmd_send_digests(args: argparse.Namespace, settings: Settings) -> int:
    sent = job_board(settings).send_digests()
    print(f"{sent} digest mails sent")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    jobs = sub.add_parser("jobs", help="CareerCenter: review job posts, send digests")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_sub.add_parser("pending", help="posts waiting for review").set_defaults(func=cmd_pending)
    show = jobs_sub.add_parser("show", help="one post in full")
    show.add_argument("id")
    show.set_defaults(func=cmd_show)
    approve = jobs_sub.add_parser("approve", help="list a pending post")
    approve.add_argument("id")
    approve.set_defaults(func=cmd_approve)
    reject = jobs_sub.add_parser("reject", help="refuse a pending post, mailing the reason")
    reject.add_argument("id")
    reject.add_argument("--reason", required=True)
    reject.set_defaults(func=cmd_reject)
    jobs_sub.add_parser("send-digests", help="mail each saved search its new jobs").set_defaults(
        func=cmd_send_digests
    )
