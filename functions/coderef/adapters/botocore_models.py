"""Trimmed botocore service models for the clients a function makes only while it starts.

botocore loads a service's whole API model to make a client: for SSM that is 144 KB of gzipped
JSON describing some 150 operations, about 0.1 s of a Lambda cold start, to call one of them
(GetParameters, handlers/runtime.py). botocore reads models from its data path before its own
(the documented AWS_DATA_PATH mechanism), so the startup client is made for a service of
CodeRef's own name (coderef-ssm) whose model is a copy of SSM's that keeps the metadata (the
same endpoint, signing name and service id, so requests, endpoint variables like
AWS_ENDPOINT_URL_SSM and event names are SSM's) and the one operation with the shapes it uses,
beside a copy of SSM's endpoint rules. Any other SSM client still gets botocore's whole model.

The copy is generated from the installed botocore, never written by hand:
    python -m coderef.adapters.botocore_models --write
and tests/handlers/test_botocore_models.py fails when it no longer matches botocore's model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

# The data path: <service>/<api version>/service-2.json, as in botocore/data.
DATA_PATH = Path(__file__).with_name("botocore_data")

# Service -> (the name its startup model goes by, the operations its startup client calls).
KEPT_OPERATIONS = {"ssm": ("coderef-ssm", ("GetParameters",))}


def _without_docs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_docs(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [_without_docs(v) for v in node]
    return node


def _shape_names(node: Any) -> set[str]:
    """Every shape a model fragment refers to (its "shape" keys), not following them."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("shape"), str):
            found.add(node["shape"])
        for value in node.values():
            found |= _shape_names(value)
    elif isinstance(node, list):
        for value in node:
            found |= _shape_names(value)
    return found


def trimmed_model(full: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """`full` (a botocore service-2 model) reduced to `operations` and the shapes they reach."""
    kept_ops = {name: full["operations"][name] for name in operations}
    shapes: dict[str, Any] = {}
    pending = _shape_names(kept_ops)
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shapes[name] = full["shapes"][name]
        pending |= _shape_names(shapes[name]) - shapes.keys()
    return _without_docs(
        {
            "version": full.get("version", "2.0"),
            "metadata": full["metadata"],
            "operations": kept_ops,
            "shapes": dict(sorted(shapes.items())),
        }
    )


def expected_models() -> dict[Path, dict[str, Any]]:
    """What the data path should hold, from the installed botocore's models."""
    from botocore.loaders import Loader

    loader = Loader(include_default_search_paths=False, extra_search_paths=[])
    loader.search_paths.append(Loader.BUILTIN_DATA_PATH)
    models = {}
    for service, (alias, operations) in KEPT_OPERATIONS.items():
        version = loader.determine_latest_version(service, "service-2")
        full = loader.load_service_model(service, "service-2", version)
        folder = DATA_PATH / alias / version
        models[folder / "service-2.json"] = trimmed_model(full, operations)
        models[folder / "endpoint-rule-set-1.json"] = loader.load_service_model(
            service, "endpoint-rule-set-1", version
        )
    return models


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=1, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the models (else check)")
    stale = []
    write = parser.parse_args().write
    for path, model in expected_models().items():
        text = render(model)
        if path.exists() and path.read_text() == text:
            continue
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
        else:
            stale.append(str(path))
    if stale:
        raise SystemExit(f"stale: {', '.join(stale)} (run with --write)")


if __name__ == "__main__":
    main()
