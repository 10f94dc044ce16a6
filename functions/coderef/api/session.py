"""HTTP side of identity: cookies, the viewer behind a request, its address, its origin."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request, Response

from coderef.accounts.metering import Viewer
from coderef.api.services import Services, ServicesDep
from coderef.errors import ForbiddenOrigin
from coderef.settings import Settings

SESSION_COOKIE = "coderef_session"
GUEST_COOKIE = "coderef_guest"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
GUEST_COOKIE_DAYS = 365
ORIGIN_KEY_HEADER = "x-coderef-origin"


def _secure(request: Request) -> bool:
    """Secure cookies everywhere except plain http on a loopback address (local `make run`)."""
    return not (request.url.scheme == "http" and (request.url.hostname or "") in _LOOPBACK)


def set_cookie(response: Response, request: Request, name: str, value: str, days: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=_secure(request))


def viewer_ip(header: str | None) -> str | None:
    """The IP in CloudFront's `CloudFront-Viewer-Address` ("198.51.100.7:46532", or an IPv6
    address and port with no brackets: "2001:db8::7:46532"); None if it is not one."""
    host = (header or "").strip().rpartition(":")[0]
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def from_cloudfront(request: Request, origin_key: str | None) -> bool:
    """Whether the request carries the key CloudFront adds to every origin request. Without a
    key nothing proves it (check_address_trust refuses that setup at start)."""
    if not origin_key:
        return False
    sent = request.headers.get(ORIGIN_KEY_HEADER, "")
    return hmac.compare_digest(sent.encode(), origin_key.encode())


def check_address_trust(settings: Settings) -> None:
    """Refuse to start with settings that would let a caller choose the address it is counted
    under: CloudFront's viewer header believed with no origin key to prove CloudFront sent it."""
    if settings.trust_cloudfront_viewer_address and not settings.origin_key:
        raise ValueError(
            "CODEREF_TRUST_CLOUDFRONT_VIEWER_ADDRESS needs CODEREF_ORIGIN_KEY: without it any "
            "caller could forge CloudFront-Viewer-Address"
        )
    if settings.trust_forwarded_for and settings.trusted_proxies < 1:
        raise ValueError("CODEREF_TRUST_FORWARDED_FOR needs CODEREF_TRUSTED_PROXIES of 1 or more")


def forwarded_client(header: str | None, trusted_proxies: int) -> str | None:
    """The client in X-Forwarded-For as `trusted_proxies` proxies in front saw it: each appends
    the address it got the request from, so only the entry the outermost trusted proxy added
    (the Nth from the right) is theirs; anything left of it the caller may have written."""
    entries = [e.strip() for e in (header or "").split(",")]
    if trusted_proxies < 1 or len(entries) < trusted_proxies:
        return None
    try:
        return str(ipaddress.ip_address(entries[-trusted_proxies]))
    except ValueError:
        return None


def limit_key(address: str) -> str:
    """What per-address limits count: an IPv4 address, or an IPv6 client's /64 (one
    subscriber usually holds a whole /64, and could otherwise rotate through it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(request: Request, services: Services) -> str:
    """The caller's address as a keyed hash (the raw address is never stored)."""
    settings = services.settings
    address = request.client.host if request.client else "unknown"
    if settings.trust_cloudfront_viewer_address:
        # Behind CloudFront the peer is an edge server; the viewer is in this header, believed
        # only on requests that really came through CloudFront. A direct caller's peer address
        # is its own.
        if from_cloudfront(request, settings.origin_key):
            address = viewer_ip(request.headers.get("cloudfront-viewer-address")) or address
    elif settings.trust_forwarded_for:
        # Several X-Forwarded-For lines read as one list, in order.
        forwarded = forwarded_client(
            ",".join(request.headers.getlist("x-forwarded-for")), settings.trusted_proxies
        )
        address = forwarded or address
    return services.address_key(limit_key(address))


def current_viewer(request: Request, services: ServicesDep) -> Viewer:
    user = services.account_service.user_for_session(request.cookies.get(SESSION_COOKIE))
    if user:
        return Viewer(user=user)
    return Viewer(guest_token=request.cookies.get(GUEST_COOKIE) or None)


def claimed_viewer(request: Request, services: Services) -> Viewer:
    """The viewer as the cookies claim, without reading anything: a member's claim carries the
    session check the charge itself makes."""
    return viewer_from_cookies(request.cookies, services)


def viewer_from_cookies(cookies: Mapping[str, str], services: Services) -> Viewer:
    """claimed_viewer, from cookies already parsed."""
    guest_token = cookies.get(GUEST_COOKIE) or None
    claim = services.account_service.session_claim(cookies.get(SESSION_COOKIE))
    if claim:
        return Viewer(user_id=claim[0], session=claim[1], guest_token=guest_token)
    return Viewer(guest_token=guest_token)


def require_same_origin(request: Request, services: ServicesDep) -> None:
    """State-changing requests from another site's page are refused (CSRF defence in depth,
    beside SameSite=Lax cookies). Requests without Origin come from non-browser clients."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.url.netloc}"
    allowed = {own, services.settings.public_url.rstrip("/"), *services.settings.allowed_origins}
    if origin.rstrip("/") not in allowed:
        raise ForbiddenOrigin("This request came from another site and was refused.")


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
SameOrigin = Depends(require_same_origin)
