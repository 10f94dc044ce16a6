"""Browser tests: Playwright driving Debian's chromium against a real local server.

The server is the local app (`coderef serve`'s) on a free loopback port, over the small
fixture catalog in its own data directory. One chromium serves the whole session; each test
gets fresh browser contexts (fresh cookies, so a fresh guest). Every page a test opens is
watched: an uncaught script error, a Content-Security-Policy violation or a request to any
other origin fails the test. When a test fails, its open pages are saved as screenshots
under test-artifacts/.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from coderef.local import create_local_app
from coderef.settings import Settings
from tests.conftest import import_fixture_catalog

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


# ---- the server ----


@dataclass
class LiveServer:
    url: str
    data_dir: Path

    @property
    def origin(self) -> str:
        return urlsplit(self.url).netloc


_LIVE_DATA_DIRS: list[Path] = []  # where the live server keeps its outbox


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    _LIVE_DATA_DIRS.append(data_dir)
    import_fixture_catalog(data_dir)
    settings = Settings.from_env(
        {
            "CODEREF_DATA_DIR": str(data_dir),
            # Each browser context stands for a visitor at its own address, named in
            # X-Forwarded-For as a CDN in front would; the per-address limits (guest meters,
            # registrations) then apply per visitor, as they would in real use.
            "CODEREF_TRUST_FORWARDED_FOR": "true",
        }
    )
    app = create_local_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", data_dir=data_dir)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


# ---- the browser ----


# Package scope: Playwright's sync API runs an event loop on the main thread while it lives,
# which would break asyncio.run and Mangum in the test packages that run after this one.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (.ci/run does this)", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@dataclass
class PageWatch:
    """What a page did that no page of ours should do."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.origin:
            self.problems.append(f"third-party request: {request.url}")


_visitor_addresses = (f"198.18.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))


class Browsing:
    """Opens pages in fresh contexts (each one a new visitor) and cleans up after the test."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.watch = PageWatch(server.origin)

    def context(self, viewport: dict = PHONE, **options) -> BrowserContext:
        context = self.browser.new_context(
            viewport=viewport,
            base_url=self.server.url,
            locale="en-US",
            extra_http_headers={"X-Forwarded-For": next(_visitor_addresses)},
            **options,
        )
        context.on("page", self.watch.attach)
        self.contexts.append(context)
        return context

    def page(self, viewport: dict = PHONE, **options) -> Page:
        return self.context(viewport, **options).new_page()

    def screenshots(self, name: str) -> list[Path]:
        ARTIFACTS.mkdir(exist_ok=True)
        saved = []
        pages = [p for c in self.contexts for p in c.pages if not p.is_closed()]
        for i, page in enumerate(pages):
            path = ARTIFACTS / f"{name}-{i}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            except Exception:  # a crashed page has nothing to show; the failure says enough
                continue
        return saved

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Browsing]:
    session = Browsing(browser, live_server)
    yield session
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        session.screenshots(re.sub(r"[^\w.-]+", "_", request.node.nodeid))
    session.close()
    assert not session.watch.problems, "\n".join(session.watch.problems)


@pytest.fixture
def page(browsing: Browsing) -> Page:
    return browsing.page()


# ---- helpers the tests share ----


def settled(page: Page) -> Page:
    """Wait until the page's scripts have shown their content or an explanation."""
    page.wait_for_selector("html[data-state=ready]")
    return page


def open_settled(page: Page, path: str) -> Page:
    page.goto(path)
    return settled(page)


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does)", pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated, not injected as a <script>: the pages' CSP allows no inline script.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
        if v["impact"] in impacts
    ]


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.test"


def register_through_api(
    context: BrowserContext, email: str, password: str, confirm: bool = True
) -> None:
    """A new account signed in on `context`; with `confirm`, its email confirmed through the
    mailed link (so it has the sign-up bonus, as a member normally does)."""
    response = context.request.post(
        "/api/auth/register", data={"email": email, "password": password}
    )
    assert response.status == 201, response.text()
    if confirm:
        token = mailed_link(email, "confirm-email").split("token=", 1)[1]
        confirmed = context.request.post("/api/auth/confirm-email", data={"token": token})
        assert confirmed.status == 200, confirmed.text()


def mailed_link(address: str, page: str) -> str:
    """The newest /{page}?token=... link mailed to `address` in the live server's outbox."""
    outbox = _LIVE_DATA_DIRS[-1] / "outbox"
    mails = sorted(outbox.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in mails:
        text = path.read_text(encoding="utf-8")
        if text.startswith(f"To: {address}\n"):
            match = re.search(rf"/{page}\?token=[\w\-.~%]+", text)
            if match:
                return match.group(0)
    raise AssertionError(f"no {page} link mailed to {address} in {outbox}")


PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def reader(browsing: Browsing) -> Callable[..., Page]:
    """A page whose visitor may read full code pages: a newly registered user (guests see
    coding notes, the 7th-character table and related codes locked)."""

    def open_reader(viewport: dict = PHONE) -> Page:
        context = browsing.context(viewport)
        register_through_api(context, unique_email("reader"), PASSWORD)
        return context.new_page()

    return open_reader
