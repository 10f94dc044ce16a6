"""Response models that are documented, not built, when a Lambda function starts.

FastAPI builds a validator for a route's `response_model` when the route is declared, at
import: for the large bodies (the code page, CasePilot's answer, Case2Code's reading) that
was 85 ms of CPU at CodePageFunction's cold start (docs/architecture.md). These routes name
their models here instead, as "module:Class"; the models are imported and put into the
OpenAPI document when it is first asked for (app.document_errors), and tests hold every body
to its model (tests/api/test_response_models.py, and schemathesis in tests/fuzz).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

REF = "#/components/schemas/{model}"

# Models named by routes ("module:Class", by component name), resolved when the document is.
MODELS: dict[str, str] = {}

# The error statuses most routes answer, without a model for FastAPI to build a validator of on
# every route that declares them (three per route at import, never used: errors are answered by
# the error handlers): app.document_errors gives each the ErrorResponse body in the document.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed input"},
    404: {"description": "Not found"},
    503: {"description": "Temporarily unavailable"},
}


def documented(responses: dict[int, str]) -> dict[str, Any]:
    """`openapi_extra` for a route: the model of its body for each status."""
    out: dict[str, Any] = {}
    for status, path in responses.items():
        name = path.rpartition(":")[2]
        MODELS[name] = path
        schema = {"$ref": REF.format(model=name)}
        out[str(status)] = {"content": {"application/json": {"schema": schema}}}
    return {"responses": out}


def model(path: str) -> Any:
    """The model class a "module:Class" path names."""
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def component_schemas() -> dict[str, Any]:
    """Every documented model and the models inside it, as OpenAPI components."""
    components: dict[str, Any] = {}
    for name, path in MODELS.items():
        schema = model(path).model_json_schema(
            ref_template=REF, mode="serialization", by_alias=True
        )
        components.update(schema.pop("$defs", {}))
        components[name] = schema
    return components
