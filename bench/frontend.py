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

`--slow-4g` measures instead the largest contentful paint on an emulated slow 4G connection
(Chrome DevTools' network emulation: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up; no CPU
throttling), once with JavaScript and once without: the server-rendered page paints its code
and title before any script runs.
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


SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
_LCP = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    resolve(entries[entries.length - 1].startTime);
  }).observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(null), 5000);
})"""


def run_slow_4g(loads: int = LOADS) -> dict[str, Any]:
    """Median largest contentful paint at 360x740 on slow 4G, with and without JavaScript."""
    if not CHROMIUM.exists():
        return {"missing": f"{CHROMIUM} is not installed (apt-get install chromium)"}
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"page": PAGE, "loads": loads}
    with tempfile.TemporaryDirectory(prefix="coderef-frontend-") as tmp:
        data_dir = Path(tmp)
        import_fixture_catalog(data_dir)
        server, base = _start_server(data_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                try:
                    for js in (True, False):
                        samples = []
                        for i in range(loads + 1):  # the first load warms the server
                            context = browser.new_context(viewport=PHONE, base_url=base)
                            page = context.new_page()
                            if not js:
                                # The page's scripts are its ES modules: refusing them is the
                                # reader without JavaScript (the timing API still answers).
                                page.route("**/*.js", lambda route: route.abort())
                            cdp = context.new_cdp_session(page)
                            cdp.send("Network.enable")
                            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
                            page.goto(PAGE, wait_until="load")
                            if js:
                                page.wait_for_selector(SETTLED, timeout=60_000)
                            lcp = page.evaluate(_LCP)
                            context.close()
                            if i and lcp is not None:
                                samples.append(lcp)
                        out["lcp_ms_js" if js else "lcp_ms_no_js"] = statistics.median(samples)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=LOADS)
    parser.add_argument("--slow-4g", action="store_true", help="LCP on slow 4G, with/without JS")
    args = parser.parse_args()
    if args.slow_4g:
        lcp = run_slow_4g(args.loads)
        if "missing" in lcp:
            print(lcp["missing"])
            return
        print(
            f"{lcp['page']} at {PHONE['width']}x{PHONE['height']}, slow 4G, median of "
            f"{lcp['loads']} loads: LCP {lcp['lcp_ms_js']:.0f} ms with JavaScript, "
            f"{lcp['lcp_ms_no_js']:.0f} ms without"
        )
        return
    result = run(args.loads)
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
