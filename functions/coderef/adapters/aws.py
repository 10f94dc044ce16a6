"""What every DynamoDB adapter shares: one client per process, and storage errors turned into
domain errors so nothing from botocore travels past an adapter."""

from __future__ import annotations

import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coderef.errors import ServiceUnavailable

log = logging.getLogger("coderef.adapters")

try:
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, UnknownServiceError
except ImportError as exc:  # pragma: no cover - only without the aws extra
    raise ImportError(
        "the DynamoDB store needs boto3: install CodeRef with `pip install -e '.[aws]'`"
    ) from exc

# A request handler answers within the function's timeout, so it fails fast and retries a
# little; a bulk load is patient and lets the client pace itself when DynamoDB throttles.
_CLIENT_CONFIGS = {
    "request": Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=3
    ),
    "bulk": Config(
        retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=5, read_timeout=30
    ),
    # A function's start, and a SnapStart restore, which Lambda ends after 10 s: at worst two
    # attempts of one second to connect and one to read, 4 s in all.
    "startup": Config(
        retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1, read_timeout=1
    ),
}

# Services a function calls only while it starts or restores, and the name of the trimmed model
# their client is made from (adapters/botocore_models.py: ~0.1 s less than SSM's whole model).
_STARTUP_SERVICES = {"ssm": "coderef-ssm"}
_STARTUP_MODELS = Path(__file__).with_name("botocore_data")


def worst_case_seconds(config: Any) -> float:
    """The longest a call with this client configuration can take before it gives up."""
    attempts = config.retries.get("max_attempts", 1)
    return float(attempts * (config.connect_timeout + config.read_timeout))


def _default_session() -> None:
    """Make boto3's default session, if nothing has yet, with the trimmed startup models on its
    data path (after any AWS_DATA_PATH of the environment's), so every client shares one session
    (its endpoints, credentials and configuration are read once)."""
    if boto3.DEFAULT_SESSION is not None:
        return
    core = botocore.session.get_session()
    paths = [core.get_config_variable("data_path"), str(_STARTUP_MODELS)]
    core.set_config_variable("data_path", os.pathsep.join(p for p in paths if p))
    boto3.setup_default_session(botocore_session=core)


def dynamodb_client(purpose: str = "request") -> Any:
    """The process's DynamoDB client for `purpose` ("request" or "bulk"), created on first use
    and reused after (clients are thread-safe, and creating one costs tens of milliseconds)."""
    # One cache key per purpose: `dynamodb_client()` and `dynamodb_client("request")` are the
    # same client (a cache on this function would make two).
    return _dynamodb_client(purpose)


@functools.cache
def _dynamodb_client(purpose: str) -> Any:
    _default_session()
    return boto3.client("dynamodb", config=_CLIENT_CONFIGS[purpose])


@functools.cache
def service_client(service: str) -> Any:
    """The process's client for another AWS service a function calls per request ("sesv2", with
    the request settings) or only at start and restore ("ssm", with the startup settings, made
    from the trimmed model of the calls a start makes)."""
    _default_session()
    if service not in _STARTUP_SERVICES:
        return boto3.client(service, config=_CLIENT_CONFIGS["request"])
    try:
        return boto3.client(_STARTUP_SERVICES[service], config=_CLIENT_CONFIGS["startup"])
    except UnknownServiceError:
        # Someone made boto3's default session before this module could (a test's own client,
        # say): the service's whole model, as before.
        return boto3.client(service, config=_CLIENT_CONFIGS["startup"])


def renew_clients() -> None:
    """Forget every client made so far, so the next use makes a new one with new connections
    (after a Lambda SnapStart restore, pooled sockets from the snapshot are dead)."""
    _dynamodb_client.cache_clear()
    service_client.cache_clear()


@contextmanager
def storage_errors(what: str, service: str = "DynamoDB") -> Iterator[None]:
    """Translate any AWS or network failure inside the block into ServiceUnavailable."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "unknown")
        log.warning("%s call failed (%s): %s", service, what, code)
        raise ServiceUnavailable(
            f"The {what} is unavailable; try again shortly.", cause=code
        ) from exc
    except BotoCoreError as exc:
        cause = type(exc).__name__
        log.warning("%s unreachable (%s): %s", service, what, cause)
        raise ServiceUnavailable(
            f"The {what} is unavailable; try again shortly.", cause=cause
        ) from exc


Sleep = Callable[[float], None]


def backoff_delays(attempts: int, base: float = 0.05, cap: float = 5.0) -> Iterator[float]:
    """Full-jitter exponential backoff: how long to wait before each retry."""
    for attempt in range(attempts):
        yield random.uniform(0, min(cap, base * 2**attempt))


def retry_unprocessed(
    send: Callable[[dict], dict],
    request: dict,
    leftover_key: str,
    what: str,
    attempts: int = 12,
    sleep: Sleep = time.sleep,
) -> list[dict]:
    """Send a batch request until DynamoDB has processed all of it.

    `send` takes the request items and returns the response; whatever the response lists under
    `leftover_key` (UnprocessedItems or UnprocessedKeys) is sent again after a backoff. Returns
    every response, so readers can collect what each one carried.
    """
    responses = []
    pending = request
    delays = backoff_delays(attempts)
    while True:
        response = send(pending)
        responses.append(response)
        pending = response.get(leftover_key) or {}
        if not pending:
            return responses
        delay = next(delays, None)
        if delay is None:
            raise ServiceUnavailable(
                f"DynamoDB kept throttling the {what}; try again shortly (it is safe to re-run)."
            )
        sleep(delay)
