"""`modelwatch server` end to end: a real process, its API over HTTP, a run on captured traffic, /metrics."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelwatch.baseline import suggest_baseline
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, churn_training_data, write_capture
from server_process import running_server

TOKEN = "admin-secret"
HOUR = datetime(2026, 11, 29, 10, tzinfo=UTC)


@contextmanager
def running(tmp_path: Path, *extra: str) -> Iterator[httpx.Client]:
    """A `modelwatch server` process with an admin token, and a client that sends it."""
    with (
        running_server(tmp_path / "data", "--admin-token", TOKEN, *extra) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client


@pytest.fixture
def server(tmp_path: Path) -> Iterator[httpx.Client]:
    with running(tmp_path) as client:
        yield client


def test_a_run_on_captured_traffic_through_the_api(server: httpx.Client, tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", churn_test_inputs().slice(1, 120), HOUR)
    baseline = tmp_path / "baseline"
    suggest_baseline(str(churn_training_data()), str(baseline))
    capture = str(tmp_path / "capture" / ENDPOINT / VARIANT)
    assert server.post("/api/v1/endpoints", json={"name": "churn", "capture_uri": capture}).status_code == 201
    created = server.post(
        "/api/v1/baselines",
        json={
            "name": "training",
            "statistics_uri": str(baseline / "statistics.json"),
            "constraints_uri": str(baseline / "constraints.json"),
        },
    )
    assert created.status_code == 201, created.text
    schedule = {"name": "hourly", "endpoint": "churn", "baseline": "training", "cron_expression": "0 * * * *"}
    assert server.post("/api/v1/schedules", json=schedule).status_code == 201
    window = {"start": HOUR.isoformat(), "end": (HOUR + timedelta(hours=1)).isoformat()}
    accepted = server.post("/api/v1/schedules/hourly/runs", json=window)
    assert accepted.status_code == 202, accepted.text

    deadline = time.monotonic() + 120
    while True:
        page = server.get("/api/v1/executions", params={"schedule": "hourly"}).json()
        if page["items"] and page["items"][0]["status"] not in ("Pending", "InProgress"):
            break
        assert time.monotonic() < deadline, page
        time.sleep(0.5)
    execution = server.get(f"/api/v1/executions/{page['items'][0]['id']}").json()
    assert execution["status"] == "Completed", execution
    assert execution["violations"] == []
    report = server.get(f"/api/v1/executions/{execution['id']}/files/report.html")
    assert report.status_code == 200
    assert "Completed" in report.text
    again = server.post("/api/v1/schedules/hourly/runs", json=window)
    assert again.status_code == 202

    metrics = server.get("/metrics")
    families = {family.name: family for family in text_string_to_metric_families(metrics.text)}
    statuses = {
        sample.labels["status"]: sample.value
        for sample in families["modelwatch_execution_status"].samples
        if sample.labels["schedule"] == "hourly"
    }
    assert statuses["Completed"] == 1.0
    assert sum(statuses.values()) == 1.0
    assert os.path.isdir(tmp_path / "data" / "reports" / "churn" / "hourly")


def test_the_api_needs_a_token_when_tokens_are_configured(server: httpx.Client) -> None:
    anonymous = httpx.get(server.base_url.join("/api/v1/schedules"))
    assert anonymous.status_code == 401
    assert server.get("/api/v1/schedules").json() == []


def test_metrics_are_open_unless_protected(server: httpx.Client, tmp_path: Path) -> None:
    assert httpx.get(server.base_url.join("/metrics")).status_code == 200
    with running(tmp_path / "protected", "--protect-metrics") as protected:
        assert httpx.get(protected.base_url.join("/metrics")).status_code == 401
        assert protected.get("/metrics").status_code == 200
