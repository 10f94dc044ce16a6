"""`coderef consult list|show ID|answer ID --file F`: the review queue, for operators.

Locally it works on var/ (threads in consultant.db, replies into var/outbox/); with
CODEREF_CONSULTANT_TABLE and CODEREF_ACCOUNTS_TABLE set, on the DynamoDB tables, with
replies sent through SES from CODEREF_CONSULT_ADDRESS.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coderef.errors import InvalidInput
from coderef.settings import Settings


def _consultant(settings: Settings) -> Any:
    from coderef.consultant.model import ConsultPolicy
    from coderef.consultant.service import Consultant

    policy = ConsultPolicy(
        address=settings.consult_address,
        questions_per_day=settings.consult_questions_per_day,
        retention_days=settings.consult_retention_days,
        site_url=settings.public_url,
    )
    if settings.consultant_table:
        from coderef.adapters.dynamodb_accounts import DynamoAccounts
        from coderef.adapters.dynamodb_consultant import DynamoConsultant
        from coderef.adapters.ses_mailer import SesMailer

        if not settings.accounts_table:
            raise InvalidInput("CODEREF_CONSULTANT_TABLE needs CODEREF_ACCOUNTS_TABLE too")
        store: Any = DynamoConsultant(settings.consultant_table)
        members: Any = DynamoAccounts(settings.accounts_table)
        mailer: Any = SesMailer(settings.consult_address)
    else:
        from coderef.adapters.outbox_mailer import OutboxMailer
        from coderef.adapters.sqlite_accounts import SqliteAccounts
        from coderef.adapters.sqlite_consultant import SqliteConsultant

        store = SqliteConsultant(settings.consultant_path)
        members = SqliteAccounts(settings.accounts_path)
        mailer = OutboxMailer(settings.outbox_dir)

    def no_engine(question: str, context: dict[str, str] | None) -> dict[str, Any]:
        raise RuntimeError("the review queue commands never ask the engine")

    return Consultant(store, members, mailer, no_engine, policy)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    waiting = _consultant(settings).queue()
    for thread in waiting:
        print(f"{thread.id}  {thread.updated_at}  {thread.email:<32} {thread.subject}")
    print(f"{len(waiting)} thread(s) waiting for a coder", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    thread, messages = _consultant(settings).show(args.id)
    print(f"Thread {thread.id}: {thread.subject}")
    print(f"From {thread.email}, status: {thread.status}, since {thread.created_at}\n")
    for message in messages:
        print(f"--- {message.role}, {message.at}")
        print(message.text.rstrip() + "\n")
    return 0


def cmd_answer(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {type(exc).__name__}") from None
    thread = _consultant(settings).answer_by_coder(args.id, text)
    print(f"answer mailed to {thread.email}; thread {thread.id} is now {thread.status}")
    return 0


def add_commands(sub: Any) -> None:
    consult = sub.add_parser("consult", help="the CaseConsultant review queue")
    consult_sub = consult.add_subparsers(dest="consult_command", required=True)
    consult_sub.add_parser("list", help="threads waiting for a coder").set_defaults(func=cmd_list)
    show = consult_sub.add_parser("show", help="one thread, every message")
    show.add_argument("id")
    show.set_defaults(func=cmd_show)
    answer = consult_sub.add_parser("answer", help="mail a coder's answer in a thread")
    answer.add_argument("id")
    answer.add_argument("--file", required=True, help="the answer, a text or Markdown file")
    answer.set_defaults(func=cmd_answer)
