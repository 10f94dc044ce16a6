"""The API fuzzed from its own OpenAPI document with schemathesis.

Bounded (examples per operation, no deadline) so the whole run stays short in CI. Checks:
no 5xx, every response valid against the schema (status documented, body shape, headers),
every error in the error shape.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import new_client

pytestmark = pytest.mark.fuzz

EXAMPLES_PER_OPERATION = 40

# Invalid data may also be refused for its size before it is validated: 2,000 emoji make a
# body over the 16 KiB limit (413) once JSON escapes each as two surrogates.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
)


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/api/openapi.json", app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_every_response_matches_the_schema(case, app):
    # Business rules (a common password, a taken email, an unknown token) rightly refuse some
    # schema-valid requests, so "positive data is accepted" is the one check left out.
    # Every body is checked against the response model its route declares (named here so the
    # check cannot silently drop out of the defaults).
    response = case.call_and_validate(
        session=new_client(app),
        checks=[response_schema_conformance, status_code_conformance],
        excluded_checks=[positive_data_acceptance],
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        body = response.json()
        assert set(body["error"]) >= {"code", "message"}
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
