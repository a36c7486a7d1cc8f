"""The Content-Security-Policy breaks no page: the charts draw, htmx swaps, the inline
scripts (with their nonce) run, and Chromium reports no violation."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.demo.services import DEMO_PASSWORD

from .test_browser_shell import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded in the page itself: Chromium fires securitypolicyviolation for every blocked
# script, style, image or handler.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""

CHART_PAGES = [
    "/",
    "/supervision/dashboard/",
    "/supervision/accountability/",
    "/cases/dashboards/household-exit/",
    "/cases/dashboards/village-exit/",
    "/registry/snapshots/",
]


def test_pages_run_under_the_csp(page: Any, browser_data: Any) -> None:
    from playwright.sync_api import expect

    base = browser_data.url
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    log_in(page, base, "demo_office", DEMO_PASSWORD)
    expect(page).to_have_url(f"{base}/")
    for path in CHART_PAGES:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        # Every chart container ECharts took over holds its drawing (svg or canvas).
        charts = page.locator("[_echarts_instance_]")
        for i in range(charts.count()):
            expect(charts.nth(i).locator("svg, canvas").first).to_be_attached()
        violations = page.evaluate("window.__csp")
        assert not violations, (path, violations)

    # htmx under the policy: the region tree expands a node in place.
    page.goto(f"{base}/regions/")
    page.locator("[hx-get]").first.click()
    expect(page.get_by_test_id("region-children").nth(1)).to_be_attached()
    assert not page.evaluate("window.__csp")
    assert not problems, problems
