"""`coderef serve --workers N`: one server, N processes answering from the same data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_workers_serve_the_same_catalog(fixture_settings):
    # Given the fixture data, served with two workers. The fixture is imported and indexed
    # already; the start's bundled-data check is skipped, since it would upgrade the shared
    # fixture catalog to the bundled releases (this test is about the processes)
    port = _free_port()
    env = {
        **os.environ,
        "CODEREF_DATA_DIR": str(fixture_settings.data_dir),
        "CODEREF_SMTP_PORT": str(_free_port()),
    }
    script = (
        "import sys\n"
        "from coderef.codesets import pipeline\n"
        "pipeline.ensure_bundled = lambda *args, **kwargs: []\n"
        "from coderef.cli import main\n"
        f"sys.exit(main(['serve', '--workers', '2', '--port', '{port}']))\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # When it is up
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        # Then two worker processes run under it, and every request is answered from the data
        assert len(_children(server.pid)) >= 2
        for _ in range(20):
            url = f"http://127.0.0.1:{port}/api/codes/icd10cm/R00.1/summary"
            with urllib.request.urlopen(url, timeout=5) as answer:
                assert answer.status == 200
                assert b"Bradycardia" in answer.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
