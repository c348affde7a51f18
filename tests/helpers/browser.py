"""Headless Chromium for the visitor-page tests, and axe-core for their accessibility audits.

Needs Debian's chromium (/usr/bin/chromium), the playwright Python package (it never runs
`playwright install`) and, for audits, axe-core in node_modules/ at the repository root
(`npm install --no-save axe-core@4`, as .ci/run does). Missing pieces skip the tests, except
under CI (CI=1), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def missing(problem: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {problem}")
    pytest.skip(problem)


def require_browser() -> None:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright package is missing: pip install playwright")


def require_axe() -> None:
    if not AXE.is_file():
        missing(f"{AXE} is missing: npm install --no-save axe-core@4")


def phone(browser, viewport: dict[str, int] = PHONE, **options):
    """A new phone-like context and page that collects script errors."""
    context = browser.new_context(
        viewport=viewport, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A/AA rules on the page as it is now: "rule: target" per problem.

    The page's CSP forbids injected scripts, so contexts that audit use bypass_csp=True.
    """
    require_axe()
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
            .then(r => r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' '))))"""
    )
    return list(found)


def airplane_mode(context, server) -> None:
    """No server at all (the process stopped) and no network: what the offline tour must survive."""
    server.terminate()
    server.wait(timeout=10)
    context.set_offline(True)


def download_offline(page) -> None:
    """Press \"Download this tour for offline\" and wait until it says the tour works offline."""
    page.click("#download")
    page.wait_for_function(
        "() => !document.getElementById('download').disabled"
        " && document.getElementById('download-status').textContent"
        ".includes('without a connection')",
        timeout=20_000,
    )
