"""A reader's whole journey through the deployed functions, on moto's server: the stack's tables
made from template.yaml, a slice of ICD-10-CM loaded with the CLI (`coderef import --target
dynamodb`), the search index built from the table with the CLI, and every handler invoked with
API Gateway HTTP API payload 2.0 events, as Lambda invokes them.

Every DynamoDB call is seen through botocore's before-call and after-call events, registered on
boto3's default session before the functions make their clients, so each request's calls,
their operations and how many round trips they took (calls overlapping in time share one) can
be checked against what docs/capacity.md states."""

from __future__ import annotations

import importlib
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

from tests import aws
from tests.conftest import CM_FIXTURE, CM_ORDER_2025, CM_ORDER_2026
from tests.handlers.conftest import Answer, invoke
from tests.handlers.events import http_api_event

pytestmark = pytest.mark.moto_server

SITE_URL = "https://coderef.example.org"
SENDER = "no-reply@coderef.example.org"
ORIGIN_KEY = "journey-origin-key"
PASSWORD = "correct horse battery staple"
HANDLERS = ("search", "code_page", "auth", "assistant")


@dataclass
class Call:
    operation: str
    table: str
    started: float
    ended: float = 0.0


@dataclass
class CallLog:
    """DynamoDB calls as botocore sees them, from any client of the process."""

    calls: list[Call] = field(default_factory=list)
    _open: dict[int, list[Call]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def before(self, model: Any, params: dict, **_: Any) -> None:
        body = params.get("body", b"")
        table = _table_named(body if isinstance(body, bytes) else body.encode())
        call = Call(model.name, table, time.perf_counter())
        with self._lock:
            self.calls.append(call)
            self._open.setdefault(threading.get_ident(), []).append(call)

    def after(self, **_: Any) -> None:
        with self._lock:
            self._open[threading.get_ident()].pop().ended = time.perf_counter()

    def take(self) -> list[Call]:
        with self._lock:
            taken, self.calls = self.calls, []
        return taken


def _table_named(body: bytes) -> str:
    text = body.decode(errors="replace")
    for table in ("codes", "accounts"):
        if f'"{table}"' in text:
            return table
    return "?"


def round_trips(calls: list[Call]) -> int:
    """How many round trips to DynamoDB the request waited for: the longest chain of calls
    each sent after the one before it had answered (calls in flight together share one)."""
    depth: list[int] = []
    ordered = sorted(calls, key=lambda c: c.started)
    for n, call in enumerate(ordered):
        before = [depth[m] for m in range(n) if ordered[m].ended <= call.started]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


@dataclass
class Request:
    answer: Answer
    calls: list[Call]

    @property
    def operations(self) -> list[str]:
        return sorted(f"{c.operation} ({c.table})" for c in self.calls)

    @property
    def trips(self) -> int:
        return round_trips(self.calls)


@dataclass
class Stack:
    functions: dict[str, ModuleType]
    log: CallLog


def coderef(*args: str) -> int:
    from coderef.cli import main

    return main(list(args))


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    import boto3

    from coderef.adapters.aws import renew_clients

    work = tmp_path_factory.mktemp("journey")
    index = work / "search.db"
    with aws.moto_server() as endpoint:
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "CODEREF_DATA_DIR": str(work / "scratch"),
            "CODEREF_CODES_TABLE": "codes",
            "CODEREF_ACCOUNTS_TABLE": "accounts",
            "CODEREF_INDEX_PATH": str(index),
            "CODEREF_MAIL_FROM": SENDER,
            "CODEREF_SITE_URL_PARAMETER": "/coderef/journey/site-url",
            "CODEREF_ADDRESS_SECRET_PARAMETER": "/coderef/journey/address-secret",
            "CODEREF_TRUST_CLOUDFRONT_VIEWER_ADDRESS": "true",
            "CODEREF_ORIGIN_KEY": ORIGIN_KEY,
        }
        with aws._environment(env):
            renew_clients()  # no client made for another endpoint earlier in this process
            boto3.setup_default_session()
            client = boto3.client("dynamodb", region_name=aws.REGION)
            aws.create_table(client, "CodesTable", "codes")
            aws.create_table(client, "AccountsTable", "accounts")
            ssm = boto3.client("ssm", region_name=aws.REGION)
            ssm.put_parameter(Name=env["CODEREF_SITE_URL_PARAMETER"], Type="String", Value=SITE_URL)
            ssm.put_parameter(
                Name=env["CODEREF_ADDRESS_SECRET_PARAMETER"], Type="SecureString", Value="s3cret"
            )
            boto3.client("sesv2", region_name=aws.REGION).create_email_identity(
                EmailIdentity=SENDER
            )
            # The slice of codes, loaded as an operator loads a release, and the index the
            # layer build makes from the table.
            for source in (CM_FIXTURE, CM_ORDER_2026, CM_ORDER_2025):
                loaded = coderef(
                    "import",
                    *("--target", "dynamodb", "--codes-table", "codes"),
                    *("--system", "icd10cm", "--source", str(source)),
                )
                assert loaded == 0
            built = coderef("build-index", "--codes-table", "codes", "--output", str(index))
            assert built == 0
            log = CallLog()
            events = boto3.DEFAULT_SESSION.events
            events.register("before-call.dynamodb", log.before)
            events.register("after-call.dynamodb", log.after)
            renew_clients()  # the functions' clients are made now, with the hooks
            functions = {}
            for name in HANDLERS:
                sys.modules.pop(f"coderef.handlers.{name}", None)
                functions[name] = importlib.import_module(f"coderef.handlers.{name}")
            log.take()
            try:
                yield Stack(functions, log)
            finally:
                renew_clients()


class Browser:
    """One visitor's browser behind CloudFront: its cookies and its address."""

    def __init__(self, stack: Stack, address: str) -> None:
        self.stack = stack
        self.address = address
        self.cookies: dict[str, str] = {}

    def send(self, function: str, method: str, path: str, **kw: Any) -> Request:
        headers = {
            "cloudfront-viewer-address": self.address,
            "x-coderef-origin": ORIGIN_KEY,
            **({"origin": SITE_URL} if method == "POST" else {}),
        }
        cookies = [f"{k}={v}" for k, v in self.cookies.items()]
        event = http_api_event(method, path, cookies=cookies, headers=headers, **kw)
        self.stack.log.take()
        answer = invoke(self.stack.functions[function], event)
        calls = self.stack.log.take()
        for name, value in answer.cookies.items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        for line in answer.set_cookie:
            if "Max-Age=0" in line:
                self.cookies.pop(line.split("=", 1)[0], None)
        return Request(answer, calls)

    def page(self, code: str) -> Request:
        return self.send(
            "code_page",
            "GET",
            f"/api/codes/icd10cm/{code}",
            route_key="GET /api/codes/{system}/{code}",
        )

    def me(self) -> Request:
        return self.send("code_page", "GET", "/api/me")


def _confirmation_token(email: str) -> str:
    """The token in the last confirmation mail SES took for `email` (moto's server keeps it)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sent_messages
    body = next(m.body for m in reversed(sent) if m.destinations["ToAddresses"] == [email])
    found = re.search(r"/confirm-email\?token=(\S+)", body)
    assert found, body
    return found.group(1)


def test_a_readers_journey_makes_the_dynamodb_calls_capacity_md_states(stack):
    # Given warm functions: each has served a request, so it holds the live pointers and the
    # loaded releases (refreshed once a minute), as a function under traffic does
    other = Browser(stack, "198.51.100.20:50000")
    systems = other.send("search", "GET", "/api/systems", route_key="GET /api/systems")
    assert systems.answer.status == 200
    warm = other.page("I10")
    assert warm.answer.status == 200
    reader = Browser(stack, "203.0.113.77:40123")

    # When a visitor searches
    search = reader.send("search", "GET", "/api/search", query={"q": "bradycardia"})
    # Then the index in the layer answers: no DynamoDB call
    assert search.answer.status == 200
    assert "R00.1" in [hit["code"] for hit in search.answer.body["results"]]
    assert search.calls == []

    # When they open a code page the function has not read yet, as a new guest
    guest_page = reader.page("R00.1")
    # Then the record's Query goes beside one transaction (the address's window, the new
    # meter and its first code), and the levels above the code are read in one BatchGetItem
    # once the record is in, while the transaction may still be writing: 3 calls, 2 trips
    assert guest_page.answer.status == 200 and guest_page.answer.body["meter"]["charged"]
    assert guest_page.operations == [
        "BatchGetItem (codes)",
        "Query (codes)",
        "TransactWriteItems (accounts)",
    ]
    assert guest_page.trips == 2

    # When they re-open it, then it is free: one read of their meter and the code's unlock
    # (the record and the levels above it are in the function's memory now)
    again = reader.page("R00.1")
    assert again.answer.status == 200 and not again.answer.body["meter"]["charged"]
    assert again.operations == ["BatchGetItem (accounts)"]

    # When they open another code, then they meet the wall (402 with the summary): the
    # record's Query beside the meter read, one round trip, nothing written
    wall = reader.page("R00.0")
    assert wall.answer.status == 402 and wall.answer.body["summary"]["code"] == "R00.0"
    assert wall.operations == ["BatchGetItem (accounts)", "Query (codes)"]
    assert wall.trips == 1

    # When they register (AuthFunction) and confirm their email from SES's mail
    email = "ann@example.org"
    registered = reader.send(
        "auth", "POST", "/api/auth/register", body={"email": email, "password": PASSWORD}
    )
    assert registered.answer.status == 201 and "coderef_session" in reader.cookies
    confirmed = reader.send(
        "auth", "POST", "/api/auth/confirm-email", body={"token": _confirmation_token(email)}
    )
    assert confirmed.answer.status == 200
    assert all(c.table == "accounts" for c in registered.calls + confirmed.calls)

    # When the member opens a code whose record the function has read (at the wall)
    member_page = reader.page("R00.0")
    # Then it is one read of meter and code, then one two-item transaction, and beside it the
    # one read a member's page adds (do the codes its inherited notes name exist): 3 calls,
    # 2 round trips
    assert member_page.answer.status == 200
    assert member_page.answer.body["meter"] == {"remaining": 4, "plan": "free", "charged": True}
    assert member_page.operations == [
        "BatchGetItem (accounts)",
        "BatchGetItem (codes)",
        "TransactWriteItems (accounts)",
    ]
    assert member_page.trips == 2

    # When the member opens a code with children, nothing of it read yet
    with_children = reader.page("E11.4")
    # Then the record's Query goes beside the meter read; the transaction goes beside the
    # read of the levels above and the children; then the codes its inherited notes name are
    # checked: 5 calls, 3 round trips
    assert with_children.answer.status == 200 and with_children.answer.body["children"]
    assert with_children.answer.body["meter"]["charged"] is True
    assert with_children.operations == [
        "BatchGetItem (accounts)",
        "BatchGetItem (codes)",
        "BatchGetItem (codes)",
        "Query (codes)",
        "TransactWriteItems (accounts)",
    ]
    assert with_children.trips == 3

    # When they re-open it, then it is free: one read
    review = reader.page("E11.4")
    assert review.answer.status == 200 and review.answer.body["meter"]["charged"] is False
    assert review.operations == ["BatchGetItem (accounts)"]

    # When their browser asks /api/me, then the session with the meter, the user and the
    # first page of unlocked codes are read side by side: 3 calls, one round trip (the titles
    # of codes the function has read come from its memory)
    me = reader.me()
    assert me.answer.body["user"]["email"] == email
    assert [u["code"] for u in me.answer.body["unlocked"]] == ["E11.4", "R00.0", "R00.1"]
    assert me.answer.body["unlocked_next"] is None
    assert me.operations == ["GetItem (accounts)", "GetItem (accounts)", "Query (accounts)"]
    assert me.trips == 1

    # When anyone asks what changed between two releases (SearchFunction, public)
    changes = reader.send(
        "search",
        "GET",
        "/api/systems/icd10cm/changes",
        query={"from": "icd10cm-2024-10", "to": "icd10cm-2025-10"},
        route_key="GET /api/systems/{system}/changes",
    )
    # Then the difference computed at load time is read with one Query, never a Scan
    assert changes.answer.status == 200 and changes.answer.body
    assert changes.operations == ["Query (codes)"]

    # When the member asks CasePilot about the code they are on (AssistantFunction)
    ask = reader.send(
        "assistant",
        "POST",
        "/api/assistant/ask",
        body={"question": "What does R00.1 mean?", "context": {"code": "R00.1"}},
    )
    # Then it answers, with no Scan of either table
    assert ask.answer.status == 200
    assert "Scan" not in [c.operation for c in ask.calls]
    journey = {
        "search": search,
        "guest page": guest_page,
        "re-open": again,
        "wall": wall,
        "register": registered,
        "confirm": confirmed,
        "member page": member_page,
        "member page, children": with_children,
        "re-view": review,
        "/api/me": me,
        "changes": changes,
        "casepilot": ask,
    }
    for name, request in journey.items():  # shown with -s, for BENCHMARKS.md
        print(f"{name}: {len(request.calls)} calls, {request.trips} trips: {request.operations}")
