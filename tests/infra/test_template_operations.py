"""template.yaml as an operator runs it: a data load reaches the live functions, the API's
throttle carries the documented capacity, and logs, WAF, TLS and alarms are there when asked."""

from __future__ import annotations

import pytest

from tests import aws

FUNCTIONS = (
    "SearchFunction",
    "CodePageFunction",
    "AuthFunction",
    "AssistantFunction",
    "ConsultantFunction",
    "JobsFunction",
)
# docs/capacity.md: the stack carries about 1,000 new page views a second, and each view is
# two API requests (the metered page and /api/me).
DOCUMENTED_VIEWS_PER_SECOND = 1_000


@pytest.fixture(scope="module")
def template() -> dict:
    return aws.load_template()


def _versions(transformed: dict) -> dict[str, str]:
    """Each function's published version's logical id (SAM derives it from a hash)."""
    found = {}
    for name, resource in transformed["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Version":
            function = resource["Properties"]["FunctionName"]["Ref"]
            found[function] = name
    return found


def test_a_new_search_layer_publishes_a_new_version_of_every_function_using_it(template):
    # Given two deployments that differ only in the search layer's content (a data load)
    before = _versions(aws.sam_transform(template, layer_uri="s3://artifacts/layer-a.zip"))
    after = _versions(aws.sam_transform(template, layer_uri="s3://artifacts/layer-b.zip"))
    # Then each function that uses the layer has a new version, so its `live` alias moves to
    # the new layer, and a function without the layer keeps its version
    uses_layer = {
        name
        for name in FUNCTIONS
        if "SearchIndexLayer" in str(template["Resources"][name]["Properties"].get("Layers"))
    }
    assert uses_layer >= {"SearchFunction", "CodePageFunction"}
    for function in FUNCTIONS:
        assert (before[function] != after[function]) == (function in uses_layer), function
    # And the same layer twice publishes nothing new
    again = _versions(aws.sam_transform(template, layer_uri="s3://artifacts/layer-a.zip"))
    assert again == before


def test_the_apis_default_throttle_carries_the_documented_capacity(template):
    parameters = template["Parameters"]
    rate = parameters["ApiRateLimit"]["Default"]
    burst = parameters["ApiBurstLimit"]["Default"]
    assert rate >= 2 * DOCUMENTED_VIEWS_PER_SECOND
    assert burst >= rate


def test_access_logs_are_kept_unless_turned_off(template):
    on = aws.sam_transform(template)["Resources"]
    stage = next(r for r in on.values() if r["Type"] == "AWS::ApiGatewayV2::Stage")
    assert "AccessLogSettings" in str(stage["Properties"])
    assert "LogsBucket" in on and "ApiAccessLogs" in on
    off = aws.sam_transform(template, {"AccessLogs": "false"})
    assert off["Conditions"]["KeepAccessLogs"] == {"Fn::Equals": [{"Ref": "AccessLogs"}, "true"]}
    assert on["LogsBucket"]["Condition"] == "KeepAccessLogs"
    assert on["ApiAccessLogs"]["Condition"] == "KeepAccessLogs"


def test_the_waf_and_the_custom_domain_are_optional_and_tls_is_modern(template):
    resources = template["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    # WAF: only with a rate, and only where CloudFront web ACLs can live
    assert resources["WebAcl"]["Condition"] == "UseWaf"
    rule = resources["WebAcl"]["Properties"]["Rules"][0]["Statement"]["RateBasedStatement"]
    assert rule == {"Limit": {"Ref": "WafRequestsPer5Minutes"}, "AggregateKeyType": "IP"}
    assert config["WebACLId"]["Fn::If"][0] == "UseWaf"
    assert "us-east-1" in str(template["Rules"]["CloudFrontWafOnlyInUsEast1"])
    # A custom domain is served with SNI and TLS 1.2 or newer
    certificate = config["ViewerCertificate"]["Fn::If"][1]
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["SslSupportMethod"] == "sni-only"
    # And the origin is reached over TLS 1.2 only
    api = next(o for o in config["Origins"] if o["Id"] == "api")
    assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


def test_alarms_watch_server_errors_throttles_and_wall_spikes(template):
    resources = template["Resources"]
    alarms = {n: r for n, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {
        str(r["Properties"].get("MetricName") or r["Properties"]["Metrics"])
        for r in alarms.values()
    }
    assert any("5xx" in w for w in watched)
    assert any("Throttles" in w for w in watched)
    assert any("WallsHit" in w for w in watched)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # Every function's throttles are summed, including any added later
    throttles = str(resources["FunctionThrottlesAlarm"]["Properties"]["Metrics"])
    for function in FUNCTIONS:
        assert function in throttles
