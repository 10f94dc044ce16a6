"""The startup SSM client is made from a trimmed copy of botocore's SSM model
(adapters/botocore_models.py): it must match the installed botocore, reach the real SSM API,
and leave every other SSM client with botocore's whole model."""

from __future__ import annotations

import boto3

from coderef.adapters import aws as aws_adapter
from coderef.adapters.botocore_models import expected_models, render
from tests import aws


def test_the_trimmed_models_are_what_the_installed_botocore_gives():
    # Given botocore's models as installed, when the trimmed copies are worked out again,
    # then the committed files are the same
    # (else: python -m coderef.adapters.botocore_models --write)
    for path, model in expected_models().items():
        assert path.read_text() == render(model), path


def test_the_startup_client_reads_parameters_and_other_ssm_clients_keep_the_whole_api():
    with aws.fake_aws():
        aws_adapter.renew_clients()
        try:
            # Given the process's first client: the startup SSM client
            startup = aws_adapter.service_client("ssm")
            # And parameters written through an ordinary SSM client made after it
            ssm = boto3.client("ssm", region_name=aws.REGION)
            ssm.put_parameter(Name="/coderef/t/site-url", Type="String", Value="https://x.org")
            ssm.put_parameter(Name="/coderef/t/secret", Type="SecureString", Value="s3cret")
            # When the startup client reads them in one call, one of them missing
            answer = startup.get_parameters(
                Names=["/coderef/t/site-url", "/coderef/t/secret", "/coderef/t/none"],
                WithDecryption=True,
            )
        finally:
            aws_adapter.renew_clients()
    # Then it was made from the trimmed model and read both values, the secret decrypted
    assert startup.meta.service_model.operation_names == ["GetParameters"]
    assert startup.meta.service_model.signing_name == "ssm"
    values = {p["Name"]: p["Value"] for p in answer["Parameters"]}
    assert values == {"/coderef/t/site-url": "https://x.org", "/coderef/t/secret": "s3cret"}
    assert answer["InvalidParameters"] == ["/coderef/t/none"]
    # And the ordinary client kept SSM's whole API
    assert "PutParameter" in ssm.meta.service_model.operation_names
