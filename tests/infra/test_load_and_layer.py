"""The operator's commands, run as the operator runs them: `coderef import --target dynamodb`
and the search index layer's Makefile (what `sam build` runs), against DynamoDB played by
moto's server on 127.0.0.1 so that separate processes share one table."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coderef.codesets import bundled
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.codesets.pcs_guidelines import read_pcs_guidelines
from coderef.search.engine import SearchIndex
from tests import aws
from tests.conftest import CM_FIXTURE, import_fixture_catalog

BIN = Path(sys.executable).parent
LAYER_MAKEFILE = aws.ROOT / "infra" / "search-layer" / "Makefile"

pytestmark = pytest.mark.moto_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dynamodb_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def codes_table(dynamodb_server):
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_server,
        region_name=aws.REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return aws.create_table(client, "CodesTable", "coderef-codes")


def _env(tmp_path: Path, endpoint: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEREF_", "AWS_", "MAKE"))}
    env.update(aws.AWS_TEST_ENV)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CODEREF_DATA_DIR"] = str(tmp_path / "data")
    if endpoint:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_import_to_dynamodb_is_safe_to_run_twice(dynamodb_server, codes_table, tmp_path):
    env = _env(tmp_path, dynamodb_server)
    command = [
        str(BIN / "coderef"),
        "import",
        "--target",
        "dynamodb",
        "--codes-table",
        codes_table,
        "--system",
        "icd10cm",
        "--source",
        str(CM_FIXTURE),
    ]
    # When the operator loads a release into the codes table, twice
    first = _run(command, env)
    second = _run(command, env)
    # Then both runs finish, showing progress and the release that is live
    for run in (first, second):
        assert run.returncode == 0, run.stderr
        assert "writing ICD-10-CM April 1, 2026 release" in run.stderr
        loaded = len(read_tabular(CM_FIXTURE)[1])
        assert f"loaded ICD-10-CM April 1, 2026 release: {loaded} records" in run.stderr
    # And nothing was written to a local store by a DynamoDB import
    assert not (tmp_path / "data" / "catalog.db").exists()


def test_import_names_a_missing_table_clearly(dynamodb_server, tmp_path):
    # Checked before the (slow) read of the bundled releases begins
    run = _run(
        [str(BIN / "coderef"), "import", "--target", "dynamodb", "--codes-table", "nope"],
        _env(tmp_path, dynamodb_server),
    )
    assert run.returncode == 1
    assert "ResourceNotFoundException" in run.stderr
    assert "Traceback" not in run.stderr


def test_layer_build_indexes_the_live_codes_table(dynamodb_server, codes_table, tmp_path):
    # Given the codes table holds a live release (loaded by the test above or now)
    load = [str(BIN / "coderef"), "import", "--target", "dynamodb", "--codes-table", codes_table]
    assert (
        _run(
            [*load, "--system", "icd10cm", "--source", str(CM_FIXTURE)],
            _env(tmp_path, dynamodb_server),
        ).returncode
        == 0
    )
    # When sam build runs the layer's Makefile (in a scratch copy, with ARTIFACTS_DIR set)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copy(LAYER_MAKEFILE, scratch / "Makefile")
    artifacts = tmp_path / "artifacts"
    env = _env(tmp_path, dynamodb_server, CODEREF_CODES_TABLE=codes_table)
    env["ARTIFACTS_DIR"] = str(artifacts)
    run = subprocess.run(
        ["make", "build-SearchIndexLayer"], cwd=scratch, env=env, capture_output=True, text=True
    )
    # Then the layer holds an index of the table's records where the functions look for it
    assert run.returncode == 0, run.stderr
    index = SearchIndex(artifacts / "search" / "search.db")
    assert index.search("bradycardia").results[0].code.startswith("R00")


def test_layer_build_without_a_table_uses_the_local_catalog(tmp_path):
    import_fixture_catalog(tmp_path / "data")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copy(LAYER_MAKEFILE, scratch / "Makefile")
    env = _env(tmp_path)
    env["ARTIFACTS_DIR"] = str(tmp_path / "artifacts")
    run = subprocess.run(
        ["make", "build-SearchIndexLayer"], cwd=scratch, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    index = SearchIndex(tmp_path / "artifacts" / "search" / "search.db")
    assert index.search("0FT44ZZ").results[0].system == "icd10pcs"  # both systems are in
    # And the guideline passages, read exactly as from the package they were copied out of
    copied = tmp_path / "artifacts" / "search" / "pcs-guidelines.db"
    assert copied.stat().st_size < 200_000
    assert read_pcs_guidelines(copied) == read_pcs_guidelines(bundled.icd10pcs_database())


def test_layer_build_refuses_an_empty_catalog(tmp_path):
    env = _env(tmp_path)
    env["ARTIFACTS_DIR"] = str(tmp_path / "artifacts")
    run = subprocess.run(
        ["make", "-f", str(LAYER_MAKEFILE), "build-SearchIndexLayer"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "no release is loaded" in run.stderr
