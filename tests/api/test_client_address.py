"""Whose address a request comes from: CloudFront's viewer address only when a setting says the
app is behind CloudFront; never by default."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from coderef.api.services import Services
from coderef.api.session import client_address, viewer_ip
from coderef.settings import Settings


@pytest.mark.parametrize(
    ("header", "ip"),
    [
        ("198.51.100.7:46532", "198.51.100.7"),
        ("2001:db8:85a3::8a2e:370:7334:46532", "2001:db8:85a3::8a2e:370:7334"),
        ("2001:DB8::1:443", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("198.51.100.7", None),  # no port: not CloudFront's form
        ("not an address:80", None),
        ("", None),
        (None, None),
    ],
)
def test_the_viewer_ip_is_read_from_cloudfronts_header(header, ip):
    assert viewer_ip(header) == ip


def _request(headers: dict[str, str], peer: str = "130.176.0.1") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": raw, "client": (peer, 443)}
    )


def _services(**settings) -> Services:
    base = Settings.from_env({"CODEREF_DATA_DIR": "/nonexistent", "CODEREF_ADDRESS_SECRET": "k"})
    services = Services(settings=base.model_copy(update=settings), catalog=None)  # type: ignore[arg-type]
    services.__dict__["address_key"] = lambda address: address  # see the raw address
    return services


VIEWER = {"cloudfront-viewer-address": "2001:db8::5:51000", "x-forwarded-for": "192.0.2.9"}


def test_behind_cloudfront_the_viewer_address_is_used_ipv6_too():
    services = _services(trust_cloudfront_viewer_address=True)
    assert client_address(_request(VIEWER), services) == "2001:db8::5"
    ipv4 = {"cloudfront-viewer-address": "203.0.113.9:40001"}
    assert client_address(_request(ipv4), services) == "203.0.113.9"


def test_a_bad_viewer_header_falls_back_to_the_peer():
    services = _services(trust_cloudfront_viewer_address=True)
    assert client_address(_request({"cloudfront-viewer-address": "x"}), services) == "130.176.0.1"


def test_by_default_the_header_is_not_trusted():
    # Given the local server's defaults, a visitor cannot choose their address with a header
    assert client_address(_request(VIEWER), _services()) == "130.176.0.1"


def test_with_an_origin_key_only_cloudfronts_requests_choose_the_address():
    # Given the functions behind CloudFront, which adds the origin key to its requests
    services = _services(trust_cloudfront_viewer_address=True, origin_key="stack-uuid")
    # When one request comes through CloudFront and others call the HTTP API directly
    through_cloudfront = {**VIEWER, "x-coderef-origin": "stack-uuid"}
    direct = [VIEWER, {**VIEWER, "x-coderef-origin": "guessed"}]
    # Then only CloudFront's names the viewer; a direct caller is counted by its own address
    assert client_address(_request(through_cloudfront), services) == "2001:db8::5"
    for headers in direct:
        assert client_address(_request(headers, peer="192.0.2.50"), services) == "192.0.2.50"
