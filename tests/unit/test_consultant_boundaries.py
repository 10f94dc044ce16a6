"""The consultant core stays a core package: no adapters, API, handlers, boto3 or FastAPI."""

import ast
from pathlib import Path

import coderef.consultant

FORBIDDEN = ("coderef.adapters", "coderef.api", "coderef.handlers", "boto3", "botocore", "fastapi")


def test_the_consultant_package_imports_no_outer_layer():
    folder = Path(coderef.consultant.__file__).parent
    imported = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert imported  # the scan saw the package
    assert not {name for name in imported if name.startswith(FORBIDDEN)}
