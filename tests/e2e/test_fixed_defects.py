"""Defects the browser tests once found, kept from coming back.

Console errors: no icon (chromium's GET /favicon.ico was a 404), and the schedule form's name `pattern`
invalid under the `v` flag chromium compiles patterns with (an unescaped `-` in a class), so the name went
unchecked. Seen on the screenshots: table cells split inside words and numbers, a status icon no font had
(an empty box), a failed point drawn filled though the caption says hollow, Start and Stop both enabled
whatever the status, the window given as ISO offsets; and a failed run left off the attention list once a
later run passed.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from modelwatch.client import Client

from .browser import Tab
from .conftest import GROUP
from .dom import hrefs
from .seeding import BASELINE, HOURLY, Seeded

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


# Each line break inside a table cell, as "cell text: the character before | the one after", unless it
# falls after a space (or <br>) or a dash in prose, or after a slash. Headers and numeric cells never wrap.
BAD_BREAKS = """() => {
  const found = [];
  for (const cell of document.querySelectorAll('main table th, main table td')) {
    const strict = cell.matches('thead th, .mw-num, td[data-value]');
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let previous = null, spaced = false;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.ELEMENT_NODE) { spaced ||= node.tagName === 'BR'; continue; }
      const path = node.parentElement.closest('code') !== null;
      for (let i = 0; i < node.length; i++) {
        const char = node.data[i];
        if (/\\s/.test(char)) { spaced = true; continue; }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (previous && box.top > previous.top + box.height / 2) {
          const allowed = spaced || previous.char === '/' || (!path && '-–'.includes(previous.char));
          if (strict || !allowed) found.push(`${cell.textContent.trim()}: ${previous.char}|${char}`);
        }
        previous = { top: box.top, char };
        spaced = false;
      }
    }
  }
  return found;
}"""
# Whether each status badge's icon is drawn from a font, not as the box of a missing glyph.
MISSING_ICONS = """() => [...document.querySelectorAll('.mw-badge > [aria-hidden]')].filter(icon => {
  const draw = text => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 48;
    const context = canvas.getContext('2d');
    context.font = getComputedStyle(icon).font;
    context.fillText(text, 8, 36);
    return canvas.toDataURL();
  };
  return draw(icon.textContent) === draw('\\u{10FFFD}');
}).map(icon => icon.parentElement.textContent.trim())"""


@pytest.mark.parametrize(
    "path", ["/schedules", f"/schedules/{HOURLY}", "/baselines", f"/baselines/{BASELINE}"]
)
def test_table_cells_wrap_between_words_only(tab: Tab, path: str) -> None:
    page = tab.open(path)
    page.set_viewport_size({"width": 900, "height": 800})
    assert page.evaluate(BAD_BREAKS) == []


def test_the_feature_historys_table_wraps_between_words_only(tab: Tab, seeded: Seeded) -> None:
    feature = sorted({violation["feature_name"] for violation in seeded.drifted["violations"] or ()})[0]
    page = tab.open(f"/schedules/{HOURLY}/features/{quote(feature, safe='')}")
    assert page.evaluate(BAD_BREAKS) == []


@pytest.mark.parametrize("path", ["/", "/schedules", f"/schedules/{HOURLY}"])
def test_every_status_icon_is_in_a_font(tab: Tab, path: str) -> None:
    page = tab.open(path)
    assert page.locator(".mw-badge").count() > 0
    assert page.evaluate(MISSING_ICONS) == []


def test_a_failed_point_is_hollow_as_the_caption_says(tab: Tab) -> None:
    page = tab.open("/")
    card = page.locator(f'[data-testid="schedule-row"][data-schedule="{HOURLY}"]')
    expect(card.locator("figcaption")).to_contain_text("hollow marks are runs without a count")
    failed = card.locator('[data-series="violations"] circle.mw-unknown')
    expect(failed).to_have_count(1)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    fill, stroke = failed.evaluate(
        "circle => [getComputedStyle(circle).fill, getComputedStyle(circle).stroke]"
    )
    assert fill == background
    assert stroke != background


def test_the_schedule_page_offers_only_the_action_that_applies_and_says_its_window_in_words(tab: Tab) -> None:
    page = tab.open(f"/schedules/{HOURLY}")
    start, stop = page.locator('[data-testid="start"]'), page.locator('[data-testid="stop"]')
    expect(start).to_be_disabled()
    expect(start).to_have_attribute("title", "already scheduled")
    expect(stop).to_be_enabled()
    window = page.locator("main dl dt", has_text="Window").locator("xpath=following-sibling::dd[1]")
    expect(window).to_have_text("each run analyses the data from the previous run to this run")


def test_a_failed_run_stays_on_the_attention_list_after_a_later_run_passed(tab: Tab, api: Client) -> None:
    executions = api.executions.list(schedule=HOURLY)["items"]
    failed = [execution["id"] for execution in executions if execution["status"] == "Failed"]
    assert failed, "the seeded hourly schedule has a failed run"
    assert executions[0]["status"] != "Failed", "and a later one that did not fail"
    page = tab.open("/")
    listed = hrefs(page.locator('[data-testid="attention"] a'))
    assert {f"/executions/{execution}" for execution in failed} <= set(listed)
