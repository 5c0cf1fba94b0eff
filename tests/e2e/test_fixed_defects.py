"""Defects the browser tests once found, kept from coming back: each logged a console error in chromium.

No icon (chromium's GET /favicon.ico was a 404), and the schedule form's name `pattern` invalid under the
`v` flag chromium compiles patterns with (an unescaped `-` in a class), so the name went unchecked.
"""

from __future__ import annotations

from .browser import Tab
from .conftest import GROUP

pytestmark = GROUP
INVALID_PATTERNS = """() => [...document.querySelectorAll('[pattern]')]
    .filter(input => { try { new RegExp(input.pattern, 'v'); return false; } catch { return true; } })
    .map(input => `${input.name}: ${input.pattern}`)"""


def test_the_browser_finds_the_dashboards_icon(tab: Tab) -> None:
    page = tab.open("/")
    icon = page.evaluate("() => document.querySelector('link[rel~=icon]')?.href ?? ''")
    assert icon.startswith(tab.origin + "/assets/"), icon
    for url in (icon, tab.origin + "/favicon.ico"):
        response = page.request.get(url)
        assert response.ok, f"GET {url}: {response.status}"
        assert response.headers["content-type"] == "image/svg+xml", url


def test_the_schedule_forms_patterns_compile_as_the_browser_reads_them(tab: Tab) -> None:
    page = tab.open("/schedules")
    assert page.evaluate(INVALID_PATTERNS) == []


def test_the_browser_checks_a_schedules_name_as_the_api_does(tab: Tab) -> None:
    name = tab.open("/schedules").locator('form[data-testid="schedule-form"] input[name="name"]')
    for text, valid in (("churn-hourly_v2.1", True), ("a", True), ("two words", False), ("-dash", False)):
        name.fill(text)
        assert name.evaluate("input => input.checkValidity()") is valid, text
