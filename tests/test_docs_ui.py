"""/docs and /redoc render with no network beyond this server: the UIs' assets are pinned in the
package (their sha256 in app/static/docs/SOURCES.txt), served from the same origin, and the
pages' Content-Security-Policy allows nothing else. The slow test opens both pages in a real
headless Chromium (Debian's `chromium`) and checks the operations are rendered."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, unavailable

ASSETS = ROOT / "app" / "static" / "docs"
CHROMIUM = os.environ.get("RACING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_pages_load_only_same_origin_assets(sqlite_client, page):
    response = sqlite_client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "http" not in csp  # no other origin is allowed
    html = response.text
    assert "<script>" not in html  # no inline script: the CSP would refuse it
    urls = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if u != "data:,"]
    assert urls and all(url.startswith("docs/assets/") for url in urls), urls
    for url in urls:
        asset = sqlite_client.get(f"/{url}")
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css"))


def test_assets_match_their_pins(sqlite_client):
    lines = (ASSETS / "SOURCES.txt").read_text().splitlines()
    pinned = dict(reversed(line.split()) for line in lines if re.match(r"[0-9a-f]{64} ", line))
    assert set(pinned) == {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"}
    for name, sha256 in pinned.items():
        body = sqlite_client.get(f"/docs/assets/{name}").content
        assert hashlib.sha256(body).hexdigest() == sha256, f"{name}: run `just docs-assets`"
        assert b"//cdn." not in body[:200]


def test_unknown_asset_is_a_404_problem(sqlite_client):
    for name in ("nope.js", "..%2F..%2Fmain.py", "SOURCES.txt"):
        response = sqlite_client.get(f"/docs/assets/{name}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


def _artifacts_dir() -> Path:
    """Screenshots go where CI keeps artifacts (RACING_TEST_ARTIFACTS, else artifacts/ui)."""
    directory = Path(os.environ.get("RACING_TEST_ARTIFACTS", ROOT / "artifacts" / "ui"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "operation"),
    [
        ("/docs", ".opblock-summary-operation-id, .opblock-summary-path"),
        ("/redoc", "[data-section-id^='operation/']"),
    ],
)
def test_page_renders_operations_in_headless_chromium(live_server, page, operation):
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        unavailable(f"Chromium is not at {CHROMIUM} (Debian package `chromium`)")
    sync_api = pytest.importorskip("playwright.sync_api")
    console: list[str] = []
    requests: list[str] = []
    blocked: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS[1:], headless=True
        )
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1600})
            tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            tab.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
            tab.on("request", lambda request: requests.append(request.url))
            tab.on("requestfailed", lambda r: r.failure == "csp" and blocked.append(r.url))
            tab.on(
                "response",
                lambda r: r.status >= 400 and console.append(f"error: {r.status} {r.url}"),
            )
            tab.goto(live_server + page, wait_until="load")
            tab.wait_for_selector(operation, timeout=30_000)
            rendered = tab.locator(operation).count()
            png = tab.screenshot(full_page=False)
            # The same viewport with nothing on it, for comparison: a blank screenshot is
            # one colour and compresses to almost nothing.
            tab.goto("about:blank")
            blank = tab.screenshot(full_page=False)
        finally:
            browser.close()
    name = page.strip("/")
    (_artifacts_dir() / f"{name}.png").write_bytes(png)
    assert rendered >= 10, f"{page}: {rendered} operations rendered"
    assert len(png) > 10 * len(blank), f"{page}: the screenshot looks blank"
    # Nothing leaves this origin: ReDoc's sidebar credit loads a logo from Redocly's CDN, which
    # the policy refuses (ReDoc then hides the image); anything else would fail here.
    elsewhere = [u for u in requests if not u.startswith((live_server, "blob:", "data:"))]
    assert set(elsewhere) <= set(blocked) <= {REDOCLY_LOGO}, elsewhere
    errors = [line for line in console if "error" in line and REDOCLY_LOGO not in line]
    assert not errors, errors
