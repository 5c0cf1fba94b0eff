"""The execution ledger over HTTP: filters, pages with a total, and one execution with its violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelwatch.service.store import ExecutionStatus

from .conftest import Api, create_schedule, seed_executions

DONE, FLAGGED, FAILED = (
    ExecutionStatus.COMPLETED,
    ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
    ExecutionStatus.FAILED,
)


@pytest.fixture
def ledger(api: Api) -> list[int]:
    """Six executions of 'hourly' (hours 0-5 from T0) and two of 'daily'."""
    create_schedule(api.client).raise_for_status()
    create_schedule(api.client, "daily", cron_expression="@daily").raise_for_status()
    ids = seed_executions(api.store, "hourly", [DONE, FLAGGED, FAILED, DONE, FLAGGED, DONE])
    return ids + seed_executions(api.store, "daily", [DONE, FAILED])


def test_all_executions_latest_window_first(api: Api, ledger: list[int]) -> None:
    page = api.client.get("/executions").json()
    assert page["total"] == 8
    assert (page["limit"], page["offset"]) == (100, 0)
    starts = [item["window_start"] for item in page["items"]]
    assert starts == sorted(starts, reverse=True)
    first = page["items"][0]
    assert first["schedule"] == "hourly"
    assert first["window_start"] == "2026-01-01T05:00:00Z"
    assert first["window_end"] == "2026-01-01T06:00:00Z"
    assert first["duration_seconds"] == 5.0


def test_pages_cover_everything_once(api: Api, ledger: list[int]) -> None:
    seen = []
    for offset in range(0, 8, 3):
        page = api.client.get("/executions", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 8
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(ledger)
    beyond = api.client.get("/executions", params={"offset": 50}).json()
    assert (beyond["items"], beyond["total"]) == ([], 8)


def test_filter_by_schedule_and_status(api: Api, ledger: list[int]) -> None:
    daily = api.client.get("/executions", params={"schedule": "daily"}).json()
    assert daily["total"] == 2
    assert {item["schedule"] for item in daily["items"]} == {"daily"}
    flagged = api.client.get(
        "/executions", params={"schedule": "hourly", "status": "CompletedWithViolations"}
    )
    assert [item["id"] for item in flagged.json()["items"]] == [ledger[4], ledger[1]]
    either = api.client.get(
        "/executions", params=[("status", "Failed"), ("status", "CompletedWithViolations")]
    )
    assert either.json()["total"] == 4


def test_filter_by_time(api: Api, ledger: list[int]) -> None:
    params = {"schedule": "hourly", "start": "2026-01-01T02:00:00Z", "end": "2026-01-01T04:00:00+00:00"}
    page = api.client.get("/executions", params=params).json()
    assert [item["window_start"] for item in page["items"]] == [
        "2026-01-01T03:00:00Z",
        "2026-01-01T02:00:00Z",
    ]
    shifted = api.client.get("/executions", params={"start": "2026-01-01T06:30:00+01:00"}).json()
    assert shifted["total"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "Done"}, "status.0"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-01-01T00:00:00"}, "end"),
    ],
)
def test_bad_query_names_the_parameter(api: Api, params: dict[str, object], field: str) -> None:
    response = api.client.get("/executions", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_unknown_schedule_filter_and_unknown_id(api: Api, ledger: list[int]) -> None:
    assert api.client.get("/executions", params={"schedule": "weekly"}).status_code == 404
    assert api.client.get("/executions/999999").status_code == 404
    assert api.client.get(f"/executions/{2**70}").status_code == 422


def test_one_execution_with_its_violations_and_files(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    report = api.data_dir / "reports" / "hourly" / "0"
    report.mkdir(parents=True)
    violation = {
        "feature_name": "age",
        "constraint_check_type": "data_type_check",
        "description": "Data type match requirement is not met.",
    }
    (report / "constraint_violations.json").write_text(json.dumps({"violations": [violation]}))
    (report / "statistics.json").write_text("{}")
    (execution_id,) = seed_executions(api.store, "hourly", [FLAGGED], lambda _hour: str(report))

    detail = api.client.get(f"/executions/{execution_id}").json()
    assert detail["violations"] == [violation]
    assert detail["violations_error"] is None
    assert detail["report_uri"] == str(report)
    assert set(detail["files"]) == {"statistics.json", "constraint_violations.json"}
    link = detail["files"]["statistics.json"]
    assert link.endswith(f"/api/v1/executions/{execution_id}/files/statistics.json")
    assert api.client.get(link).json() == {}


def test_execution_without_a_report(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    (execution_id,) = seed_executions(api.store, "hourly", [FAILED])
    detail = api.client.get(f"/executions/{execution_id}").json()
    assert (detail["violations"], detail["files"], detail["report_uri"]) == (None, {}, None)


def test_unreadable_violations_are_reported_not_raised(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    report = api.data_dir / "r"
    report.mkdir(parents=True)
    (report / "constraint_violations.json").write_text("{broken")
    (execution_id,) = seed_executions(api.store, "hourly", [FLAGGED], lambda _hour: f"file://{report}")
    detail = api.client.get(f"/executions/{execution_id}").json()
    assert detail["violations"] is None
    assert "not valid JSON" in detail["violations_error"]


def test_report_outside_the_data_dir_is_neither_shown_nor_read(api: Api, tmp_path: Path) -> None:
    create_schedule(api.client).raise_for_status()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "constraint_violations.json").write_text('{"violations": []}')
    (execution_id,) = seed_executions(api.store, "hourly", [DONE], lambda _hour: str(outside))
    response = api.client.get(f"/executions/{execution_id}")
    assert str(outside) not in response.text
    assert (response.json()["report_uri"], response.json()["violations"]) == (None, None)
    assert str(outside) not in api.client.get("/executions").text


def test_remote_report_is_linked_but_not_served(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    uri = "s3://bucket/reports/hourly/0"
    (execution_id,) = seed_executions(api.store, "hourly", [DONE], lambda _hour: uri)
    detail = api.client.get(f"/executions/{execution_id}").json()
    assert (detail["report_uri"], detail["files"]) == (uri, {})
    assert api.client.get(f"/executions/{execution_id}/files/statistics.json").status_code == 404


def test_deleting_a_schedule_deletes_its_executions(api: Api, ledger: list[int]) -> None:
    assert api.client.delete("/schedules/daily").status_code == 204
    assert api.client.get("/executions").json()["total"] == 6
    assert api.client.get(f"/executions/{ledger[-1]}").status_code == 404


def test_stop_a_running_execution(api: Api) -> None:
    create_schedule(api.client).raise_for_status()
    running, done = seed_executions(api.store, "hourly", [ExecutionStatus.IN_PROGRESS, DONE])
    stopped = api.client.post(f"/executions/{running}/stop")
    assert stopped.status_code == 202
    assert stopped.json()["status"] == "Stopping"
    assert api.client.get(f"/executions/{running}").json()["status"] == "Stopping"
    finished = api.client.post(f"/executions/{done}/stop")
    assert finished.status_code == 409
    assert "only a running one can be stopped" in finished.json()["error"]["message"]
    assert api.client.post("/executions/999999/stop").status_code == 404
