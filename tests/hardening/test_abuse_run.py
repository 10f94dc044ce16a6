"""A repeatable abuse run against a real server, on each account store (SQLite, and DynamoDB
through moto's server): parallel login guesses, parallel registrations, forged forwarding
headers, NUL and over-long paths, a flood of password hashes, cross-site page loads. Each test
prints the counts it saw (`pytest -s tests/hardening/test_abuse_run.py` shows them).

Run it again after any change to the limits, the stores or the address rules.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from coderef.api.middleware import SECURITY_HEADERS
from coderef.api.services import Services
from coderef.security import PasswordHasher
from tests import aws
from tests.live import app_on, serve

PASSWORD = "correct horse battery staple"
NOW = 1_900_000_000.0  # limits count in fixed windows: every test stays inside one


class CountingHasher:
    """The real hasher, counting the passwords it actually verified."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.verified = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        result = self.real.verify(password_hash, password)
        with self._lock:
            self.verified += 1
        return result


@dataclass
class Target:
    store: str
    base: str
    services: Services
    hasher: CountingHasher

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=headers, timeout=120)

    def report(self, what: str, seen: object) -> None:
        print(f"\n[abuse run, {self.store}] {what}: {seen}")


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[object]:
    with aws.moto_server() as endpoint:
        yield aws.dynamodb_at(endpoint)


@pytest.fixture(params=["sqlite", "dynamodb"])
def serve_on(request, fixture_settings):
    """Starts a server over a fresh store of the parametrized kind, with these settings."""

    def start(hasher: PasswordHasher | None = None, **settings: object) -> Target:
        dynamodb = request.getfixturevalue("dynamodb") if request.param == "dynamodb" else None
        app = app_on(request.param, fixture_settings.model_copy(update=settings), dynamodb)
        services: Services = app.state.services
        counting = CountingHasher(hasher or PasswordHasher())
        services.__dict__["password_hasher"] = counting
        services.account_service.clock = lambda: NOW
        server = serve(app)
        request.addfinalizer(lambda: server.__exit__(None, None, None))
        return Target(request.param, server.__enter__(), services, counting)

    return start


def _register(target: Target, email: str) -> None:
    with target.client() as c:
        response = c.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text


def _parallel(calls: int, call) -> list[int]:
    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(call, range(calls)))


def test_forty_parallel_guesses_verify_at_most_five_and_the_right_password_then_waits(serve_on):
    # Given an account, and 40 wrong guesses for it sent at once from one address
    target = serve_on()
    email = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    _register(target, email)

    def guess(n: int) -> int:
        with target.client() as c:
            body = {"email": email, "password": f"wrong guess {n}"}
            return c.post("/api/auth/login", json=body).status_code

    statuses = _parallel(40, guess)
    target.report("40 parallel wrong-password logins", Counter(statuses))
    target.report("passwords verified", target.hasher.verified)
    # Then at most five were ever checked, the rest refused before the hash
    assert target.hasher.verified <= 5
    assert statuses.count(401) <= 5 and set(statuses) <= {401, 429, 503}
    # And the right password, afterwards, waits too
    with target.client() as c:
        right = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    target.report("the right password afterwards", right.status_code)
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0


def test_sixty_parallel_guesses_from_one_address_verify_at_most_twenty(serve_on):
    target = serve_on()

    def guess(n: int) -> int:
        with target.client() as c:
            body = {"email": f"nobody{n}@example.org", "password": "wrong guess"}
            return c.post("/api/auth/login", json=body).status_code

    statuses = _parallel(60, guess)
    target.report("60 parallel logins for unknown emails", Counter(statuses))
    target.report("passwords verified", target.hasher.verified)
    assert target.hasher.verified <= 20
    assert statuses.count(401) <= 20 and statuses.count(429) >= 40 - statuses.count(503)


def test_parallel_registrations_from_one_address_stop_at_the_limit(serve_on):
    target = serve_on()

    def sign_up(n: int) -> int:
        with target.client() as c:
            body = {"email": f"bulk{n}-{uuid.uuid4().hex[:6]}@example.org", "password": PASSWORD}
            return c.post("/api/auth/register", json=body).status_code

    statuses = _parallel(30, sign_up)
    target.report("30 parallel registrations from one address", Counter(statuses))
    assert statuses.count(201) <= 10
    assert len(target.services.accounts.list_users()) == statuses.count(201)
    # And none of them has the sign-up bonus: that waits for a confirmed address
    assert all(not u.email_confirmed for u in target.services.accounts.list_users())


def test_forged_forwarding_entries_choose_no_address(serve_on):
    # Given a server behind one trusted proxy, which appends the real client, 203.0.113.5
    target = serve_on(trust_forwarded_for=True, trusted_proxies=1)

    def forged(n: int) -> dict[str, str]:
        return {"x-forwarded-for": f"198.51.100.{n % 250}, 203.0.113.5"}

    def guest_page(n: int) -> int:
        with target.client(**forged(n)) as c:
            return c.get("/api/codes/icd10cm/R00.1").status_code

    def failed_login(n: int) -> int:
        with target.client(**forged(n)) as c:
            body = {"email": f"nobody{n}@example.org", "password": "wrong guess"}
            return c.post("/api/auth/login", json=body).status_code

    def sign_up(n: int) -> int:
        with target.client(**forged(n)) as c:
            body = {"email": f"forged{n}-{uuid.uuid4().hex[:6]}@example.org", "password": PASSWORD}
            return c.post("/api/auth/register", json=body).status_code

    # When a client writes a different address left of the proxy's entry on every request
    meters = _parallel(60, guest_page)
    logins = _parallel(30, failed_login)
    signups = _parallel(15, sign_up)
    target.report("60 guest meters with forged entries (cap 20)", Counter(meters))
    target.report("30 failed logins with forged entries (cap 20)", Counter(logins))
    target.report("15 registrations with forged entries (cap 10)", Counter(signups))
    # Then every limit counts the one real address
    assert meters.count(200) <= 20 and meters.count(429) >= 40
    assert logins.count(401) <= 20
    assert signups.count(201) <= 10


ODD_PATHS = [
    "/%00",
    "/js/%00",
    "/index.html%00.css",
    "/..%00/x",
    "/code/%00",
    "/%00/%00/%00",
    "/" + "a" * 251,
    "/js/" + "b" * 300 + ".js",
    "/" + "c" * 5000,
    "/%ff%fe",
    "/api/codes/icd10cm/%00",
    "/api/codes/%00/R00.1/summary",
    "/api/%00",
]


def test_nul_and_over_long_paths_are_not_found_never_a_500(serve_on):
    target = serve_on()
    with target.client() as c:
        responses = {path: c.get(path) for path in ODD_PATHS}
    seen = Counter(r.status_code for r in responses.values())
    target.report(f"{len(ODD_PATHS)} NUL and over-long paths", seen)
    for path, response in responses.items():
        assert response.status_code in (400, 404), path
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)


def test_a_flood_of_password_checks_is_told_to_wait_not_queued_without_bound(serve_on):
    # Given a server that runs one password hash at a time and makes nobody wait for a turn
    target = serve_on(hasher=PasswordHasher(in_flight=1, wait_seconds=0.0))

    def login(n: int) -> httpx.Response:
        with target.client() as c:
            body = {"email": f"nobody{n}@example.org", "password": "wrong guess"}
            return c.post("/api/auth/login", json=body)

    # When twenty logins for unknown emails arrive at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(login, range(20)))
    statuses = Counter(r.status_code for r in responses)
    target.report("20 parallel logins, one hash at a time", statuses)
    # Then those without a turn are told to come back, with Retry-After; none fails badly
    busy = [r for r in responses if r.status_code == 503]
    assert busy and set(statuses) <= {401, 503}
    assert all(int(r.headers["retry-after"]) > 0 for r in busy)
    assert all(r.json()["error"]["code"] == "service_unavailable" for r in busy)


def test_a_cross_site_page_load_spends_no_view(serve_on):
    target = serve_on()
    with target.client() as member:
        email = f"member-{uuid.uuid4().hex[:8]}@example.org"
        member.post("/api/auth/register", json={"email": email, "password": PASSWORD})
        before = member.get("/api/me").json()["meter"]["remaining"]
        # When another site's page makes the browser load a code page
        refused = member.get("/api/codes/icd10cm/R00.0", headers={"sec-fetch-site": "cross-site"})
        # Then it is refused and the meter is as it was
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden_origin"
        assert member.get("/api/me").json()["meter"]["remaining"] == before
        # While the site's own requests still open pages
        own = member.get("/api/codes/icd10cm/R00.1", headers={"sec-fetch-site": "same-origin"})
        assert own.status_code in (200, 402)
    target.report("cross-site code page load", refused.status_code)
