"""API Gateway HTTP API (payload format 2.0) events, shaped as the service sends them to a
Lambda proxy integration, and a stand-in for the Lambda context object."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode


def http_api_event(
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    headers: dict[str, str] | None = None,
    body: dict | None = None,
    route_key: str | None = None,
) -> dict:
    raw_query = urlencode(query or {})
    request_id = uuid.uuid4().hex[:16] + "="
    all_headers = {
        "accept": "application/json",
        "accept-encoding": "gzip, br",
        "content-length": "0",
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "Amazon CloudFront",
        "via": "2.0 0123abcd.cloudfront.net (CloudFront)",
        "x-amz-cf-id": "Zk3qxpN4yQ0dRk0hC2ld8r8J3sdRNw0cZr4wZ0sWmN3xG1yYbT0qAA==",
        "x-amzn-trace-id": "Root=1-6760c1b2-2a7e0f0b1c9d4e5f60718293",
        "x-forwarded-for": "198.51.100.7, 130.176.0.1",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **(headers or {}),
    }
    event = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "130.176.0.1",
                "userAgent": "Amazon CloudFront",
            },
            "requestId": request_id,
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": "12/Mar/2026:19:03:58 +0000",
            "timeEpoch": 1773342238000,
        },
        "isBase64Encoded": False,
    }
    if raw_query:
        event["queryStringParameters"] = dict(parse_qsl(raw_query))
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        raw = json.dumps(body)
        event["body"] = raw
        all_headers["content-type"] = "application/json"
        all_headers["content-length"] = str(len(raw))
    return event


def response_json(response: dict) -> dict:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


@dataclass
class LambdaContext:
    function_name: str = "coderef-SearchFunction-AbCdEf"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:coderef-SearchFunction-AbCdEf"
    )
    log_group_name: str = "/coderef/coderef/search"
    log_stream_name: str = "2026/03/12/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
