"""Request paths and headers fuzzed at the static and API routes, below any HTTP client's
normalising, straight into the ASGI app: whatever arrives, the answer is never a 5xx (a 503
from a busy store aside) and always carries the security headers."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coderef.api.middleware import SECURITY_HEADERS
from coderef.local import create_local_app

SEGMENT_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
segments = st.one_of(
    st.sampled_from(
        ["", ".", "..", "api", "codes", "icd10cm", "R00.1", "summary", "js", "code", "login"]
    ),
    st.sampled_from(["\x00", "a\x00b", "%00", "..\x00", "index.html\x00.css", "%2e%2e"]),
    st.text(SEGMENT_CHARS, max_size=12),
    st.integers(min_value=240, max_value=1200).map(lambda n: "x" * n),
)
paths = st.lists(segments, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))
HEADER_NAMES = [
    "x-forwarded-for",
    "cloudfront-viewer-address",
    "x-coderef-origin",
    "origin",
    "sec-fetch-site",
    "cookie",
    "content-type",
    "accept",
    "range",
    "if-none-match",
    "host",
]
# Header values as they come off the wire: bytes, any but CR and LF.
header_values = st.one_of(
    st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(
        [
            b"\x00",
            b"1.1.1.1, 2.2.2.2",
            b", , ,",
            b"::1:443",
            b"[::1]:x",
            b"coderef_session=" + b"a" * 32 + b".x",
            b"coderef_guest=\x00",
            b"cross-site",
            b"https://evil.example",
            b"application/json; charset=\x00",
        ]
    ),
)
headers = st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=5)


@pytest.fixture(scope="module", params=["defaults", "behind-proxies"])
def fuzz_app(request, fixture_settings):
    trust = request.param == "behind-proxies"
    return create_local_app(
        fixture_settings.model_copy(
            update={
                "guest_meters_per_address_per_day": 1_000_000,
                "trust_forwarded_for": trust,
                "trusted_proxies": 2 if trust else 1,
            }
        )
    )


async def _call(app, method: str, path: str, extra: list[tuple[bytes, bytes]]):
    raw = quote(path.encode("utf-8", "surrogatepass"), safe="/%").encode()
    names = {name for name, _ in extra}
    base = [] if b"host" in names else [(b"host", b"testserver")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": raw,
        "query_string": b"",
        "root_path": "",
        "headers": base + extra,
        "client": ("10.77.0.1", 1),
        "server": ("testserver", 443),
    }
    sent: list[dict] = []
    requested = False
    done = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}


@given(
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    path=paths,
    extra=headers,
)
@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_no_path_or_header_gives_a_5xx_and_every_answer_has_the_security_headers(
    fuzz_app, method, path, extra
):
    wire = [(name.encode(), value) for name, value in extra]
    status, answer = asyncio.run(_call(fuzz_app, method, path, wire))
    assert status < 500 or status == 503, (method, path, extra, status)
    for name, value in SECURITY_HEADERS.items():
        assert answer.get(name) == value or name == "content-security-policy", (path, name)
    assert "content-security-policy" in answer
