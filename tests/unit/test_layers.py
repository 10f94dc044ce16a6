"""The dependency direction: the core packages (catalog, accounts, assistant, and the domain
errors) define what they need as ports and import no adapter, web framework or AWS library.
Read from the source with `ast`, so imports under TYPE_CHECKING and inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "coderef"
CORE = ["catalog", "accounts", "assistant", "consultant", "errors.py"]
FORBIDDEN = (
    "coderef.adapters",
    "coderef.api",
    "coderef.handlers",
    "boto3",
    "botocore",
    "fastapi",
    "starlette",
)


def core_modules() -> list[Path]:
    found: list[Path] = []
    for part in CORE:
        path = PACKAGE / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module an import statement in the source names, relative imports resolved."""
    tree = ast.parse(source)
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from coderef import adapters` names coderef.adapters.
            names += [(node.lineno, base)] + [
                (node.lineno, f"{base}.{alias.name}") for alias in node.names
            ]
    return names


def forbidden_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    return [
        f"{module}:{line} imports {name}"
        for line, name in imported_names(source, module, is_package)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


def test_the_walk_covers_every_core_package():
    # Given the core packages on disk
    modules = {module_name(p) for p in core_modules()}
    # Then the walk sees their modules, ports included
    assert {"coderef.catalog.ports", "coderef.accounts.ports", "coderef.assistant.ports"} <= modules
    assert "coderef.errors" in modules


@pytest.mark.parametrize("path", core_modules(), ids=module_name)
def test_core_module_imports_no_adapter_web_or_aws_code(path: Path):
    # When a core module's imports are read
    # Then none of them reaches outward
    source = path.read_text(encoding="utf-8")
    assert forbidden_imports(source, module_name(path), path.name == "__init__.py") == []


def test_the_check_catches_a_violation_in_any_spelling():
    # Given a core module's source that imports outward in several ways
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from coderef.adapters.sqlite_catalog import SqliteCatalog\n"
        "from .. import api\n"
        "def f():\n"
        "    import botocore.exceptions\n"
        "from fastapi import FastAPI\n"
    )
    # When it is checked as coderef.catalog.probe
    found = forbidden_imports(source, "coderef.catalog.probe")
    # Then each outward import is reported with its line
    assert sorted(f.split(" imports ")[1] for f in found) == [
        "botocore.exceptions",
        "coderef.adapters.sqlite_catalog",
        "coderef.adapters.sqlite_catalog.SqliteCatalog",
        "coderef.api",
        "fastapi",
        "fastapi.FastAPI",
    ]
