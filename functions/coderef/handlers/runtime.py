"""What every CodeRef Lambda function shares, set up once per execution environment: JSON logs
with the HTTP API request id as correlation id, EMF metrics, settings from the environment,
the DynamoDB-backed catalog, and the Mangum adapter around a FastAPI app."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from fastapi import FastAPI
from mangum import Mangum

from coderef import observability
from coderef.settings import Settings
from coderef.store.dynamodb_catalog import DynamoCatalog

# Where the SearchIndexLayer puts the index (template.yaml); CODEREF_INDEX_PATH overrides it.
LAYER_INDEX_PATH = "/opt/search/search.db"

# Named after the package: the package's own standard-library loggers (coderef.api,
# coderef.store) are its children, so their records come out as the same JSON lines, with the
# correlation id, and Powertools keeps them from being printed twice by the root logger.
logger = Logger(service="coderef")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CodeRef"))
observability.send_counts_to(
    lambda event, amount: metrics.add_metric(name=event, unit=MetricUnit.Count, value=amount)
)

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def settings_from_env() -> Settings:
    env = dict(os.environ)
    env.setdefault("CODEREF_INDEX_PATH", LAYER_INDEX_PATH)
    return Settings.from_env(env)


def codes_catalog(settings: Settings) -> DynamoCatalog:
    if not settings.codes_table:
        raise RuntimeError("CODEREF_CODES_TABLE is not set (template.yaml sets it)")
    return DynamoCatalog(settings.codes_table)


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
