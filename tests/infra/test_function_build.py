"""What `sam build` makes of functions/: every function is built by functions/Makefile, which
ships the lock file's dependencies, the coderef package and bytecode compiled for the
runtime (issue 19: the default builder shipped no .pyc, so every cold start compiled)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import aws

FUNCTIONS_DIR = aws.ROOT / "functions"
LOCAL_PYTHON = "{}.{}".format(*sys.version_info[:2])


def _functions(template: dict) -> dict[str, dict]:
    code_uri = template["Globals"]["Function"]["CodeUri"]
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and resource["Properties"].get("CodeUri", code_uri) == code_uri
    }


def _make(target: str, artifacts: Path, *overrides: str) -> subprocess.CompletedProcess:
    command = ["make", "--no-print-directory", "-C", str(FUNCTIONS_DIR), target]
    return subprocess.run(
        [*command, f"ARTIFACTS_DIR={artifacts}", *overrides],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PIP_NO_INDEX": "1"},  # the test's build reads nothing from PyPI
    )


def test_every_function_is_built_by_the_functions_makefile():
    # Given the template's functions built from functions/
    functions = _functions(aws.load_template())
    assert len(functions) >= 7
    for name, resource in functions.items():
        # Then each is built by functions/Makefile, which has a target for it
        assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", name
        dry_run = _make(f"build-{name}", Path("/nonexistent"), "--dry-run")
        assert dry_run.returncode == 0, dry_run.stderr


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> Path:
    """The build, run as sam build runs it, with this interpreter standing in for the runtime's
    (the lock file's wheels for arm64 are left out: an empty requirements file)."""
    out = tmp_path_factory.mktemp("artifact")
    nothing = out.parent / "no-requirements.txt"
    nothing.write_text("")
    build = _make(
        "build-CodePageFunction",
        out,
        f"PYTHON={sys.executable}",
        f"PYTHON_VERSION={LOCAL_PYTHON}",
        f"REQUIREMENTS={nothing}",
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def test_the_build_ships_bytecode_for_every_coderef_module(artifact):
    # Given the built function
    sources = sorted((artifact / "coderef").rglob("*.py"))
    assert len(sources) > 50
    # Then every module has its .pyc beside it, for the interpreter that built it
    missing = [
        str(path.relative_to(artifact))
        for path in sources
        if not Path(importlib.util.cache_from_source(str(path))).is_file()
    ]
    assert missing == []
    # And the .pyc files do not depend on the sources' timestamps (which the zip file rounds):
    # hash-based and unchecked (PEP 552 flags = 1)
    pyc = Path(importlib.util.cache_from_source(str(artifact / "coderef" / "settings.py")))
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 1


def test_the_build_copies_the_package_without_local_caches(artifact):
    # Given the built function
    # Then the package's data files are there, as the default builder shipped them
    assert (artifact / "coderef" / "search" / "synonyms.txt").is_file()
    # And every cache in it was made by the build, not copied from a working tree
    tags = {p.name.split(".")[-2] for p in (artifact / "coderef").rglob("__pycache__/*.pyc")}
    assert tags == {sys.implementation.cache_tag}
    # And the handlers load from it
    loaded = subprocess.run(
        [sys.executable, "-c", "import coderef.search.text as m; print(m.__cached__)"],
        env={**os.environ, "PYTHONPATH": str(artifact)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().startswith(str(artifact))


def test_the_build_refuses_an_interpreter_other_than_the_runtime_s(tmp_path):
    # When the build runs with a Python that is not the functions' runtime version
    other = ("PYTHON_VERSION=3.0", f"PYTHON={sys.executable}")
    build = _make("build-SearchFunction", tmp_path, *other)
    # Then it stops before installing anything: that bytecode would never load
    assert build.returncode != 0
    assert "the functions run 3.0" in build.stderr
    assert list(tmp_path.iterdir()) == []
