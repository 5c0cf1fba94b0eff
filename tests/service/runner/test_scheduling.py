"""Which windows a tick runs: the preceding hour, offsets, catch-up after downtime, stopped schedules, and
on-demand runs; each run is a real analysis of captured traffic against a real baseline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from modelwatch.errors import ModelwatchError
from modelwatch.service.metrics import SchedulerHealth
from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import Execution, ExecutionStatus, Schedule, ScheduleStatus, Store

from .conftest import DAY, Clock, MakeSchedule
from .helpers import executions, windows

FINISHED_OK = {ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS}
REPORT_FILES = {"statistics.json", "constraints.json", "constraint_violations.json"}


def _hour(hour: int) -> datetime:
    return DAY.replace(hour=hour)


def test_hourly_schedule_runs_the_preceding_hour_into_the_sagemaker_folder(
    store: Store, settings: RunnerSettings, clock: Clock, make_schedule: MakeSchedule
) -> None:
    finished: list[Execution] = []
    runner = Runner(store, settings, clock, on_finished=finished.append)
    schedule_id = make_schedule()
    assert runner.health() == SchedulerHealth(lag_seconds=300.0, queued=1, running=0), "10:00 is due at 10:05"

    ran = runner.tick()

    assert runner.health() == SchedulerHealth(lag_seconds=0.0, queued=0, running=0)
    [execution] = executions(store, schedule_id)
    assert ran == [execution.id]
    assert (execution.window_start, execution.window_end) == (_hour(9), _hour(10))
    assert execution.scheduled_at == _hour(10)
    assert execution.status in FINISHED_OK
    assert execution.exit_message is not None
    assert execution.exit_message.startswith(execution.status.value)
    assert execution.lease_expires_at is None
    folder = settings.data_dir / "reports" / "hourly-endpoint" / "hourly" / "2026" / "03" / "01" / "10"
    assert execution.report_uri == str(folder)
    assert {path.name for path in folder.iterdir()} >= REPORT_FILES
    violations = json.loads((folder / "constraint_violations.json").read_text())["violations"]
    assert execution.violation_count == len(violations)
    assert [(done.id, done.status, done.schedule.name) for done in finished] == [
        (execution.id, execution.status, "hourly")
    ]
    assert runner.tick() == [], "the window ran; nothing else is due before 11:00"


def test_offsets_shift_the_window(runner: Runner, store: Store, make_schedule: MakeSchedule) -> None:
    schedule_id = make_schedule(start_offset="-PT1H", end_offset="-PT1H")

    runner.tick()

    [execution] = executions(store, schedule_id)
    assert (execution.window_start, execution.window_end) == (_hour(8), _hour(9))
    assert execution.status in FINISHED_OK


def test_catch_up_after_downtime_runs_each_missed_hour(
    runner: Runner, store: Store, clock: Clock, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule()
    runner.tick()
    clock.advance(hours=3)
    waited = 2 * 3600 + 300  # the oldest missed fire time, 11:00, waited longest
    assert runner.health() == SchedulerHealth(lag_seconds=waited, queued=3, running=0)

    ran = runner.tick()

    assert len(ran) == 3
    assert windows(store, schedule_id) == [(_hour(h), _hour(h + 1)) for h in range(9, 13)]
    assert {row.status for row in executions(store, schedule_id)} <= FINISHED_OK


def test_catch_up_is_bounded_to_the_latest_windows(
    store: Store, settings: RunnerSettings, clock: Clock, make_schedule: MakeSchedule
) -> None:
    runner = Runner(
        store, RunnerSettings(owner=settings.owner, data_dir=settings.data_dir, max_catch_up=2), clock
    )
    schedule_id = make_schedule()
    clock.advance(hours=3)  # 13:05: the 10:00 to 13:00 fire times are due, only the latest two run

    assert len(runner.tick()) == 2
    assert windows(store, schedule_id) == [(_hour(11), _hour(12)), (_hour(12), _hour(13))]


def test_a_stopped_schedule_does_not_run(runner: Runner, store: Store, make_schedule: MakeSchedule) -> None:
    schedule_id = make_schedule(status=ScheduleStatus.STOPPED)

    assert runner.tick() == []
    assert executions(store, schedule_id) == []


def test_a_schedule_that_cannot_be_computed_is_failed(
    runner: Runner, store: Store, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule(start_offset="-PT1H", end_offset="-PT2H")

    assert runner.tick() == []
    with store.session() as session:
        schedule = session.get_one(Schedule, schedule_id)
    assert schedule.status is ScheduleStatus.FAILED
    assert schedule.failure_reason is not None
    assert "empty window" in schedule.failure_reason
    assert executions(store, schedule_id) == []


def test_run_now_runs_any_window_once(
    runner: Runner, store: Store, settings: RunnerSettings, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule(status=ScheduleStatus.STOPPED)

    execution_id = runner.run_now("hourly", _hour(12), _hour(13) + timedelta(minutes=30))

    [execution] = executions(store, schedule_id)
    assert execution.id == execution_id
    assert execution.scheduled_at is None
    assert execution.status in FINISHED_OK
    folder = Path(settings.data_dir, "reports", "hourly-endpoint", "hourly", "on-demand", str(execution_id))
    assert execution.report_uri == str(folder)
    assert {path.name for path in folder.iterdir()} >= REPORT_FILES
    with pytest.raises(ModelwatchError, match=f"already ran .* execution {execution_id} is Completed"):
        runner.run_now("hourly", _hour(12), _hour(13) + timedelta(minutes=30))


def test_run_now_refuses_unknown_schedules_and_empty_windows(
    runner: Runner, make_schedule: MakeSchedule
) -> None:
    make_schedule()
    with pytest.raises(ModelwatchError, match="no schedule named 'other'"):
        runner.run_now("other", _hour(12), _hour(13))
    with pytest.raises(ModelwatchError, match="is empty"):
        runner.run_now("hourly", _hour(13), _hour(12))


def test_a_window_without_data_fails_with_the_reason(
    runner: Runner, store: Store, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule()

    runner.run_now("hourly", _hour(20), _hour(21))

    [execution] = executions(store, schedule_id)
    assert execution.status is ExecutionStatus.FAILED
    assert execution.failure_reason is not None
    assert "no captured data" in execution.failure_reason
    assert execution.report_uri is None
