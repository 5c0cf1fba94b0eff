"""The dashboard in headless chromium against a server seeded with real executions on the churn data.

Every page loads offline (nothing fetched but from the server) without console errors, its charts carry the
series they should, and the flows a user clicks through work: overview → drifting feature → back, the
only-violating filter, sorting the baseline table, creating a schedule (and a bad cron refused with the
API's message), stop / start / run now. Each page's full-page screenshot goes to MODELWATCH_SCREENSHOTS
(docs/screenshots with `make screenshots`), else to a temporary folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from modelwatch.client import Client

from .browser import Tab
from .conftest import GROUP
from .dom import column_texts, hrefs, points, series_names, status_text
from .seeding import BASELINE, DAILY, HOURLY, Seeded, wait_for_execution, wait_for_status

pytestmark = GROUP
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAGES: dict[str, Callable[[Seeded], str]] = {
    "overview": lambda seeded: "/",
    "schedules": lambda seeded: "/schedules",
    "schedule": lambda seeded: f"/schedules/{HOURLY}",
    "execution": lambda seeded: f"/executions/{seeded.drifted['id']}",
    "feature-history": lambda seeded: feature_history_path(HOURLY, drifting(seeded)[0]),
    "baselines": lambda seeded: "/baselines",
    "baseline": lambda seeded: f"/baselines/{BASELINE}",
}


def drifting(seeded: Seeded) -> list[str]:
    """The features with a violation in the latest execution, by name."""
    return sorted({violation["feature_name"] for violation in seeded.drifted["violations"] or ()})


def feature_history_path(schedule: str, feature: str) -> str:
    return f"/schedules/{schedule}/features/{quote(feature, safe='')}"


def main(page: Page, name: str) -> Locator:
    return page.locator(f'main[data-testid="page-{name}"]')


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MODELWATCH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_seeded_data_has_what_the_pages_show(seeded: Seeded) -> None:
    assert seeded.clean["status"] == "Completed"
    assert seeded.failed["status"] == "Failed"
    assert seeded.drifted["status"] == "CompletedWithViolations"
    assert len(drifting(seeded)) >= 2


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_renders_its_charts_offline(tab: Tab, seeded: Seeded, name: str, screenshots: Path) -> None:
    page = tab.open(PAGES[name](seeded))
    expect(main(page, name)).to_be_visible()
    assert {"/", "/schedules", "/baselines"} <= set(hrefs(page.locator('nav[data-testid="nav"] a')))
    for chart in page.locator("svg[data-testid]").all():
        box = chart.bounding_box()
        assert box is not None, chart.get_attribute("data-testid")
        assert min(box["width"], box["height"]) > 0, chart.get_attribute("data-testid")
        assert series_names(chart), f"{chart.get_attribute('data-testid')} draws no series"
    shot = screenshots / f"{name}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)


def test_the_overview_has_each_schedule_with_its_last_status_and_a_point_per_execution(
    tab: Tab, api: Client
) -> None:
    page = tab.open("/")
    schedules = [schedule["name"] for schedule in api.schedules.list()]
    expect(page.locator('[data-testid="schedule-row"]')).to_have_count(len(schedules))
    for name in (HOURLY, DAILY):
        executions = api.executions.list(schedule=name)
        row = page.locator(f'[data-testid="schedule-row"][data-schedule="{name}"]')
        expect(row.locator('[data-testid="status"]')).to_have_text(
            status_text(executions["items"][0]["status"])
        )
        chart = row.locator('svg[data-testid="violations-chart"]')
        assert series_names(chart) == ["violations"]
        assert points(chart.locator('[data-series="violations"]')) == executions["total"]


def test_the_overview_lists_the_latest_failed_run_and_the_features_drifting_now(
    tab: Tab, seeded: Seeded
) -> None:
    page = tab.open("/")
    listed = {unquote(href) for href in hrefs(page.locator('[data-testid="attention"] a'))}
    latest = seeded.drifted["id"]
    assert f"/executions/{seeded.failed['id']}" in listed
    assert {f"/executions/{latest}#feature-{feature}" for feature in drifting(seeded)} <= listed
    assert not any(href.startswith(f"/executions/{seeded.clean['id']}") for href in listed)


def test_from_the_overview_to_a_drifting_feature_and_back(tab: Tab, seeded: Seeded) -> None:
    feature = drifting(seeded)[0]
    page = tab.open("/")
    anchor = f"/executions/{seeded.drifted['id']}#feature-{quote(feature, safe='')}"
    page.locator(f'[data-testid="attention"] a[href="{anchor}"]').click()
    expect(main(page, "execution")).to_be_visible()
    assert unquote(page.url).endswith(f"#feature-{feature}")
    section = page.locator(f'section[data-testid="feature"][data-feature="{feature}"]')
    expect(section).to_have_attribute("data-violating", "true")
    expect(section).to_be_in_viewport()
    page.locator('a[data-testid="back-to-overview"]').click()
    expect(main(page, "overview")).to_be_visible()
    assert page.url == tab.origin + "/"


def test_the_execution_page_has_the_violations_and_both_distributions_per_feature(
    tab: Tab, seeded: Seeded
) -> None:
    page = tab.open(f"/executions/{seeded.drifted['id']}")
    violations = seeded.drifted["violations"] or []
    table = page.locator('table[data-testid="violations-table"]')
    expect(table.locator("tbody tr")).to_have_count(len(violations))
    for index, feature in enumerate(column_texts(table, 0)):
        link = table.locator("tbody tr").nth(index).locator("td").first.locator("a")
        assert unquote(link.get_attribute("href") or "") == f"#feature-{feature}"
    sections = page.locator('section[data-testid="feature"]')
    violating = sections.and_(page.locator('[data-violating="true"]'))
    assert sorted(violating.evaluate_all("all => all.map(s => s.dataset.feature)")) == drifting(seeded)
    assert sections.count() > len(drifting(seeded)), "the clean features are shown too"
    for feature in drifting(seeded):
        section = page.locator(f'section[data-testid="feature"][data-feature="{feature}"]')
        assert section.get_attribute("id") == f"feature-{feature}"
        for fact in ("completeness", "type match", "threshold"):
            expect(section).to_contain_text(re.compile(fact, re.IGNORECASE))
        assert sorted(series_names(section.locator('svg[data-testid="distribution-chart"]'))) == [
            "baseline",
            "current",
        ]
        history = section.locator('a[data-testid="feature-history"]')
        assert unquote(history.get_attribute("href") or "") == f"/schedules/{HOURLY}/features/{feature}"


def test_only_violating_hides_the_features_without_violations(tab: Tab, seeded: Seeded) -> None:
    page = tab.open(f"/executions/{seeded.drifted['id']}")
    clean = page.locator('section[data-testid="feature"][data-violating="false"]')
    violating = page.locator('section[data-testid="feature"][data-violating="true"]')
    expect(clean.first).to_be_visible()
    page.locator('input[data-testid="only-violating"]').check()
    for section in clean.all():
        expect(section).to_be_hidden()
    for section in violating.all():
        expect(section).to_be_visible()
    page.locator('input[data-testid="only-violating"]').uncheck()
    expect(clean.first).to_be_visible()


def test_the_feature_history_draws_drift_completeness_mean_and_the_threshold(
    tab: Tab, seeded: Seeded, api: Client
) -> None:
    feature = drifting(seeded)[0]
    page = tab.open(feature_history_path(HOURLY, feature))
    charts = page.locator('svg[data-testid^="history-chart"]')
    expect(charts.first).to_be_visible()
    names = [name for chart in charts.all() for name in series_names(chart)]
    for series in ("drift", "completeness", "mean"):
        assert names.count(series) == 1, names
    assert "threshold" in names
    executions = api.executions.list(schedule=HOURLY)["total"]
    assert points(page.locator('svg[data-testid^="history-chart"] [data-series="drift"]')) == executions


def test_the_baselines_page_links_to_the_baseline_explorer(tab: Tab) -> None:
    page = tab.open("/baselines")
    page.locator(f'main a[href="/baselines/{BASELINE}"]').first.click()
    expect(main(page, "baseline")).to_be_visible()


def test_the_baseline_explorer_shows_every_feature_and_the_constraints(tab: Tab, seeded: Seeded) -> None:
    statistics = httpx.get(seeded.url + "/api/v1/baselines/" + BASELINE).json()
    assert statistics["statistics_uri"] == seeded.statistics_uri
    features = Path(seeded.statistics_uri).read_text(encoding="utf-8").count('"name"')
    page = tab.open(f"/baselines/{BASELINE}")
    table = page.locator('table[data-testid="baseline-statistics"]')
    expect(table.locator("tbody tr")).to_have_count(features)
    expect(page.locator('[data-testid="baseline-constraints"]')).to_contain_text("Day Mins")


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None


def _numeric_column(table: Locator) -> int:
    """The index of the first sortable column whose cells are numbers with more than one value."""
    headers = table.locator("thead th")
    for index in range(headers.count()):
        values = [_as_number(text) for text in column_texts(table, index)]
        known = [value for value in values if value is not None]
        if headers.nth(index).get_attribute("data-sort") is not None and len(set(known)) > 1:
            return index
    raise AssertionError("the baseline table has no sortable numeric column")


def test_clicking_a_column_header_sorts_the_baseline_table(tab: Tab) -> None:
    page = tab.open(f"/baselines/{BASELINE}")
    table = page.locator('table[data-testid="baseline-statistics"]')
    index = _numeric_column(table)
    header = table.locator("thead th").nth(index)
    unsorted = column_texts(table, index)
    directions = []
    for _ in range(2):
        header.click()
        expect(header).to_have_attribute("aria-sort", re.compile("^(ascending|descending)$"))
        direction = header.get_attribute("aria-sort")
        numbers = [number for text in column_texts(table, index) if (number := _as_number(text)) is not None]
        assert numbers == sorted(numbers, reverse=direction == "descending"), direction
        assert sorted(column_texts(table, index)) == sorted(unsorted), "sorting keeps every row"
        directions.append(direction)
    assert sorted(directions) == ["ascending", "descending"], "a second click reverses the order"


def fill_form(form: Locator, fields: dict[str, str]) -> None:
    """Fill the form's inputs by their API field names (a `<select>` is chosen, an input typed into)."""
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def test_a_schedule_created_with_the_form_is_listed_and_in_the_api(tab: Tab, api: Client) -> None:
    page = tab.open("/schedules")
    form = page.locator('form[data-testid="schedule-form"]')
    fields = {"name": "from-the-form", "endpoint": "churn", "baseline": BASELINE}
    fields["cron_expression"] = "30 * * * *"
    fill_form(form, fields)
    form.locator('[type="submit"]').click()
    expect(page.locator('main a[href="/schedules/from-the-form"]').first).to_be_visible()
    created = api.schedules.get("from-the-form")
    assert (created["endpoint"], created["baseline"], created["cron_expression"]) == (
        "churn",
        BASELINE,
        "30 * * * *",
    )
    assert created["status"] == "Scheduled"


def test_a_bad_cron_shows_the_apis_message_and_creates_nothing(tab: Tab, seeded: Seeded, api: Client) -> None:
    fields = {"name": "bad-cron", "endpoint": "churn", "baseline": BASELINE}
    fields["cron_expression"] = "61 * * * *"
    refused = httpx.post(seeded.url + "/api/v1/schedules", json=fields)
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    page = tab.open("/schedules")
    form = page.locator('form[data-testid="schedule-form"]')
    fill_form(form, fields)
    tab.expect_refusal(422, "/api/v1/schedules")
    form.locator('[type="submit"]').click()
    expect(page.locator('[data-testid="form-error"]')).to_contain_text(message)
    assert page.url == tab.origin + "/schedules"
    assert "bad-cron" not in {schedule["name"] for schedule in api.schedules.list()}
    expect(page.locator('main a[href="/schedules/bad-cron"]')).to_have_count(0)


def test_stop_start_and_run_now_buttons(tab: Tab, api: Client) -> None:
    api.schedules.create("buttons", endpoint="churn", baseline=BASELINE, cron_expression="0 * * * *")
    page = tab.open("/schedules/buttons")
    expect(main(page, "schedule")).to_be_visible()
    status = page.locator('main [data-testid="schedule-status"]').first
    for action, now in (("stop", "Stopped"), ("start", "Scheduled")):
        page.locator(f'[data-testid="{action}"]').click()
        wait_for_status(api, "buttons", now)
        expect(status).to_have_text(status_text(now))
        page.wait_for_load_state()  # the reloaded page's script is ready for the next click
    page.locator('[data-testid="run-now"]').click()
    expect(page.locator('[data-testid="form-message"]')).to_be_visible()
    expect(page.locator('[data-testid="form-error"]')).to_be_hidden()
    assert wait_for_execution(api, "buttons", lambda execution: True) > 0
