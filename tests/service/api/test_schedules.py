"""Schedules over HTTP: the lifecycle, start and stop, and cron and offsets validated with the field named."""

from __future__ import annotations

import pytest

from .conftest import Api, create_schedule


def test_schedule_lifecycle(api: Api) -> None:
    created = create_schedule(api.client, start_offset="-PT1H", alert_settings={"webhooks": ["http://h"]})
    assert created.status_code == 201
    assert created.json() == {
        "name": "hourly",
        "endpoint": "ep",
        "baseline": "base",
        "cron_expression": "0 * * * *",
        "start_offset": "-PT1H",
        "end_offset": "PT0S",
        "status": "Scheduled",
        "failure_reason": None,
        "alert_settings": {"webhooks": ["http://h"]},
        "max_runtime_seconds": 3600,
        "created_at": created.json()["created_at"],
    }
    assert [schedule["name"] for schedule in api.client.get("/schedules").json()] == ["hourly"]

    api.client.post("/baselines", json={"name": "other", "dataset_uri": "/d"}).raise_for_status()
    change = {"endpoint": "ep", "baseline": "other", "cron_expression": "cron(0 5 ? * * *)"}
    replaced = api.client.put("/schedules/hourly", json={**change, "max_runtime_seconds": 600})
    assert replaced.status_code == 200
    assert replaced.json()["baseline"] == "other"
    assert replaced.json()["cron_expression"] == "cron(0 5 ? * * *)"
    assert replaced.json()["start_offset"] == "PT0S"
    assert replaced.json()["max_runtime_seconds"] == 600
    assert api.client.get("/schedules/hourly").json()["baseline"] == "other"

    assert api.client.delete("/schedules/hourly").status_code == 204
    assert api.client.get("/schedules/hourly").status_code == 404


def test_stop_and_start(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    stopped = api.client.post("/schedules/hourly/stop")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "Stopped"
    assert api.client.get("/schedules/hourly").json()["status"] == "Stopped"
    started = api.client.post("/schedules/hourly/start")
    assert started.json()["status"] == "Scheduled"
    assert api.client.get("/schedules/hourly").json()["status"] == "Scheduled"


def test_unknown_schedule_is_404_on_every_route(api: Api) -> None:
    body = {"endpoint": "ep", "baseline": "base", "cron_expression": "0 * * * *"}
    assert api.client.get("/schedules/nope").status_code == 404
    assert api.client.put("/schedules/nope", json=body).status_code == 404
    assert api.client.delete("/schedules/nope").status_code == 404
    assert api.client.post("/schedules/nope/start").status_code == 404
    assert api.client.post("/schedules/nope/stop").status_code == 404


def test_duplicate_schedule_is_409(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    duplicate = create_schedule(api.client)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == {"message": "schedule 'hourly' already exists", "field": "name"}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("cron_expression", "0 * * *", "expected 5 fields"),
        ("cron_expression", "61 * * * *", "minute"),
        ("cron_expression", "NOW", "one-time"),
        ("start_offset", "PT1H", "positive"),
        ("end_offset", "-P1M", "years and months"),
        ("end_offset", "an hour", "ISO 8601"),
    ],
)
def test_bad_cron_or_offset_names_the_field(api: Api, field: str, value: str, expected: str) -> None:
    response = create_schedule(api.client, **{field: value})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert expected in error["message"]
    assert "Value error" not in error["message"]


def test_unknown_endpoint_or_baseline_in_the_body(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    body = {"name": "s2", "endpoint": "ghost", "baseline": "base", "cron_expression": "@daily"}
    response = api.client.post("/schedules", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {"message": "endpoint: no endpoint named 'ghost'", "field": "endpoint"}
    body = {"endpoint": "ep", "baseline": "ghost", "cron_expression": "@daily"}
    response = api.client.put("/schedules/hourly", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "baseline"


def test_bad_runtime_and_missing_cron(api: Api) -> None:
    runtime = create_schedule(api.client, max_runtime_seconds=0)
    assert runtime.status_code == 422
    assert runtime.json()["error"]["field"] == "max_runtime_seconds"
    missing = api.client.post("/schedules", json={"name": "s", "endpoint": "ep", "baseline": "base"})
    assert missing.status_code == 422
    assert missing.json()["error"] == {
        "message": "cron_expression: Field required",
        "field": "cron_expression",
    }
