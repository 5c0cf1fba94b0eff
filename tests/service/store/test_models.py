"""The models keep what they are given: every field round trips, names are unique, times stay UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from modelwatch.service.store import (
    AlertDelivery,
    Baseline,
    DeliveryStatus,
    Endpoint,
    Execution,
    ExecutionStatus,
    JobStatus,
    Schedule,
    ScheduleStatus,
    Store,
)

T0 = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


def test_every_model_round_trips(store: Store) -> None:
    tokyo = timezone(timedelta(hours=9))
    with store.session() as session:
        endpoint = Endpoint(name="churn", capture_uri="s3://b/capture", storage_options={"anon": False})
        baseline = Baseline(
            name="churn-job", dataset_uri="s3://b/train.csv", dataset_options={"header": True}
        )
        baseline.job_status = JobStatus.IN_PROGRESS
        schedule = Schedule(
            name="churn-hourly",
            endpoint=endpoint,
            baseline=baseline,
            cron_expression="cron(0 * ? * * *)",
            start_offset="-PT2H",
            end_offset="-PT1H",
            status=ScheduleStatus.SCHEDULED,
            alert_settings={"webhooks": ["https://hooks.example/x"], "on": ["CompletedWithViolations"]},
            max_runtime_seconds=1800,
        )
        execution = Execution(
            schedule=schedule,
            window_start=T0,
            window_end=T0 + timedelta(hours=1),
            scheduled_at=datetime(2026, 3, 1, 21, 0, tzinfo=tokyo),
            status=ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
            started_at=T0,
            ended_at=T0 + timedelta(seconds=90),
            duration_seconds=90.5,
            violation_count=3,
            exit_message="CompletedWithViolations: Job completed successfully with 3 violations.",
            report_uri="s3://b/reports/churn/churn-hourly/2026/03/01/12",
            lease_owner="host:1",
        )
        execution.deliveries.append(
            AlertDelivery(
                target="https://hooks.example/x",
                status=DeliveryStatus.DELIVERED,
                attempts=2,
                last_error="HTTP 503",
                delivered_at=T0 + timedelta(minutes=2),
            )
        )
        session.add(execution)

    with store.session() as session:
        stored = session.scalars(select(Execution)).one()
        assert stored.scheduled_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        assert stored.scheduled_at.tzinfo is UTC
        assert (stored.window_start, stored.window_end) == (T0, T0 + timedelta(hours=1))
        assert stored.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
        assert (stored.duration_seconds, stored.violation_count, stored.attempts) == (90.5, 3, 1)
        assert stored.report_uri == "s3://b/reports/churn/churn-hourly/2026/03/01/12"
        assert stored.schedule.endpoint.storage_options == {"anon": False}
        assert stored.schedule.baseline.job_status is JobStatus.IN_PROGRESS
        assert stored.schedule.baseline.dataset_options == {"header": True}
        assert stored.schedule.alert_settings["on"] == ["CompletedWithViolations"]
        assert (stored.schedule.start_offset, stored.schedule.end_offset) == ("-PT2H", "-PT1H")
        assert stored.schedule.status is ScheduleStatus.SCHEDULED
        [delivery] = stored.deliveries
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            DeliveryStatus.DELIVERED,
            2,
            "HTTP 503",
        )
        assert delivery.delivered_at == T0 + timedelta(minutes=2)
        assert delivery.created_at.tzinfo is UTC


def test_defaults_of_a_new_schedule(store: Store, make_schedule: Callable[[str], int]) -> None:
    schedule_id = make_schedule("defaults")
    with store.session() as session:
        schedule = session.get_one(Schedule, schedule_id)
        assert schedule.status is ScheduleStatus.PENDING
        assert (schedule.start_offset, schedule.end_offset, schedule.max_runtime_seconds) == (
            "PT0S",
            "PT0S",
            3600,
        )
        assert schedule.alert_settings == {}


@pytest.mark.parametrize("model", [Endpoint, Baseline, Schedule])
def test_names_are_unique(store: Store, make_schedule: Callable[[str], int], model: type) -> None:
    make_schedule("twice")
    with store.session() as session:
        existing = session.scalars(select(model)).first()
        assert existing is not None
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(_copy_named(existing, existing.name))


def _copy_named(row: Endpoint | Baseline | Schedule, name: str) -> Endpoint | Baseline | Schedule:
    if isinstance(row, Endpoint):
        return Endpoint(name=name, capture_uri="/elsewhere")
    if isinstance(row, Baseline):
        return Baseline(name=name, statistics_uri="/s.json", constraints_uri="/c.json")
    return Schedule(
        name=name, endpoint_id=row.endpoint_id, baseline_id=row.baseline_id, cron_expression="@daily"
    )


def test_a_window_is_stored_once_per_schedule(store: Store, make_schedule: Callable[[str], int]) -> None:
    first, second = make_schedule("a"), make_schedule("b")
    window = {"window_start": T0, "window_end": T0 + timedelta(hours=1), "status": ExecutionStatus.PENDING}
    with store.session() as session:
        session.add_all([Execution(schedule_id=first, **window), Execution(schedule_id=second, **window)])
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Execution(schedule_id=first, **window))


def test_a_baseline_needs_documents_or_a_dataset(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Baseline(name="nothing", statistics_uri="/only-statistics.json"))


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(
            Execution(schedule_id=999, window_start=T0, window_end=T0, status=ExecutionStatus.PENDING)
        )


def test_a_naive_datetime_is_refused(store: Store, make_schedule: Callable[[str], int]) -> None:
    schedule_id = make_schedule("naive")
    naive = datetime(2026, 3, 1, 11, 0)
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(
            Execution(
                schedule_id=schedule_id, window_start=naive, window_end=T0, status=ExecutionStatus.PENDING
            )
        )
