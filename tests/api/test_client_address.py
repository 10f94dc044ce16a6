"""Whose address a request comes from: CloudFront's viewer address only when a setting says the
app is behind CloudFront, and only with the origin key; X-Forwarded-For only as far as the
configured proxies wrote it; never by default. IPv6 clients count by their /64."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.api.session import client_address, forwarded_client, limit_key, viewer_ip
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
    return Services(
        settings=base.model_copy(update=settings),
        catalog=None,  # type: ignore[arg-type]
        address_hasher=lambda address: address,  # see the raw address
    )


VIEWER = {"cloudfront-viewer-address": "2001:db8::5:51000", "x-forwarded-for": "192.0.2.9"}


KEY = {"x-coderef-origin": "stack-uuid"}


def test_behind_cloudfront_the_viewer_address_is_used_ipv6_by_its_64():
    services = _services(trust_cloudfront_viewer_address=True, origin_key="stack-uuid")
    assert client_address(_request({**VIEWER, **KEY}), services) == "2001:db8::/64"
    ipv4 = {"cloudfront-viewer-address": "203.0.113.9:40001", **KEY}
    assert client_address(_request(ipv4), services) == "203.0.113.9"


def test_a_bad_viewer_header_falls_back_to_the_peer():
    services = _services(trust_cloudfront_viewer_address=True, origin_key="stack-uuid")
    bad = {"cloudfront-viewer-address": "x", **KEY}
    assert client_address(_request(bad), services) == "130.176.0.1"


def test_cloudfront_trust_without_an_origin_key_refuses_to_start():
    # Given CloudFront's header trusted but nothing to prove a request came through CloudFront
    services = _services(trust_cloudfront_viewer_address=True)
    # Then the app does not start, rather than believe a header anyone can send
    with pytest.raises(ValueError, match="CODEREF_ORIGIN_KEY"):
        create_app(services, routers=())
    # And the address is never taken from the header on such settings anyway
    assert client_address(_request(VIEWER), services) == "130.176.0.1"


@pytest.mark.parametrize(
    ("header", "proxies", "client"),
    [
        ("203.0.113.5", 1, "203.0.113.5"),
        # A caller may write anything left of what the proxies add
        ("6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),
        ("1.1.1.1, 2.2.2.2, 203.0.113.5", 1, "203.0.113.5"),
        # Two proxies: the outer one added the client, the inner one the outer proxy
        ("6.6.6.6, 203.0.113.5, 10.0.0.2", 2, "203.0.113.5"),
        ("203.0.113.5", 2, None),  # fewer entries than proxies: not what the proxies wrote
        ("not-an-ip, 203.0.113.5", 1, "203.0.113.5"),
        ("203.0.113.5, garbage", 1, None),
        ("", 1, None),
        (None, 1, None),
    ],
)
def test_only_the_address_the_trusted_proxies_added_is_believed(header, proxies, client):
    assert forwarded_client(header, proxies) == client


def test_forged_forwarding_entries_do_not_change_the_counted_address():
    services = _services(trust_forwarded_for=True)
    seen = {
        client_address(_request({"x-forwarded-for": f"198.51.100.{n}, 203.0.113.5"}), services)
        for n in range(60)
    }
    assert seen == {"203.0.113.5"}
    # Several header lines read as one list, in order
    lines = [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"203.0.113.7")]
    request = Request(
        {"type": "http", "method": "GET", "path": "/", "headers": lines, "client": ("1", 1)}
    )
    assert client_address(request, services) == "203.0.113.7"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("203.0.113.9", "203.0.113.9"),
        ("unknown", "unknown"),
    ],
)
def test_ipv6_clients_are_counted_by_their_64(address, key):
    assert limit_key(address) == key


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
    assert client_address(_request(through_cloudfront), services) == "2001:db8::/64"
    for headers in direct:
        assert client_address(_request(headers, peer="192.0.2.50"), services) == "192.0.2.50"
