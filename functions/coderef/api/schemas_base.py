"""The base of every response model, and the error body (api/schemas.py re-exports them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """A response body. Its validator is built on first use, not when the class is defined:
    a Lambda function builds only the models its routes declare (cold start)."""

    model_config = ConfigDict(defer_build=True)


class ErrorDetail(Out):
    code: str
    message: str


class ErrorResponse(Out):
    error: ErrorDetail
