"""CaseConsultant's AWS resources in template.yaml: SES receipt rule -> private mail bucket ->
ConsultantFunction, its table, and a role that may touch only what the function uses."""

from __future__ import annotations

import json

import pytest

from tests import aws
from tests.infra.test_template import _dynamodb_actions_called_by, _statements


@pytest.fixture(scope="module", name="template")
def _template() -> dict:
    return aws.load_template()


@pytest.fixture(scope="module", name="transformed")
def _transformed(template) -> dict:
    return aws.sam_transform(template, {"ConsultAddress": "c@example.org"})


DECIDED = {"UseBedrock": False, "SecretHasOwnKey": False}


def _consultant_statements(transformed) -> list[dict]:
    return _statements(transformed, "ConsultantFunctionRole", DECIDED)


def _actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_ses_stores_mail_for_the_consultant_address_only_in_the_mail_bucket(template):
    rule = template["Resources"]["ConsultantReceiptRule"]["Properties"]
    assert rule["Rule"]["Recipients"] == [{"Ref": "ConsultAddress"}]
    assert rule["Rule"]["ScanEnabled"] is True
    (action,) = rule["Rule"]["Actions"]
    assert action["S3Action"] == {
        "BucketName": {"Ref": "ConsultantMailBucket"},
        "ObjectKeyPrefix": "mail/",
    }
    assert rule["RuleSetName"] == {"Ref": "ConsultantRuleSet"}


def test_the_mail_bucket_is_private_encrypted_short_lived_and_writable_by_ses_only(template):
    bucket = template["Resources"]["ConsultantMailBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 1
    policy = template["Resources"]["ConsultantMailBucketPolicy"]["Properties"]["PolicyDocument"]
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [(s["Principal"], s["Action"]) for s in allows] == [
        ({"Service": "ses.amazonaws.com"}, "s3:PutObject")
    ]
    condition = allows[0]["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "receipt-rule/consultant" in json.dumps(condition["aws:SourceArn"])


def test_the_function_is_invoked_by_new_mail_and_serves_the_consultant_routes(template):
    events = template["Resources"]["ConsultantFunction"]["Properties"]["Events"]
    mail = events.pop("Mail")
    assert mail["Type"] == "S3"
    assert mail["Properties"]["Bucket"] == {"Ref": "ConsultantMailBucket"}
    assert mail["Properties"]["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "mail/"}]
    assert {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()} == {
        ("GET", "/api/consultant"),
        ("GET", "/api/consultant/threads"),
        ("POST", "/api/consultant/threads"),
        ("GET", "/api/consultant/threads/{thread_id}"),
        ("DELETE", "/api/consultant/threads/{thread_id}"),
    }


def test_the_consultant_table_expires_threads_with_ttl(template):
    props = template["Resources"]["ConsultantTable"]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"by_owner", "queue"}


def test_the_consultant_role_may_touch_only_what_it_uses(transformed):
    grants: dict[str, set[str]] = {}
    for statement in _consultant_statements(transformed):
        grants.setdefault(json.dumps(statement["Resource"]), set()).update(_actions(statement))
    by_target = {}
    for resource, actions in grants.items():
        target = next(
            (
                t
                for t in ("ConsultantTable", "CodesTable", "AccountsTable", "s3:::", "ses:", "ssm:")
                if t in resource
            ),
            resource,
        )
        by_target[target] = actions
    assert set(by_target) == {
        "ConsultantTable",
        "CodesTable",
        "AccountsTable",
        "s3:::",
        "ses:",
        "ssm:",
    }
    assert by_target["CodesTable"] == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
    }
    assert by_target["s3:::"] == {"s3:GetObject", "s3:DeleteObject"}
    assert by_target["ses:"] == {"ses:SendEmail", "ses:SendRawEmail"}
    # Only the raw mail under mail/ of its own bucket
    (s3,) = [s for s in _consultant_statements(transformed) if "s3:GetObject" in _actions(s)]
    assert "coderef-consult-mail-" in json.dumps(s3["Resource"])
    assert json.dumps(s3["Resource"]).count("/mail/*") == 1
    # Mail only from the consultant address
    (ses,) = [s for s in _consultant_statements(transformed) if "ses:SendEmail" in _actions(s)]
    assert ses["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "ConsultAddress"}


def test_every_dynamodb_call_the_consultant_store_makes_is_allowed(transformed):
    needed = _dynamodb_actions_called_by("dynamodb_consultant", leave_out={"get_paginator"})
    needed.add("dynamodb:Query")  # the paginator's calls
    (statement,) = [
        s
        for s in _consultant_statements(transformed)
        if "ConsultantTable" in json.dumps(s["Resource"])
    ]
    assert needed <= _actions(statement)
    assert "index/*" in json.dumps(statement["Resource"])  # the by_owner and queue indexes


def test_the_bucket_name_in_the_policy_is_the_buckets_own():
    doc = aws.load_template()
    name = doc["Resources"]["ConsultantMailBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    statements = doc["Resources"]["ConsultantFunction"]["Properties"]["Policies"][0]
    (s3,) = [s for s in statements["Statement"] if "s3:GetObject" in s["Action"]]
    arn, variables = s3["Resource"]["Fn::Sub"]
    assert arn == "arn:${AWS::Partition}:s3:::" + name[0] + "/mail/*"
    assert variables == name[1]
