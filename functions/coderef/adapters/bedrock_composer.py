"""A CasePilot composer that has a model on Amazon Bedrock write the prose (Converse API).

Off by default (CODEREF_ASSISTANT_COMPOSER=bedrock turns it on). The model sees only the
question and the evidence CasePilot gathered; CasePilot checks every code its text names and
falls back to the deterministic composer when the model fails or names an unknown code.
Nothing of the question or the answer is logged here.
"""

from __future__ import annotations

from typing import Any

from coderef.assistant.answers import ComposerUnavailable, Evidence
from coderef.settings import Settings

INSTRUCTIONS = (
    "You are CasePilot, a medical coding reference assistant. Answer the coder's question "
    "using only the evidence given: codes, notes, 7th characters, candidates and guideline "
    "passages from the loaded code sets. Never name a code that is not in the evidence. "
    "If the evidence says nothing relevant was found or a code does not exist, say so "
    "plainly and suggest a search. Write a short plain-text answer: no markdown, no "
    "headings, at most about 150 words. Do not give clinical advice."
)
# Reasons a model stops that leave a whole answer; anything else (cut off at the token limit,
# stopped by a guardrail or a content filter) is not shown.
_COMPLETE = frozenset(("end_turn", "stop_sequence"))


class BedrockComposer:
    name = "bedrock"

    def __init__(self, client: Any, model_id: str, max_tokens: int = 600) -> None:
        self.client = client
        self.model_id = model_id
        self.max_tokens = max_tokens

    @classmethod
    def from_settings(cls, settings: Settings) -> BedrockComposer:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "bedrock-runtime",
            region_name=settings.bedrock_region,
            config=Config(
                connect_timeout=3, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"}
            ),
        )
        assert settings.bedrock_model_id  # Settings.from_env requires it with this composer
        return cls(client, settings.bedrock_model_id)

    def request(self, evidence: Evidence) -> dict[str, Any]:
        prompt = f"Question: {evidence.question}\n\nEvidence:\n{evidence.as_context()}"
        return {
            "modelId": self.model_id,
            "system": [{"text": INSTRUCTIONS}],
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": self.max_tokens, "temperature": 0.0},
        }

    def compose(self, evidence: Evidence) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.converse(**self.request(evidence))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "ClientError")
            raise ComposerUnavailable(f"Bedrock refused the request ({code})") from None
        except BotoCoreError as exc:
            raise ComposerUnavailable(
                f"Bedrock could not be reached ({type(exc).__name__})"
            ) from None
        if response.get("stopReason") not in _COMPLETE:
            raise ComposerUnavailable(f"the model stopped early ({response.get('stopReason')})")
        parts = response.get("output", {}).get("message", {}).get("content", [])
        text = "\n".join(p["text"] for p in parts if "text" in p).strip()
        if not text:
            raise ComposerUnavailable("the model wrote nothing")
        return text
