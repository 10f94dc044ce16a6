"""What every CodeRef Lambda function shares, set up once per execution environment: JSON logs
with the HTTP API request id as correlation id, EMF metrics, settings from the environment and
SSM, the DynamoDB stores, the SES mailer, the Mangum adapter around a FastAPI app, and the
SnapStart hooks (warm before the snapshot, renew after a restore)."""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from fastapi import APIRouter, FastAPI
from mangum import Mangum

import coderef.handlers
from coderef import observability
from coderef.adapters.aws import renew_clients, service_client
from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.settings import Settings

# Where the SearchIndexLayer puts the index (template.yaml); CODEREF_INDEX_PATH overrides it.
LAYER_INDEX_PATH = "/opt/search/search.db"

# Named after the package: the package's own standard-library loggers (coderef.api,
# coderef.adapters) are its children, so their records come out as the same JSON lines, with the
# correlation id, and Powertools keeps them from being printed twice by the root logger.
logger = Logger(service="coderef")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CodeRef"))
observability.send_counts_to(
    lambda event, amount: metrics.add_metric(name=event, unit=MetricUnit.Count, value=amount)
)

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
BuildServices = Callable[[], Services]


class ConfigurationError(RuntimeError):
    """The function is deployed without something it needs; it refuses to start."""


# -- settings --------------------------------------------------------------------------------
def settings_from_env() -> Settings:
    env = dict(os.environ)
    env.setdefault("CODEREF_INDEX_PATH", LAYER_INDEX_PATH)
    return Settings.from_env(env)


def read_parameters(names: Iterable[str]) -> dict[str, str]:
    """Several SSM parameters' values (SecureStrings decrypted) in one GetParameters call, so a
    start or a SnapStart restore waits for one round trip, within the startup client's short
    timeouts. A missing or unreadable parameter stops the start with a message naming it."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    try:
        answer = service_client("ssm").get_parameters(Names=wanted, WithDecryption=True)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "unknown")
        raise ConfigurationError(
            f"cannot read SSM parameters {', '.join(wanted)}: {code}"
        ) from None
    except BotoCoreError as exc:
        raise ConfigurationError(
            f"cannot reach SSM for {', '.join(wanted)}: {type(exc).__name__}"
        ) from None
    if answer.get("InvalidParameters"):
        missing = ", ".join(answer["InvalidParameters"])
        raise ConfigurationError(f"cannot read SSM parameter {missing}: ParameterNotFound")
    return {p["Name"]: p["Value"] for p in answer["Parameters"]}


def aws_settings(needs_address_secret: bool = False) -> Settings:
    """Settings from the environment, completed from SSM in one call: the site's URL (reset
    links and the Origin check) and the address secret. CODEREF_ADDRESS_SECRET, when set, wins
    over the parameter. A function that hashes addresses never falls back to a secret of its
    own making: every environment must hash an address the same way, or the per-address limits
    would count nothing."""
    settings = settings_from_env()
    secret_parameter = None if settings.address_secret else settings.address_secret_parameter
    values = read_parameters(
        name for name in (settings.site_url_parameter, secret_parameter) if name
    )
    changes: dict[str, Any] = {}
    if settings.site_url_parameter:
        site = values[settings.site_url_parameter].strip().rstrip("/")
        changes["public_url"] = site
        changes["allowed_origins"] = (*settings.allowed_origins, site)
    if secret_parameter:
        changes["address_secret"] = values[secret_parameter] or None
    settings = settings.model_copy(update=changes)
    if needs_address_secret and not settings.address_secret:
        raise ConfigurationError(
            "no address secret: set CODEREF_ADDRESS_SECRET_PARAMETER to a SecureString "
            "parameter (docs/deploy.md) or CODEREF_ADDRESS_SECRET"
        )
    return settings


# -- stores ----------------------------------------------------------------------------------
def codes_catalog(settings: Settings) -> DynamoCatalog:
    if not settings.codes_table:
        raise ConfigurationError("CODEREF_CODES_TABLE is not set (template.yaml sets it)")
    return DynamoCatalog(settings.codes_table)


def accounts_store(settings: Settings) -> Any:
    if not settings.accounts_table:
        raise ConfigurationError("CODEREF_ACCOUNTS_TABLE is not set (template.yaml sets it)")
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    return DynamoAccounts(settings.accounts_table)


def jobs_store(settings: Settings) -> Any:
    if not settings.jobs_table:
        raise ConfigurationError("CODEREF_JOBS_TABLE is not set (template.yaml sets it)")
    from coderef.adapters.dynamodb_jobs import DynamoJobs

    return DynamoJobs(settings.jobs_table)


def ses_mailer(settings: Settings) -> Any:
    if not settings.mail_from:
        raise ConfigurationError("CODEREF_MAIL_FROM is not set (template.yaml sets it)")
    from coderef.adapters.ses_mailer import SesMailer

    return SesMailer(settings.mail_from)


class NoMail:
    """The mailer of a function that sends no mail (its role may not): the account service it
    shares with AuthFunction needs one, and nothing on its routes mails."""

    def send(self, to: str, subject: str, body: str) -> None:
        raise RuntimeError("this function sends no mail; password reset is AuthFunction's")


def metered_services() -> Services:
    """The services of a function that reads codes and members' meters and sends no mail
    (CodePageFunction, AssistantFunction)."""
    settings = aws_settings(needs_address_secret=True)
    return Services(
        settings=settings,
        catalog=codes_catalog(settings),
        accounts=accounts_store(settings),
        mailer=NoMail(),
    )


# -- the entry point -------------------------------------------------------------------------
def lambda_handler(app: FastAPI) -> LambdaHandler:
    """The function's entry point for `app`: Mangum (lifespan off: the app is built at import,
    not per request), wrapped by the logger and metrics decorators."""
    asgi = Mangum(app, lifespan="off")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = asgi(event, context)
        http = event.get("requestContext", {}).get("http", {})
        logger.info(
            "request",
            extra={
                "method": http.get("method"),
                "path": event.get("rawPath"),
                "status": response.get("statusCode"),
            },
        )
        return response

    return handler


def function_app(
    routers: Iterable[APIRouter], build: BuildServices
) -> tuple[FastAPI, LambdaHandler]:
    """A function's app from only its routers, its entry point, and its SnapStart hooks."""
    try:
        app = create_app(build(), routers)
        register_snapshot_hooks(app, build)
        return app, lambda_handler(app)
    finally:
        started()


def started() -> None:
    """The function's start is over (or failed): if the cyclic collector was paused for it
    (handlers/__init__.py), what the start made is moved out of its passes for good (it lives as
    long as the environment) and the collector runs again for what requests make."""
    if coderef.handlers.COLLECTOR_PAUSED:
        coderef.handlers.COLLECTOR_PAUSED = False
        gc.freeze()
        gc.enable()


# -- SnapStart -------------------------------------------------------------------------------
# Built once and safe to share between every environment restored from one snapshot: local
# read-only files and pure computation, no sockets, nothing secret or random that matters.
KEPT_ACROSS_RESTORE = ("index", "guidelines", "password_hasher")

# A path no router serves: its request runs the whole ASGI stack (Mangum, middleware, routing,
# the error handlers) and touches no store.
_WARM_PATH = "/api/__warm__"


def warm_event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": _WARM_PATH,
        "rawQueryString": "",
        "headers": {"host": "localhost", "x-forwarded-proto": "https"},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": _WARM_PATH,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "snapshot",
            },
            "requestId": "before-snapshot",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def before_snapshot(app: FastAPI) -> None:
    """Warm what is safe to snapshot: the OpenAPI document and route models, one request through
    the whole stack, the search index opened and queried, the password hasher."""
    services: Services = app.state.services
    app.openapi()
    # No Lambda context exists before the snapshot; the app never reads it.
    Mangum(app, lifespan="off")(warm_event(), None)  # type: ignore[arg-type]
    if services.settings.index_path.exists():
        services.index.search("heart")
        services.index.suggest("brady")
    if services.accounts is not None:
        _ = services.password_hasher
    logger.info("warmed before snapshot")


def after_restore(app: FastAPI, build: BuildServices) -> None:
    """Renew what must differ per environment or may have changed since the snapshot: the
    `random` state, every boto3 client (their pooled connections died with the snapshot's
    network), the stores built on them (and the catalog's cached live release), and the
    settings read from SSM."""
    random.seed()
    renew_clients()
    old: Services = app.state.services
    fresh = build()
    for name in KEPT_ACROSS_RESTORE:
        if name in vars(old):
            vars(fresh)[name] = vars(old)[name]
    app.state.services = fresh
    logger.info("renewed after restore")


def register_snapshot_hooks(app: FastAPI, build: BuildServices) -> bool:
    """Register the hooks with the Lambda runtime's snapshot_restore_py module; elsewhere (tests,
    the local server, functions without SnapStart) it is absent and nothing is registered."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, app)
    register_after_restore(after_restore, app, build)
    return True
