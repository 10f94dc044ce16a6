"""CodePageFunction and AuthFunction as Lambda runs them: imported fresh under moto, with both
tables made from template.yaml, the site URL and the address secret in SSM, and the mail
sender verified in SES."""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import ModuleType

import pytest

from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.codesets.pipeline import load_release, rebuild_index
from tests import aws
from tests.conftest import CM_FIXTURE
from tests.handlers.events import LambdaContext, http_api_event, response_json

SITE_URL = "https://coderef.example.org"
SENDER = "no-reply@coderef.example.org"
SITE_URL_PARAMETER = "/coderef/test/site-url"
SECRET_PARAMETER = "/coderef/test/address-secret"
CODE_PAGE_ROUTE = "GET /api/codes/{system}/{code}"
ORIGIN_KEY = "0f6c5d2e-stack-uuid"  # what CloudFront adds to each origin request


def fresh_import(name: str) -> ModuleType:
    """Import a handler module as a new execution environment would: from scratch."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@dataclass
class Functions:
    code_page: ModuleType
    auth: ModuleType


@pytest.fixture(scope="module")
def functions(tmp_path_factory) -> Iterator[Functions]:
    data = tmp_path_factory.mktemp("account-fns")
    index = data / "search.db"
    env = {
        "CODEREF_DATA_DIR": str(data / "scratch"),
        "CODEREF_CODES_TABLE": "codes",
        "CODEREF_ACCOUNTS_TABLE": "accounts",
        "CODEREF_INDEX_PATH": str(index),
        "CODEREF_MAIL_FROM": SENDER,
        "CODEREF_SITE_URL_PARAMETER": SITE_URL_PARAMETER,
        "CODEREF_ADDRESS_SECRET_PARAMETER": SECRET_PARAMETER,
        "CODEREF_TRUST_CLOUDFRONT_VIEWER_ADDRESS": "true",
        "CODEREF_ORIGIN_KEY": ORIGIN_KEY,
        "CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY": "2",
    }
    with aws.fake_aws(env):
        import boto3

        client = aws.dynamodb()
        catalog = DynamoCatalog(aws.create_table(client, "CodesTable", "codes"), client=client)
        load_release(catalog, "icd10cm", CM_FIXTURE)
        rebuild_index(catalog, index)
        aws.create_table(client, "AccountsTable", "accounts")
        ssm = boto3.client("ssm", region_name=aws.REGION)
        ssm.put_parameter(Name=SITE_URL_PARAMETER, Type="String", Value=SITE_URL + "/")
        ssm.put_parameter(Name=SECRET_PARAMETER, Type="SecureString", Value="s3cret-for-tests")
        boto3.client("sesv2", region_name=aws.REGION).create_email_identity(EmailIdentity=SENDER)
        yield Functions(
            code_page=fresh_import("coderef.handlers.code_page"),
            auth=fresh_import("coderef.handlers.auth"),
        )


# -- invoking ------------------------------------------------------------------------------
_visitors = itertools.count(1)


def new_visitor_address(ipv6: bool = False) -> str:
    """A CloudFront-Viewer-Address for a visitor no test has used yet."""
    n = next(_visitors)
    # IPv6 visitors each in a /64 of their own: the limits count an IPv6 client by its /64.
    return f"2001:db8:{n:x}::7:50412" if ipv6 else f"203.0.113.{n % 250}:{40000 + n}"


@dataclass
class Answer:
    status: int
    headers: dict
    body: dict | None
    cookies: dict[str, str]  # name -> value, from the response's `cookies` (Set-Cookie)
    set_cookie: list[str]


def invoke(module: ModuleType, event: dict) -> Answer:
    response = module.handler(event, LambdaContext())
    set_cookie = list(response.get("cookies") or [])
    jar = SimpleCookie()
    for line in set_cookie:
        jar.load(line)
    body = response_json(response) if response.get("body") else None
    return Answer(
        response["statusCode"],
        response.get("headers", {}),
        body,
        {name: morsel.value for name, morsel in jar.items()},
        set_cookie,
    )


class Browser:
    """One visitor's browser behind CloudFront: keeps its cookies, sends its address."""

    def __init__(self, functions: Functions, ipv6: bool = False) -> None:
        self.functions = functions
        self.address = new_visitor_address(ipv6)
        self.cookies: dict[str, str] = {}

    def _event(self, method: str, path: str, body: dict | None = None, **kw) -> dict:
        headers = {
            "cloudfront-viewer-address": self.address,
            "x-coderef-origin": ORIGIN_KEY,
            **kw.pop("headers", {}),
        }
        cookies = [f"{k}={v}" for k, v in self.cookies.items()]
        return http_api_event(method, path, cookies=cookies, headers=headers, body=body, **kw)

    def _keep(self, answer: Answer) -> Answer:
        for line in answer.set_cookie:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def page(self, code: str, system: str = "icd10cm") -> Answer:
        event = self._event("GET", f"/api/codes/{system}/{code}", route_key=CODE_PAGE_ROUTE)
        return self._keep(invoke(self.functions.code_page, event))

    def me(self) -> Answer:
        return self._keep(invoke(self.functions.code_page, self._event("GET", "/api/me")))

    def post(self, path: str, body: dict | None = None, origin: str = SITE_URL) -> Answer:
        event = self._event("POST", path, body, headers={"origin": origin})
        return self._keep(invoke(self.functions.auth, event))
