"""The Lambda benchmarks still run, in a tiny mode: a change that breaks them shows up in
`make test`, not on the day someone runs `make bench`. Their figures are not checked here:
tests never assert on time."""

from __future__ import annotations

from bench import cold_start, lambda_env, warm_requests


def test_cold_start_serves_each_handler_once_beside_the_floor():
    # When the cold start benchmark runs once per process, without its diagnosis pass
    result = cold_start.run(runs=1, diagnose=False)
    # Then every handler in this build answered its first event, and the rest are named
    present = [h for h in lambda_env.HANDLERS if lambda_env.handler_exists(h)]
    assert sorted(result["handlers"]) == sorted(present)
    assert sorted(result["missing"]) == sorted(set(lambda_env.HANDLERS) - set(present))
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
    # And the metered page (the handler, or its stand-in on the DynamoDB adapters) charges a
    # new guest once and lets a re-open through free
    if "metered page" not in result["missing"]:
        assert result["calls"]["guest first view"]["charged"] is True
        assert result["calls"]["guest re-open"]["charged"] is False
