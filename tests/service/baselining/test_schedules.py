"""Schedules on a baseline job: a window waits while it runs, run once it completes, fail when it failed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from modelwatch.service.runner import Runner
from modelwatch.service.store import Baseline, ExecutionStatus, JobStatus, Store
from service.runner.helpers import executions, windows

from .conftest import DAY, Clock, MakeBaseline

MakeSchedule = Callable[[int], int]
RAN = {ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS}


def stored(store: Store, baseline_id: int) -> Baseline:
    with store.session() as session:
        return session.get_one(Baseline, baseline_id)


def hours(*starts: int) -> list[tuple[datetime, datetime]]:
    return [(DAY.replace(hour=hour), DAY.replace(hour=hour) + timedelta(hours=1)) for hour in starts]


def test_a_window_waits_for_a_running_job_then_runs_once(
    runner: Runner,
    store: Store,
    clock: Clock,
    make_baseline: MakeBaseline,
    make_schedule: MakeSchedule,
    baseline_dir: Path,
) -> None:
    baseline_id = make_baseline(job_status=JobStatus.IN_PROGRESS)  # another server is baselining it
    schedule_id = make_schedule(baseline_id)

    assert runner.tick() == []
    clock.advance(minutes=30)
    assert runner.tick() == []
    assert executions(store, schedule_id) == [], "deferred, not failed: no execution is recorded"
    assert runner.health().queued == 1, "the window stays due"

    with store.session() as session:  # the other server's job completes
        session.execute(
            update(Baseline)
            .where(Baseline.id == baseline_id)
            .values(
                job_status=JobStatus.COMPLETED,
                statistics_uri=str(baseline_dir / "statistics.json"),
                constraints_uri=str(baseline_dir / "constraints.json"),
            )
        )
    ran = runner.tick()
    assert runner.tick() == []

    rows = executions(store, schedule_id)
    assert ran == [row.id for row in rows]
    assert windows(store, schedule_id) == hours(9)
    assert {row.status for row in rows} <= RAN


def test_a_pending_job_runs_first_and_its_windows_on_its_documents(
    runner: Runner, store: Store, make_baseline: MakeBaseline, make_schedule: MakeSchedule, data_dir: Path
) -> None:
    baseline_id = make_baseline()
    schedule_id = make_schedule(baseline_id)

    ran = runner.tick()

    [row] = executions(store, schedule_id)
    assert ran == [row.id]
    assert windows(store, schedule_id) == hours(9)
    assert row.status in RAN, row.failure_reason
    job = stored(store, baseline_id)
    assert job.job_status is JobStatus.COMPLETED
    assert job.statistics_uri == str(data_dir / "baselines" / "churn" / "statistics.json")


def test_a_failed_job_fails_its_schedules_executions_with_its_reason(
    runner: Runner, store: Store, make_baseline: MakeBaseline, make_schedule: MakeSchedule
) -> None:
    baseline_id = make_baseline(dataset_uri="/nowhere/train.csv")
    schedule_id = make_schedule(baseline_id)

    ran = runner.tick()

    [row] = executions(store, schedule_id)
    assert ran == [row.id]
    job = stored(store, baseline_id)
    assert job.job_status is JobStatus.FAILED
    assert job.failure_reason
    assert row.status is ExecutionStatus.FAILED
    assert row.failure_reason == f"baseline 'churn': its baselining job failed: {job.failure_reason}"
