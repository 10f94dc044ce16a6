"""AWS in tests: template.yaml read as data, and moto standing in for DynamoDB with tables made
from the template's own definitions (so the tests and the template cannot drift apart)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"


class _TemplateLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form intrinsics (!Ref, !Sub ...)."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_TemplateLoader)


def sam_transform(
    template: dict[str, Any],
    parameters: dict[str, str] | None = None,
    layer_uri: str = "s3://artifacts/l.zip",
) -> dict[str, Any]:
    """The template after the SAM transform, run offline as `sam deploy` would have it run
    (code locations already packaged to S3, as `sam package` leaves them)."""
    import json
    import os

    from samtranslator.translator.transform import transform

    class NoIam:
        def load(self) -> Any:
            raise AssertionError("the transform wanted IAM (managed policy names)")

    packaged = json.loads(json.dumps(template))
    packaged["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    packaged["Resources"]["SearchIndexLayer"]["Properties"]["ContentUri"] = layer_uri
    for layer, uri in (
        ("ClinicalTextLayer", "s3://artifacts/c.zip"),
        ("SiteLayer", "s3://artifacts/s.zip"),
    ):
        if layer in packaged["Resources"]:
            packaged["Resources"][layer]["Properties"]["ContentUri"] = uri
    saved = {k: os.environ.pop(k, None) for k in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE")}
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    try:
        return transform(
            packaged,
            {
                "MailSender": "no-reply@example.org",
                "ConsultAddress": "consult@example.org",
                **(parameters or {}),
            },
            NoIam(),
        )
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})


def table_definition(logical_id: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CreateTable arguments a template table declares (keys, attributes, billing, indexes)."""
    props = (template or load_template())["Resources"][logical_id]["Properties"]
    wanted = (
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
    )
    return {name: props[name] for name in wanted if name in props}


def create_table(client: Any, logical_id: str, name: str | None = None) -> str:
    """Create the template's table `logical_id` in moto (a fresh name unless given)."""
    name = name or f"test-{logical_id}-{next(_table_numbers)}"
    client.create_table(TableName=name, **table_definition(logical_id))
    template_props = load_template()["Resources"][logical_id]["Properties"]
    ttl = template_props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": ttl["Enabled"],
                "AttributeName": ttl["AttributeName"],
            },
        )
    return name


_table_numbers = itertools.count(1)

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """These environment variables inside the block, as they were after it."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def fake_aws(extra_env: dict[str, str] | None = None) -> Iterator[None]:
    """moto for every AWS call inside the block, with made-up credentials and a region."""
    from moto import mock_aws

    with _environment({**AWS_TEST_ENV, **(extra_env or {})}), mock_aws():
        yield


def dynamodb() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=REGION)


@contextmanager
def _dynamodb_applies_one_request_at_a_time() -> Iterator[None]:
    """DynamoDB applies the writes to one item one after another, so of two conditional writes
    racing on an item, one sees the other's result. moto's threaded server checks and writes
    without a lock, so two racing requests can both pass a condition. This makes moto handle
    DynamoDB requests one at a time; clients still send them concurrently over HTTP."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    unlocked = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return unlocked(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.call_action = unlocked  # type: ignore[method-assign]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode on a free loopback port, for tests where several threads or
    processes talk to "DynamoDB" over real HTTP, as Lambda functions do. Yields its URL."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with _environment(AWS_TEST_ENV):
        server.start()
        try:
            with _dynamodb_applies_one_request_at_a_time():
                yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


def dynamodb_at(endpoint_url: str) -> Any:
    """A DynamoDB client for a moto server, with a connection pool big enough for the test's
    threads (the default of 10 would make a 50-thread burst queue for connections)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=Config(max_pool_connections=64, retries={"mode": "standard", "max_attempts": 3}),
    )


class DynamoDBFaults:
    """Makes a real client's calls fail as DynamoDB fails them: the HTTP status and JSON error
    body DynamoDB sends, returned from botocore's before-send hook, so the client's own retry
    policy and error parsing run exactly as they would against AWS."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.failing: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self.times: dict[str, int] = {}
        self.sent: list[str] = []
        client.meta.events.register("before-send.dynamodb", self._maybe_fail)

    def fail(
        self,
        operation: str,
        code: str,
        status: int = 400,
        times: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Every `operation` (e.g. "UpdateItem") fails with `code` until cleared, or only its
        next `times` calls; `body` adds fields to the error (a transaction's
        CancellationReasons)."""
        self.failing[operation] = (status, code, body or {})
        if times is not None:
            self.times[operation] = times

    def clear(self) -> None:
        self.failing.clear()
        self.times.clear()

    def _maybe_fail(self, request: Any, **_: Any) -> Any:
        import json

        from botocore.awsrequest import AWSResponse

        operation = request.headers.get("X-Amz-Target", b"")
        if isinstance(operation, bytes):
            operation = operation.decode()
        operation = operation.rsplit(".", 1)[-1]
        self.sent.append(operation)
        if operation not in self.failing:
            return None
        if operation in self.times:
            self.times[operation] -= 1
            if self.times[operation] == 0:
                del self.times[operation]
                status, code, extra = self.failing.pop(operation)
            else:
                status, code, extra = self.failing[operation]
        else:
            status, code, extra = self.failing[operation]
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected", **extra}
        ).encode()
        return AWSResponse(
            request.url, status, {"content-type": "application/x-amz-json-1.0"}, _Raw(body)
        )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def item_size(item: dict[str, Any]) -> int:
    """An item's size in bytes as DynamoDB counts it for capacity units: each attribute name's
    UTF-8 length plus its value's (strings their UTF-8 length, numbers about one byte per two
    significant digits plus one, booleans and nulls one byte, maps and lists three bytes plus
    one per element plus their contents)."""

    def value(v: dict[str, Any]) -> int:
        ((kind, raw),) = v.items()
        if kind == "S":
            return len(raw.encode())
        if kind == "N":
            digits = raw.lstrip("-").replace(".", "").strip("0") or "0"
            return (len(digits) + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "B":
            return len(raw)
        if kind == "M":
            return 3 + sum(len(k.encode()) + value(x) + 1 for k, x in raw.items())
        if kind == "L":
            return 3 + sum(value(x) + 1 for x in raw)
        if kind == "SS":
            return sum(len(x.encode()) for x in raw)
        raise ValueError(f"no size rule for {kind}")

    return sum(len(name.encode()) + value(v) for name, v in item.items())


def write_units(size: int, transactional: bool = False) -> int:
    """Write request units for writing an item of `size` bytes: one per KB started, two in a
    transaction."""
    return max(1, -(-size // 1024)) * (2 if transactional else 1)
