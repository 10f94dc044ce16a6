"""On Lambda the cyclic garbage collector is paused while a function starts
(handlers/__init__.py) and back on, with the start's objects frozen, once it has started
(runtime.started); anywhere else importing the handlers changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

_SCRIPT = textwrap.dedent(
    """
    import gc, json
    import coderef.handlers
    paused = not gc.isenabled()
    from coderef.handlers.runtime import started
    started()
    print(json.dumps({"paused": paused, "on": gc.isenabled(), "frozen": gc.get_freeze_count()}))
    """
)


def _start(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_on_lambda_the_collector_waits_for_the_start_then_runs_without_the_starts_objects():
    # Given a process in a Lambda environment (the runtime sets AWS_LAMBDA_FUNCTION_NAME)
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "coderef-test"}
    # When it imports the handlers and the function has started
    state = _start(env)
    # Then the collector was paused during the start, and runs again afterwards with what the
    # start made set aside
    assert state["paused"] is True
    assert state["on"] is True
    assert state["frozen"] > 0


def test_elsewhere_importing_the_handlers_leaves_the_collector_alone():
    # Given a process outside Lambda (tests, the CLI, the local server)
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    # When it imports the handlers and a function starts
    state = _start(env)
    # Then the collector was never paused and nothing was frozen
    assert state == {"paused": False, "on": True, "frozen": 0}
