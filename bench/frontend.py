"""Frontend: bytes transferred and first contentful paint for a code page on a cold cache, at
the phone viewport (360x740), in Debian's chromium driven by Playwright.

Run: .venv/bin/python -m bench.frontend [--loads N]

The server is `coderef serve` (gzip on, as CloudFront compresses on AWS) on a free loopback
port over the fixture catalog in a temporary data directory. Each load is a new browser
context, so a new visitor with an empty cache and no cookies: the page shell, its scripts and
styles, the public summary and the metered page (a guest's first view) all come over the
wire. Figures come from the page's own timing APIs: the paint entry 'first-contentful-paint'
and each resource's encodedBodySize (body bytes as sent, compressed) and transferSize
(headers included). No network or CPU throttling: FCP here is the page's own render cost on
this machine, not a phone on a mobile network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.conftest import import_fixture_catalog

from bench.lambda_env import free_port

LOADS = 7
PAGE = "/code/icd10cm/R00.1"
# The page marks itself settled once its content (or an explanation) is on screen.
SETTLED = "html[data-state=ready]"

_FIGURES = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const all = [nav, ...resources];
  const kind = (e) => e === nav ? 'document'
    : e.name.includes('/api/') ? 'api' : /\.js(\?|$)/.test(e.name) ? 'script'
    : e.initiatorType === 'link' ? 'css' : e.initiatorType;
  const byKind = {};
  for (const e of all) {
    const k = kind(e);
    byKind[k] = byKind[k] || {requests: 0, encoded: 0, decoded: 0};
    byKind[k].requests += 1;
    byKind[k].encoded += e.encodedBodySize;
    byKind[k].decoded += e.decodedBodySize;
  }
  return {
    fcp: fcp ? fcp.startTime : null,
    dcl: nav.domContentLoadedEventEnd,
    requests: all.length,
    encoded: all.reduce((s, e) => s + e.encodedBodySize, 0),
    decoded: all.reduce((s, e) => s + e.decodedBodySize, 0),
    transfer: all.reduce((s, e) => s + e.transferSize, 0),
    byKind,
  };
}"""


def _start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "CODEREF_DATA_DIR": str(data_dir),
        "CODEREF_PORT": str(port),
        "CODEREF_GUEST_METERS_PER_ADDRESS_PER_DAY": "1000000",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "coderef"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            raise RuntimeError("the local server did not start")
        time.sleep(0.2)


def run(loads: int = LOADS) -> dict[str, Any]:
    if not CHROMIUM.exists():
        return {"missing": f"{CHROMIUM} is not installed (apt-get install chromium)"}
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="coderef-frontend-") as tmp:
        data_dir = Path(tmp)
        import_fixture_catalog(data_dir)
        server, base = _start_server(data_dir)
        samples: list[dict[str, Any]] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                try:
                    for i in range(loads + 1):  # the first load warms the server, not counted
                        context = browser.new_context(viewport=PHONE, base_url=base)
                        page = context.new_page()
                        page.goto(PAGE, wait_until="load")
                        page.wait_for_selector(SETTLED, timeout=30_000)
                        page.wait_for_load_state("networkidle")
                        figures = page.evaluate(_FIGURES)
                        context.close()
                        if i:
                            samples.append(figures)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    last = samples[-1]
    return {
        "page": PAGE,
        "loads": len(samples),
        "fcp_ms": statistics.median(s["fcp"] for s in samples if s["fcp"] is not None),
        "dcl_ms": statistics.median(s["dcl"] for s in samples),
        "requests": last["requests"],
        "encoded_bytes": statistics.median(s["encoded"] for s in samples),
        "decoded_bytes": statistics.median(s["decoded"] for s in samples),
        "transfer_bytes": statistics.median(s["transfer"] for s in samples),
        "by_kind": last["byKind"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=LOADS)
    result = run(parser.parse_args().loads)
    if "missing" in result:
        print(result["missing"])
        return
    print(
        f"{result['page']} at {PHONE['width']}x{PHONE['height']}, cold cache, "
        f"median of {result['loads']} loads: FCP {result['fcp_ms']:.0f} ms, "
        f"{result['requests']} requests, {result['transfer_bytes'] / 1024:.1f} KiB transferred "
        f"({result['encoded_bytes'] / 1024:.1f} KiB bodies as sent, "
        f"{result['decoded_bytes'] / 1024:.1f} KiB decoded)"
    )
    for kind, k in result["by_kind"].items():
        print(
            f"  {kind:<10} {k['requests']:>2} requests  {k['encoded'] / 1024:6.1f} KiB sent  "
            f"{k['decoded'] / 1024:6.1f} KiB decoded"
        )


if __name__ == "__main__":
    main()
