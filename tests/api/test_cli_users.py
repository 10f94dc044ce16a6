"""The admin commands, run as a person would run them."""

import os
import subprocess
import sys
from pathlib import Path

CODEREF = str(Path(sys.executable).parent / "coderef")


def run(settings, *args):
    env = {**os.environ, "CODEREF_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([CODEREF, *args], capture_output=True, text=True, env=env, check=False)


def test_list_set_plan_and_grant(member, fixture_settings):
    email = member.get("/api/me").json()["user"]["email"]
    listed = run(fixture_settings, "user", "list")
    assert listed.returncode == 0 and email in listed.stdout
    assert (
        run(fixture_settings, "user", "grant", email, "3")
        .stdout.strip()
        .endswith("9 code page views left")
    )
    assert member.get("/api/me").json()["meter"]["remaining"] == 9
    promoted = run(fixture_settings, "user", "set-plan", email, "unlimited")
    assert promoted.returncode == 0
    assert member.get("/api/me").json()["meter"]["plan"] == "unlimited"


def test_an_unknown_email_is_a_clear_error(fixture_settings):
    result = run(fixture_settings, "user", "grant", "ghost@example.org", "3")
    assert result.returncode == 1
    assert "No account has the email ghost@example.org" in result.stderr
    assert "Traceback" not in result.stderr
