"""A stand-in AWS for the Lambda benchmarks: moto's server on a loopback port, with the tables
template.yaml declares, a small catalog release loaded into the codes table and the search
index built from it (as the layer build does).

The handlers run in child processes that reach this server over HTTP through
AWS_ENDPOINT_URL, so they import and call the real boto3, not moto's in-process mocks, and
their CPU time is theirs alone (moto runs in the parent).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import aws
from tests.conftest import CM_FIXTURE
from tests.fixtures.pcs import write_pcs_db

from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.codesets.pipeline import load_release, rebuild_index

ROOT = Path(__file__).resolve().parents[1]
# The three Lambda entry points (template.yaml Handler: module.handler).
HANDLERS = ("coderef.handlers.search", "coderef.handlers.code_page", "coderef.handlers.auth")
SITE_URL_PARAMETER = "/coderef/bench/site-url"
SITE_URL = "https://coderef.example.org"
ADDRESS_SECRET_PARAMETER = "/coderef/bench/address-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    """The running stand-in: where it is and what it holds."""

    endpoint: str
    codes_table: str
    accounts_table: str
    work: Path

    def base_env(self) -> dict[str, str]:
        """The calling shell's environment without any CODEREF_*, AWS_* or POWERTOOLS_*
        variable (nothing local leaks in), plus made-up credentials and the endpoint."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CODEREF_", "AWS_", "POWERTOOLS"))
        }
        return {
            **base,
            **aws.AWS_TEST_ENV,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoint,
        }

    def env_for(self, module: str) -> dict[str, str]:
        """The environment template.yaml gives the function whose Handler is `module`, its
        references resolved to this stack (tables, parameters, the index)."""
        template = aws.load_template()
        variables = dict(template["Globals"]["Function"]["Environment"]["Variables"])
        function = next(
            r["Properties"]
            for r in template["Resources"].values()
            if r.get("Type") == "AWS::Serverless::Function"
            and r["Properties"].get("Handler") == f"{module}.handler"
        )
        variables.update(function.get("Environment", {}).get("Variables", {}))
        ours = {
            "CODEREF_CODES_TABLE": self.codes_table,
            "CODEREF_ACCOUNTS_TABLE": self.accounts_table,
            "CODEREF_SITE_URL_PARAMETER": SITE_URL_PARAMETER,
            "CODEREF_ADDRESS_SECRET_PARAMETER": ADDRESS_SECRET_PARAMETER,
            "CODEREF_INDEX_PATH": str(self.work / "search.db"),
            "CODEREF_DATA_DIR": str(self.work / "tmp"),
            "CODEREF_MAIL_FROM": "no-reply@coderef.example.org",
            "CODEREF_GUIDELINES_DB": None,  # the layer's copy; the bundled one serves here
            "CODEREF_ORIGIN_KEY": "bench-origin-key",  # part of the stack id on AWS
        }
        env = self.base_env()
        for name, value in variables.items():
            if name in ours:
                if ours[name] is not None:
                    env[name] = ours[name]
            elif isinstance(value, dict) and value.get("Ref") in template.get("Parameters", {}):
                env[name] = str(template["Parameters"][value["Ref"]].get("Default", ""))
            elif isinstance(value, dict):
                raise ValueError(f"{module}: {name} = {value}: teach bench/lambda_env.py its value")
            else:
                env[name] = str(value)
        # The benchmark's many guests all come from one address.
        env["CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY"] = "1000000"
        return env

    def env_for_all(self) -> dict[str, str]:
        """One environment for a process that imports several functions' handlers."""
        env: dict[str, str] = {}
        for module in HANDLERS:
            env.update(self.env_for(module))
        return env


@contextmanager
def moto_stack(work: Path) -> Iterator[Stack]:
    """Start moto's server, fill it, and yield it; `env_for` gives a function's environment."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per moto request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=aws.REGION,
        )
        client = session.client("dynamodb", endpoint_url=endpoint)
        codes = aws.create_table(client, "CodesTable")
        accounts = aws.create_table(client, "AccountsTable")
        catalog = DynamoCatalog(codes, client=client)
        load_release(catalog, "icd10cm", CM_FIXTURE)
        load_release(catalog, "icd10pcs", write_pcs_db(work / "pcs.db"))
        rebuild_index(catalog, work / "search.db")
        # What a function reads from SSM at start (template.yaml names both parameters).
        ssm = session.client("ssm", endpoint_url=endpoint)
        ssm.put_parameter(Name=SITE_URL_PARAMETER, Value=SITE_URL, Type="String", Overwrite=True)
        ssm.put_parameter(
            Name=ADDRESS_SECRET_PARAMETER,
            Value=secrets.token_urlsafe(32),
            Type="SecureString",
            Overwrite=True,
        )
        (work / "tmp").mkdir(exist_ok=True)
        yield Stack(endpoint, codes, accounts, work)
    finally:
        server.stop()
