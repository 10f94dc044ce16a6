"""FastAPI refuses pydantic.v1 models, and to find them it imports `pydantic.v1` the first time it
declares a route or encodes an unknown object: about 60 ms of a Lambda function's cold start
for a package CodeRef never uses. A pydantic.v1 model cannot exist before `pydantic.v1` is
imported, so until then the answer is "no" without importing it; once anything has imported
it, FastAPI's own check runs unchanged (the same guard as fastapi/fastapi#16374, not merged).

Installed by coderef/api/__init__.py, so it is in place before any router declares a route.
"""

from __future__ import annotations

import sys
from typing import Any

import fastapi.encoders
from fastapi._compat import shared

_V1 = "pydantic.v1"
_is_v1_class = shared.is_pydantic_v1_model_class
_is_v1_instance = shared.is_pydantic_v1_model_instance


def is_pydantic_v1_model_class(cls: Any) -> bool:
    return _V1 in sys.modules and _is_v1_class(cls)


def is_pydantic_v1_model_instance(obj: Any) -> bool:
    return _V1 in sys.modules and _is_v1_instance(obj)


def install() -> None:
    """Put the guard where FastAPI looks the checks up (idempotent)."""
    # annotation_is_pydantic_v1 (route declaration) calls the class check through this
    # module's globals; jsonable_encoder imported the instance check by name.
    shared.is_pydantic_v1_model_class = is_pydantic_v1_model_class
    fastapi.encoders.is_pydantic_v1_model_instance = is_pydantic_v1_model_instance
