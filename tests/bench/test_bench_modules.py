"""The Lambda benchmarks still run, in a tiny mode: a change that breaks them shows up in
`make test`, not on the day someone runs `make bench`. Their figures are not checked here:
tests never assert on time."""

from __future__ import annotations

import pytest

from bench import cold_start, lambda_env, warm_requests

# The benchmarks run the handlers in child processes against moto's server.
pytestmark = pytest.mark.moto_server


def test_cold_start_serves_each_handler_once_beside_the_floor():
    # When the cold start benchmark runs once per process, without its diagnosis pass
    result = cold_start.run(runs=1, diagnose=False)
    # Then every handler of the template answered its first event
    assert sorted(result["handlers"]) == sorted(lambda_env.HANDLERS)
    statuses = {name: h["status"] for name, h in result["handlers"].items()}
    assert all(status in (200, 204) for status in statuses.values()), statuses
    assert result["floor"]["runs"] == 1


def test_warm_requests_count_the_dynamodb_calls_of_each_request():
    # When the warm request benchmark makes a few requests per route
    result = warm_requests.run(iterations=2)
    # Then the search function's requests are measured and their table reads counted
    assert {"search", "summary"} <= set(result["cpu"])
    assert result["calls"]["search"]["calls"] == 0  # search reads only the index
    # one Query brings the code in every loaded version (its history comes from memory)
    assert result["calls"]["summary, code not read before"]["operations"] == ["Query (codes)"]
    assert result["calls"]["summary, code read before"]["calls"] == 0  # kept in memory
    # And the metered page charges a new guest once and lets a re-open through free
    assert result["calls"]["guest first view"]["charged"] is True
    assert result["calls"]["guest re-open"]["charged"] is False
