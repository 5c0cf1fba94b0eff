"""The overview and the schedule pages on real executions: rows, statuses, charts, attention, forms."""

from __future__ import annotations

import httpx

from modelwatch.service.api.models import ScheduleCreate

from .conftest import page
from .dom import Element
from .seeding import DAILY, HOURLY, IDLE, Seeded


def points(chart: Element, series: str) -> list[Element]:
    return chart.one("g", data_series=series).all("circle")


def test_the_overview_shows_every_schedule_with_its_last_status_and_violations(
    client: httpx.Client, seeded: Seeded
) -> None:
    main = page(client, "/").one("main", data_testid="page-overview")
    rows = {row.get("data-schedule"): row for row in main.all(data_testid="schedule-row")}
    assert set(rows) == {DAILY, HOURLY, IDLE}
    assert rows[HOURLY].one(data_testid="status").text.strip() == "⚠ Completed with violations"
    assert rows[DAILY].one(data_testid="status").text.strip() == "✕ Failed"
    assert rows[IDLE].one(data_testid="status").text == "no execution yet"
    hourly = rows[HOURLY].one("svg", data_testid="violations-chart")
    assert [g.get("data-series") for g in hourly.all("g") if g.get("data-series")] == ["violations"]
    titles = [circle.one("title").text for circle in points(hourly, "violations")]
    assert len(titles) == 3, "one point per execution"
    assert titles[-1].endswith(f"violations {len(seeded.drifted_violations)} (CompletedWithViolations)")
    failed = points(rows[DAILY].one("svg", data_testid="violations-chart"), "violations")
    assert [circle.get("class") for circle in failed] == ["mw-point mw-unknown"]
    assert not points(rows[IDLE].one("svg", data_testid="violations-chart"), "violations")
    endpoints = main.all("tr", data_testid="endpoint-row")
    assert [row.all("td")[0].text for row in endpoints] == ["churn"]


def test_attention_lists_the_failed_run_then_each_feature_violating_now(
    client: httpx.Client, seeded: Seeded
) -> None:
    attention = page(client, "/").one(data_testid="attention")
    links = [(link.get("href"), link.text) for link in attention.all("a")]
    assert links[0] == (f"/executions/{seeded.failed}", f"{DAILY}: the latest execution failed")
    assert "no captured data between" in attention.all("li")[0].text
    features = {text.removesuffix(f" in {HOURLY}"): href for href, text in links[1:]}
    assert sorted(features) == seeded.drifted_violations
    assert features["Day Mins"] == f"/executions/{seeded.drifted}#feature-Day%20Mins"


def test_the_schedules_page_lists_schedules_and_a_form_named_as_the_api(client: httpx.Client) -> None:
    main = page(client, "/schedules").one("main", data_testid="page-schedules")
    assert [row.get("data-schedule") for row in main.all("tr", data_testid="schedule-row")] == [
        DAILY,
        HOURLY,
        IDLE,
    ]
    form = main.one("form", data_testid="schedule-form")
    assert form.get("data-api") == "/api/v1/schedules"
    names = {control.get("name") for control in form.iter() if control.tag in ("input", "select", "textarea")}
    assert names == set(ScheduleCreate.model_fields)
    assert [option.text for option in form.one("select", name="endpoint").all("option")] == ["churn"]
    assert [o.text for o in form.one("select", name="baseline").all("option")] == [
        "churn-training",
        "odd-names",
    ]
    assert form.one("button").get("disabled") is None
    assert main.one(data_testid="form-error").get("hidden") == ""


def test_a_schedule_page_lists_its_executions_newest_first_with_its_actions(
    client: httpx.Client, seeded: Seeded
) -> None:
    main = page(client, f"/schedules/{HOURLY}").one("main", data_testid="page-schedule")
    rows = [int(row.get("data-execution") or 0) for row in main.all("tr", data_testid="execution-row")]
    assert rows == [seeded.drifted, seeded.normal, seeded.gone]
    for action in ("start", "stop"):
        button = main.one("button", data_testid=action)
        assert button.get("data-api") == f"/api/v1/schedules/{HOURLY}/{action}"
    assert main.one("button", data_testid="start").get("title") == "already scheduled"
    assert main.one("button", data_testid="start").get("disabled") == ""
    assert main.one("button", data_testid="stop").get("disabled") is None
    assert facts(main)["Window"] == "each run analyses the data from the previous run to this run"
    run = main.one("form", data_testid="run-form")
    assert run.get("data-api") == f"/api/v1/schedules/{HOURLY}/runs"
    assert {control.get("name") for control in run.all("input")} == {"start", "end"}
    button = run.one("button", data_testid="run-now")
    assert button.get("disabled") == ""
    assert "runs no scheduler" in (button.get("title") or "")
    assert len(main.all(data_testid="form-error")) == 1


def facts(main: Element) -> dict[str, str]:
    terms, values = main.one("dl").all("dt"), main.one("dl").all("dd")
    return {term.text: value.text for term, value in zip(terms, values, strict=True)}


def test_a_stopped_schedules_page_offers_start_and_says_its_window_in_words(client: httpx.Client) -> None:
    body = {"endpoint": "churn", "baseline": "churn-training", "cron_expression": "0 * * * *"}
    body |= {"start_offset": "-PT1H", "end_offset": "-PT5M"}
    client.post("/api/v1/schedules", json={"name": "paused", **body}).raise_for_status()
    try:
        client.post("/api/v1/schedules/paused/stop").raise_for_status()
        main = page(client, "/schedules/paused").one("main", data_testid="page-schedule")
        assert main.one("button", data_testid="start").get("disabled") is None
        stop = main.one("button", data_testid="stop")
        assert (stop.get("disabled"), stop.get("title")) == ("", "already stopped")
        window = "each run analyses the data from 1 h before the previous run to 5 min before this run"
        assert facts(main)["Window"] == window
    finally:
        client.delete("/api/v1/schedules/paused").raise_for_status()


def test_a_schedule_without_executions_says_so(client: httpx.Client) -> None:
    main = page(client, f"/schedules/{IDLE}").one("main", data_testid="page-schedule")
    assert main.one(data_testid="empty").text == "No executions yet."


def test_unknown_schedules_are_404_pages(client: httpx.Client) -> None:
    for path in (
        "/schedules/nope",
        "/schedules/nope/features/Day%20Mins",
        f"/schedules/{HOURLY}/features/nope",
    ):
        main = page(client, path, 404).one("main", data_testid="page-not-found")
        assert "not found" in main.one(data_testid="message").text


def test_what_the_schedule_form_posts_creates_a_schedule_and_a_bad_cron_gets_one_line(
    client: httpx.Client,
) -> None:
    """The body dashboard.js builds from the form's defaults; the API's message is what the form shows."""
    body = {
        "name": "from-the-form",
        "endpoint": "churn",
        "baseline": "churn-training",
        "cron_expression": "0 * * * *",
        "start_offset": "PT0S",
        "end_offset": "PT0S",
        "max_runtime_seconds": 3600,
    }
    bad = client.post("/api/v1/schedules", json={**body, "cron_expression": "61 * * * *"})
    assert bad.status_code == 422
    message = bad.json()["error"]["message"]
    assert message.startswith("cron_expression: ")
    assert "\n" not in message
    created = client.post("/api/v1/schedules", json=body)
    assert created.status_code == 201, created.text
    try:
        listed = page(client, "/schedules").all("tr", data_testid="schedule-row")
        assert "from-the-form" in [row.get("data-schedule") for row in listed]
    finally:
        client.delete("/api/v1/schedules/from-the-form").raise_for_status()
