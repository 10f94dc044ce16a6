"""FastAPI looks for pydantic.v1 models on every route it declares; CodeRef's guard
(api/pydantic_v1_check.py) answers that without importing pydantic.v1 while nothing has, and
leaves FastAPI's refusal of real v1 models as it was."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import PydanticV1NotSupportedError

import coderef.api  # noqa: F401  (installs the guard, as every process serving CodeRef does)


def test_declaring_every_route_and_answering_imports_no_pydantic_v1():
    # Given a fresh process that declares every CodeRef route and answers an OpenAPI request
    script = textwrap.dedent(
        """
        import sys
        from fastapi import FastAPI
        from fastapi.testclient import TestClient
        from coderef.api.app import all_routers
        app = FastAPI()
        for router in all_routers():
            app.include_router(router)
        assert TestClient(app).get("/openapi.json").status_code == 200
        print("pydantic.v1" in sys.modules)
        """
    )
    # When it runs
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    # Then pydantic.v1 was never imported
    assert done.stdout.strip() == "False"


def test_a_pydantic_v1_model_is_still_refused_once_someone_imports_it():
    # Given a pydantic.v1 model (importing pydantic.v1 warns on recent Pythons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

    class Legacy(v1.BaseModel):
        name: str

    router = APIRouter()
    # When a route declares it as its response model
    # Then FastAPI refuses it, as without the guard
    with pytest.raises(PydanticV1NotSupportedError):

        @router.get("/legacy", response_model=Legacy)
        def legacy() -> dict:
            return {"name": "x"}

    FastAPI().include_router(router)
