"""The Bedrock composer behind CasePilot's Composer port, driven through botocore's Stubber:
its text is used when every code it names is in the catalog, and replaced when not."""

import logging

import boto3
import pytest
from botocore.stub import ANY, Stubber

from coderef.adapters.bedrock_composer import BedrockComposer
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.assistant import answer_body
from coderef.api.services import Services
from coderef.assistant.casepilot import CasePilot
from coderef.settings import Settings

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture
def bedrock():
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def casepilot_with(fixture_settings):
    services = Services(
        settings=fixture_settings, catalog=SqliteCatalog(fixture_settings.catalog_path)
    )

    def build(client):
        return CasePilot(
            services.catalog,
            services.candidates,
            services.guidelines,
            services.code_suggestions,
            BedrockComposer(client, MODEL),
        )

    return build


def ask(pilot: CasePilot, question: str) -> dict:
    """The answer as the API sends it."""
    return answer_body(pilot.ask(question))


def reply(text, stop="end_turn"):
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 100, "outputTokens": 20, "totalTokens": 120},
        "metrics": {"latencyMs": 300},
    }


def expected_request():
    return {
        "modelId": MODEL,
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": {"maxTokens": 600, "temperature": 0.0},
    }


def test_the_model_writes_the_prose_from_the_evidence(bedrock, casepilot_with):
    client, stubber = bedrock
    text = "No. E11.9 and E10.9 are not coded together: each category excludes the other."
    stubber.add_response("converse", reply(text), expected_request())
    answer = ask(casepilot_with(client), "Can E11.9 be coded with E10.9?")
    assert answer["composer"] == "bedrock" and answer["answer"] == text
    # Details and sources still come from the evidence, not from the model
    assert answer["details"]["verdict"] == "excludes1"
    assert [s["code"] for s in answer["sources"] if s["kind"] == "code"] == ["E11.9", "E10.9"]


def test_the_request_carries_the_question_and_the_evidence(bedrock, casepilot_with):
    client, stubber = bedrock
    seen = {}

    def capture(params, **kwargs):
        seen.update(params)

    client.meta.events.register("provide-client-params.bedrock-runtime.Converse", capture)
    stubber.add_response(
        "converse", reply("R00.1 is bradycardia, unspecified."), expected_request()
    )
    ask(casepilot_with(client), "What is R00.1?")
    prompt = seen["messages"][0]["content"][0]["text"]
    assert "Question: What is R00.1?" in prompt
    assert "Code R00.1 (ICD-10-CM): Bradycardia, unspecified." in prompt
    assert "Never name a code that is not in the evidence" in seen["system"][0]["text"]


def test_an_answer_naming_an_unknown_code_is_replaced(bedrock, casepilot_with, caplog):
    client, stubber = bedrock
    # I48.91 is not in the fixture catalog: the model made it up
    stubber.add_response(
        "converse", reply("Use R00.1, or I48.91 for atrial fibrillation."), expected_request()
    )
    caplog.set_level(logging.DEBUG)
    answer = ask(casepilot_with(client), "What is R00.1?")
    assert answer["composer"] == "deterministic"
    assert "I48.91" not in answer["answer"] and "Bradycardia, unspecified" in answer["answer"]
    assert "outside the catalog" in caplog.text
    assert "What is R00.1" not in caplog.text  # the question is never logged


@pytest.mark.parametrize(
    "failure",
    [
        {"service_error_code": "ThrottlingException", "http_status_code": 429},
        {"service_error_code": "AccessDeniedException", "http_status_code": 403},
    ],
)
def test_a_refused_call_falls_back_to_the_deterministic_answer(bedrock, casepilot_with, failure):
    client, stubber = bedrock
    stubber.add_client_error("converse", **failure)
    answer = ask(casepilot_with(client), "Difference between I10 and I11.9")
    assert answer["composer"] == "deterministic" and answer["kind"] == "compare"
    assert "Essential (primary) hypertension" in answer["answer"]


def test_a_truncated_or_filtered_reply_is_not_shown(bedrock, casepilot_with):
    client, stubber = bedrock
    stubber.add_response("converse", reply("R00.1 is brady", stop="max_tokens"), expected_request())
    answer = ask(casepilot_with(client), "What is R00.1?")
    assert answer["composer"] == "deterministic"


def test_bedrock_is_off_by_default_and_needs_a_model_to_turn_on(fixture_settings):
    assert Settings.from_env({}).assistant_composer == "deterministic"
    with pytest.raises(ValueError, match="CODEREF_BEDROCK_MODEL_ID"):
        Settings.from_env({"CODEREF_ASSISTANT_COMPOSER": "bedrock"})
    with pytest.raises(ValueError, match="deterministic or bedrock"):
        Settings.from_env({"CODEREF_ASSISTANT_COMPOSER": "gpt"})
    on = Settings.from_env(
        {
            "CODEREF_ASSISTANT_COMPOSER": "bedrock",
            "CODEREF_BEDROCK_MODEL_ID": MODEL,
            "CODEREF_BEDROCK_REGION": "eu-west-1",
        }
    )
    services = Services(
        settings=on.model_copy(update={"data_dir": fixture_settings.data_dir}),
        catalog=SqliteCatalog(fixture_settings.catalog_path),
    )
    composer = services.composer
    assert isinstance(composer, BedrockComposer) and composer.model_id == MODEL
    assert composer.client.meta.region_name == "eu-west-1"
    default = Services(
        settings=fixture_settings, catalog=SqliteCatalog(fixture_settings.catalog_path)
    )
    assert default.casepilot.composer.name == "deterministic"


class BrokenComposer:
    name = "broken"

    def compose(self, evidence):
        raise RuntimeError(f"bug while writing about {evidence.question}")


def test_any_second_composer_that_breaks_falls_back_without_logging_the_question(
    fixture_settings, caplog
):
    services = Services(
        settings=fixture_settings, catalog=SqliteCatalog(fixture_settings.catalog_path)
    )
    pilot = CasePilot(
        services.catalog,
        services.candidates,
        services.guidelines,
        services.code_suggestions,
        BrokenComposer(),
    )
    caplog.set_level(logging.DEBUG)
    answer = ask(pilot, "What is R00.1 for my patient Zebediah?")
    assert answer["composer"] == "deterministic" and answer["answered"]
    assert "RuntimeError" in caplog.text and "Zebediah" not in caplog.text
