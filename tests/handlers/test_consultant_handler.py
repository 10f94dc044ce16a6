"""ConsultantFunction as Lambda runs it, under moto: mail SES stored in the bucket is read,
answered through SES in its thread, and deleted; bounces and oversized mail get nothing."""

from __future__ import annotations

import email
import importlib
import sys
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from coderef.accounts.model import User
from coderef.adapters.dynamodb_accounts import DynamoAccounts
from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.codesets.pipeline import load_release, rebuild_index
from tests import aws
from tests.conftest import CM_FIXTURE
from tests.handlers.events import LambdaContext, http_api_event, response_json

CONSULT = "consult@coderef.example.org"
BUCKET = "coderef-consult-mail-test"
MEMBER = "member@example.org"


@pytest.fixture(scope="module")
def fn(tmp_path_factory):
    data = tmp_path_factory.mktemp("consultant-fn")
    index = data / "search.db"
    env = {
        "CODEREF_DATA_DIR": str(data / "scratch"),
        "CODEREF_CODES_TABLE": "codes",
        "CODEREF_ACCOUNTS_TABLE": "accounts",
        "CODEREF_CONSULTANT_TABLE": "consultant",
        "CODEREF_CONSULT_ADDRESS": CONSULT,
        "CODEREF_INDEX_PATH": str(index),
        "CODEREF_ADDRESS_SECRET": "s3cret-for-tests",
        "CODEREF_PUBLIC_URL": "https://coderef.example.org",
    }
    with aws.fake_aws(env):
        import boto3

        client = aws.dynamodb()
        catalog = DynamoCatalog(aws.create_table(client, "CodesTable", "codes"), client=client)
        load_release(catalog, "icd10cm", CM_FIXTURE)
        rebuild_index(catalog, index)
        accounts = DynamoAccounts(
            aws.create_table(client, "AccountsTable", "accounts"), client=client
        )
        accounts.create_user(
            User("m1", MEMBER, "free", "2026-11-27T00:00:00+00:00", email_confirmed=True),
            "hash",
            5,
            None,
        )
        aws.create_table(client, "ConsultantTable", "consultant")
        boto3.client("sesv2", region_name=aws.REGION).create_email_identity(EmailIdentity=CONSULT)
        s3 = boto3.client("s3", region_name=aws.REGION)
        s3.create_bucket(Bucket=BUCKET)
        sys.modules.pop("coderef.handlers.consultant", None)
        yield importlib.import_module("coderef.handlers.consultant"), s3


def _stored(s3, raw: bytes, key: str) -> dict:
    s3.put_object(Bucket=BUCKET, Key=key, Body=raw)
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": len(raw)}},
            }
        ]
    }


def _sent() -> list:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sent_messages)


def _question(sender: str, text: str, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, CONSULT, "Diabetes"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg["Authentication-Results"] = "amazonses.com; spf=pass; dkim=pass header.i=@example.org"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def test_a_members_stored_mail_is_answered_through_ses_and_deleted(fn):
    module, s3 = fn
    question = _question(MEMBER, "Can E10.9 be coded with E11.9?")
    before = len(_sent())
    result = module.handler(_stored(s3, bytes(question), "mail/abc1"), LambdaContext())
    assert result == {"outcomes": ["answered"]}
    (sent,) = _sent()[before:]
    assert sent.source == CONSULT and set(sent.destinations) == {MEMBER}
    reply = email.message_from_string(sent.raw_data, policy=policy.default)
    assert reply["In-Reply-To"] == question["Message-ID"]
    assert "Excludes1 means the two are never coded together." in reply.get_content()
    assert "https://coderef.example.org/code/icd10cm/E10.9" in reply.get_content()
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="mail/abc1").get("KeyCount") == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Return_Path": "<>"},
        {"Auto_Submitted": "auto-replied"},
        {"X_SES_Spam_Verdict": "FAIL"},
    ],
)
def test_bounces_auto_replies_and_failed_verdicts_send_nothing(fn, headers):
    module, s3 = fn
    before = len(_sent())
    raw = bytes(_question("someone@example.net", "Out of office", **headers))
    result = module.handler(_stored(s3, raw, "mail/robot"), LambdaContext())
    assert result == {"outcomes": ["ignored"]}
    assert _sent()[before:] == []


def test_mail_over_100_kb_is_not_read_and_is_deleted(fn):
    module, s3 = fn
    before = len(_sent())
    raw = bytes(_question(MEMBER, "x" * 120_000))
    assert module.handler(_stored(s3, raw, "mail/big"), LambdaContext()) == {
        "outcomes": ["too_large"]
    }
    assert _sent()[before:] == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="mail/big").get("KeyCount") == 0


def test_the_function_also_serves_the_consultant_info_route(fn):
    module, _ = fn
    response = module.handler(http_api_event("GET", "/api/consultant"), LambdaContext())
    assert response["statusCode"] == 200
    assert response_json(response)["address"] == CONSULT
