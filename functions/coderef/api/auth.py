"""Accounts: register, confirm the email, log in, log out, password reset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from coderef.accounts.service import SignedIn
from coderef.api.presenters.accounts import signed_in_body
from coderef.api.schemas_accounts import SignedInOut, StatusOut
from coderef.api.services import ServicesDep
from coderef.api.session import (
    GUEST_COOKIE,
    SESSION_COOKIE,
    SameOrigin,
    ViewerDep,
    clear_cookie,
    client_address,
    set_cookie,
)

router = APIRouter(prefix="/api/auth", tags=["auth"], dependencies=[SameOrigin])


class Credentials(BaseModel):
    email: str = Field(max_length=320, examples=["coder@example.org"])
    password: str = Field(max_length=1024, examples=["a long memorable phrase"])


class ResetRequest(BaseModel):
    email: str = Field(max_length=320)


class ResetConfirm(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class EmailConfirm(BaseModel):
    token: str = Field(max_length=200)


def _errors(*statuses: int) -> dict:
    return {status: {"description": _DESCRIPTIONS[status]} for status in statuses}


_DESCRIPTIONS = {
    400: "Malformed input, weak password or invalid token",
    401: "Email and password do not match, or not signed in",
    403: "Request from another site",
    409: "Email already registered",
    429: "Too many attempts",
}


def _signed_in(request: Request, result: SignedIn, status: int) -> JSONResponse:
    response = JSONResponse(signed_in_body(result.user, result.meter), status_code=status)
    set_cookie(
        response,
        request,
        SESSION_COOKIE,
        result.session_token,
        request.app.state.services.policy.session_days,
    )
    clear_cookie(response, request, GUEST_COOKIE)
    return response


@router.post(
    "/register", status_code=201, response_model=SignedInOut, responses=_errors(400, 403, 409)
)
def register(
    body: Credentials, request: Request, services: ServicesDep, viewer: ViewerDep
) -> JSONResponse:
    guest_meter = None if viewer.user else services.view_meter.current(viewer)
    result = services.account_service.register(
        body.email, body.password, guest_meter, client_address(request, services)
    )
    return _signed_in(request, result, 201)


@router.post("/login", response_model=SignedInOut, responses=_errors(400, 401, 403, 429))
def login(body: Credentials, request: Request, services: ServicesDep) -> JSONResponse:
    # A fresh token at every login: a session id planted before login is never reused.
    result = services.account_service.login(
        body.email, body.password, client_address(request, services)
    )
    return _signed_in(request, result, 200)


@router.post("/logout", status_code=204, responses=_errors(403))
def logout(request: Request, services: ServicesDep) -> Response:
    services.account_service.logout(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.post(
    "/password-reset", status_code=202, response_model=StatusOut, responses=_errors(400, 403)
)
def password_reset(body: ResetRequest, request: Request, services: ServicesDep) -> dict:
    services.account_service.request_password_reset(body.email, client_address(request, services))
    return {"status": "accepted"}


@router.post("/password-reset/confirm", response_model=StatusOut, responses=_errors(400, 403, 429))
def password_reset_confirm(body: ResetConfirm, request: Request, services: ServicesDep) -> dict:
    services.account_service.confirm_password_reset(
        body.token, body.password, client_address(request, services)
    )
    return {"status": "password_changed"}


@router.post("/confirm-email", response_model=StatusOut, responses=_errors(400, 403))
def confirm_email(body: EmailConfirm, services: ServicesDep) -> dict:
    """Open the link mailed at registration: the email is confirmed and the bonus added."""
    services.account_service.confirm_email(body.token)
    return {"status": "email_confirmed"}


@router.post(
    "/confirm-email/resend",
    status_code=202,
    response_model=StatusOut,
    responses=_errors(401, 403, 429),
)
def resend_confirmation(services: ServicesDep, viewer: ViewerDep) -> dict:
    services.account_service.resend_confirmation(viewer.user)
    return {"status": "accepted"}
