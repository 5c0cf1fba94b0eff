"""`/metrics` of a seeded store, parsed as Prometheus parses it."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from modelwatch.service.metrics import ASGIApp, SchedulerHealth, metrics_app
from modelwatch.service.store import ExecutionStatus, ScheduleStatus, Store

from .conftest import NOW, AddExecution, AddSchedule, Reports

HEALTH = SchedulerHealth(lag_seconds=12.5, queued=3, running=2)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def request(app: ASGIApp, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://modelwatch") as client:
            return await client.request(method, path, headers=headers)

    return asyncio.run(send())


def scrape(store: Store, health: SchedulerHealth = HEALTH) -> Samples:
    response = request(metrics_app(store, lambda: health), "GET", "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def metric_values(report: Path, prefix: str) -> dict[str, float]:
    document = json.loads((report / "metrics.json").read_text())
    return {
        entry["MetricName"].removeprefix(prefix): entry["Value"]
        for entry in document["metrics"]
        if entry["MetricName"].startswith(prefix)
    }


def test_per_schedule_metrics_describe_the_latest_execution(
    store: Store, reports: Reports, add_schedule: AddSchedule, add_execution: AddExecution
) -> None:
    hourly = add_schedule("hourly")
    stopped = add_schedule("nightly", endpoint="fraud", status=ScheduleStatus.STOPPED)
    older, newer = NOW.replace(minute=0) - timedelta(hours=1), NOW.replace(minute=0)
    add_execution(hourly, older, ExecutionStatus.COMPLETED, report=reports.normal, violations=0, duration=4)
    add_execution(
        hourly,
        newer,
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        report=reports.drifted,
        violations=3,
        duration=7.5,
    )
    add_execution(hourly, newer + timedelta(hours=1), ExecutionStatus.IN_PROGRESS)
    add_execution(stopped, older, ExecutionStatus.FAILED, duration=0.25)

    samples = scrape(store)

    hourly_labels = {"endpoint": "churn", "schedule": "hourly"}
    nightly_labels = {"endpoint": "fraud", "schedule": "nightly"}
    for status in ExecutionStatus:
        expected_hourly = 1.0 if status is ExecutionStatus.IN_PROGRESS else 0.0
        expected_nightly = 1.0 if status is ExecutionStatus.FAILED else 0.0
        assert (
            value(samples, "modelwatch_execution_status", **hourly_labels, status=status) == expected_hourly
        )
        assert (
            value(samples, "modelwatch_execution_status", **nightly_labels, status=status) == expected_nightly
        )
    assert value(samples, "modelwatch_execution_duration_seconds", **hourly_labels) == 7.5
    assert value(samples, "modelwatch_execution_timestamp_seconds", **hourly_labels) == newer.timestamp()
    assert value(samples, "modelwatch_execution_violations", **hourly_labels) == 3
    assert value(samples, "modelwatch_execution_duration_seconds", **nightly_labels) == 0.25
    assert value(samples, "modelwatch_execution_timestamp_seconds", **nightly_labels) == older.timestamp()
    assert value(samples, "modelwatch_execution_violations", **nightly_labels) is None
    assert value(samples, "modelwatch_schedule_interval_seconds", **hourly_labels) == 3600
    assert value(samples, "modelwatch_schedule_interval_seconds", **nightly_labels) is None


def test_feature_gauges_come_from_the_latest_completed_report(
    store: Store, reports: Reports, add_schedule: AddSchedule, add_execution: AddExecution
) -> None:
    hourly = add_schedule("hourly")
    add_execution(
        hourly, NOW.replace(minute=0), ExecutionStatus.COMPLETED_WITH_VIOLATIONS, report=reports.drifted
    )
    add_execution(hourly, NOW.replace(minute=0) + timedelta(hours=1), ExecutionStatus.FAILED)

    samples = scrape(store)

    drift = metric_values(reports.drifted, "feature_baseline_drift_")
    completeness = metric_values(reports.drifted, "feature_non_null_")
    type_match = metric_values(reports.drifted, "feature_data_type_")
    assert len(drift) == 70
    assert drift["Day Mins"] > 0.4
    labels = {"endpoint": "churn", "schedule": "hourly"}
    for feature, distance in drift.items():
        assert value(samples, "modelwatch_feature_baseline_drift", **labels, feature=feature) == distance
        assert (
            value(samples, "modelwatch_feature_completeness", **labels, feature=feature)
            == completeness[feature]
        )
        assert (
            value(samples, "modelwatch_feature_type_match", **labels, feature=feature) == type_match[feature]
        )
        violated = feature in {"Day Mins", "Eve Mins", "Night Calls"}
        assert value(samples, "modelwatch_feature_violation", **labels, feature=feature) == float(violated)
    assert value(samples, "modelwatch_feature_completeness", **labels, feature="Eve Mins") < 1


def test_reports_are_read_once_per_execution(
    store: Store, reports: Reports, add_schedule: AddSchedule, add_execution: AddExecution, tmp_path: Path
) -> None:
    copy = tmp_path / "report"
    shutil.copytree(reports.normal, copy)
    hourly = add_schedule("hourly")
    add_execution(hourly, NOW.replace(minute=0), ExecutionStatus.COMPLETED, report=copy)
    app = metrics_app(store, lambda: HEALTH)
    first = request(app, "GET", "/metrics").text
    shutil.rmtree(copy)
    assert request(app, "GET", "/metrics").text == first
    assert 'modelwatch_feature_baseline_drift{endpoint="churn",feature="Day Mins",schedule="hourly"}' in first

    add_execution(hourly, NOW.replace(minute=0) + timedelta(hours=1), ExecutionStatus.COMPLETED, report=copy)
    assert "modelwatch_feature_baseline_drift{" not in request(app, "GET", "/metrics").text


def test_unreadable_reports_and_odd_entries_are_skipped(
    store: Store, add_schedule: AddSchedule, add_execution: AddExecution, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    report.mkdir()
    entries = [
        {"MetricName": "feature_baseline_drift_price", "Value": 0.25},
        {"MetricName": "feature_non_null_price", "Value": True},
        {"MetricName": "feature_data_type_", "Value": 1.0},
        {"MetricName": "feature_data_distribution_price", "Value": 1.0},
        {"Value": 1.0},
        "not an entry",
    ]
    (report / "metrics.json").write_text(json.dumps({"metrics": entries}))
    violations = [
        {"feature_name": "color", "constraint_check_type": "extra_column_check", "description": "x"}
    ]
    (report / "constraint_violations.json").write_text(json.dumps({"violations": violations}))
    add_execution(add_schedule("odd"), NOW.replace(minute=0), ExecutionStatus.COMPLETED, report=report)
    add_execution(
        add_schedule("lost"), NOW.replace(minute=0), ExecutionStatus.COMPLETED, report=tmp_path / "gone"
    )

    samples = scrape(store)

    features = {
        (name, dict(labels)["schedule"], dict(labels)["feature"]): sample
        for (name, labels), sample in samples.items()
        if name.startswith("modelwatch_feature_")
    }
    assert features == {
        ("modelwatch_feature_baseline_drift", "odd", "price"): 0.25,
        ("modelwatch_feature_violation", "odd", "price"): 0.0,
        ("modelwatch_feature_violation", "odd", "color"): 1.0,
    }
    assert (
        value(samples, "modelwatch_execution_status", endpoint="churn", schedule="lost", status="Completed")
        == 1
    )


def test_scheduler_health_and_an_empty_store(store: Store) -> None:
    samples = scrape(store, SchedulerHealth(lag_seconds=0.5, queued=0, running=1))
    assert samples == {
        ("modelwatch_scheduler_lag_seconds", ()): 0.5,
        ("modelwatch_scheduler_queued_executions", ()): 0,
        ("modelwatch_scheduler_running_executions", ()): 1,
    }


def test_paths_methods_and_openmetrics(store: Store) -> None:
    app = metrics_app(store, lambda: HEALTH)
    assert request(app, "GET", "/other").status_code == 404
    assert request(app, "POST", "/metrics").status_code == 405
    openmetrics = {"Accept": "application/openmetrics-text; version=1.0.0"}
    response = request(app, "GET", "/metrics", openmetrics)
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
