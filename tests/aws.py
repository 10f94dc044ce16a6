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
def fake_aws(extra_env: dict[str, str] | None = None) -> Iterator[None]:
    """moto for every AWS call inside the block, with made-up credentials and a region."""
    from moto import mock_aws

    env = {**AWS_TEST_ENV, **(extra_env or {})}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with mock_aws():
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dynamodb() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=REGION)
