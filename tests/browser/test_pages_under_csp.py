"""Feature: the pages work under a Content-Security-Policy that allows no inline script (issue 9, point 5).

Every test here and in the other browser tests fails on any CSP refusal the browser reports (conftest).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.driver import CSP_VIOLATIONS, Person


def test_an_inline_script_is_refused_by_the_browser(page: Page, screenshots: Path) -> None:
    Person(page, screenshots)
    page.goto("/login")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.head.appendChild(s); }"
    )
    assert page.evaluate("window.injected === undefined")
    page.wait_for_timeout(200)  # the console message arrives asynchronously
    assert any("inline script" in v for v in CSP_VIOLATIONS), CSP_VIOLATIONS
    CSP_VIOLATIONS.clear()  # expected here; anywhere else it fails the test


def test_api_docs_overview_and_ledger_render_under_the_csp(page: Page, screenshots: Path) -> None:
    me = Person(page, screenshots)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("duban")
    expect(page.locator(".opblock").first).to_be_visible()
    me.shot("csp-01-api-docs")
    me.sign_in("dcs_li")
    page.goto("/overview")
    expect(page.locator("#on-time-chart[data-ready='1']")).to_be_attached()
    page.goto("/ledger")
    expect(page.locator("#ledger-filters")).to_be_visible()
