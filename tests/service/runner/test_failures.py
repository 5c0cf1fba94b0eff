"""Executions that go wrong: too long, their server killed or stopped, nobody left to retry them."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from modelwatch.service.runner import MAX_ATTEMPTS, Runner, RunnerSettings
from modelwatch.service.store import ORPHAN_REASON, ExecutionStatus, Store, claim_window

from .conftest import DAY, Clock, MakeSchedule
from .helpers import executions

LEASE = timedelta(minutes=2)


def test_an_execution_past_its_max_runtime_is_killed_and_stopped(
    runner: Runner, store: Store, make_schedule: MakeSchedule
) -> None:
    # The schedule model has no preprocessor to make an analysis sleep, so the limit is made 0 s instead:
    # no analysis ends before it, and the worker is killed at the first check.
    schedule_id = make_schedule(max_runtime_seconds=0)

    ran = runner.tick()

    [execution] = executions(store, schedule_id)
    assert ran == [execution.id]
    assert execution.status is ExecutionStatus.STOPPED
    assert execution.failure_reason == "exceeded max runtime of 0 s"
    assert execution.report_uri is None
    assert execution.violation_count is None


def test_a_window_left_by_a_crashed_server_is_rerun_once(
    runner: Runner, store: Store, clock: Clock, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule()
    window = (DAY.replace(hour=9), DAY.replace(hour=10))
    crashed = claim_window(store, schedule_id, *window, "crashed-server", LEASE, scheduled_at=window[1])
    assert crashed is not None

    assert runner.tick() == [], "the crashed server's lease still holds the window"
    clock.advance(minutes=3)
    assert runner.tick() == [crashed.id]
    assert runner.tick() == []

    [execution] = executions(store, schedule_id)
    assert (execution.status, execution.attempts) == (ExecutionStatus.COMPLETED, 2)
    assert execution.lease_owner == "test-server"


def test_expired_executions_that_cannot_be_retried_are_failed(
    runner: Runner, store: Store, clock: Clock, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule()
    on_demand = claim_window(store, schedule_id, DAY.replace(hour=12), DAY.replace(hour=13), "crashed", LEASE)
    worn_out = claim_window(
        store,
        schedule_id,
        DAY.replace(hour=9),
        DAY.replace(hour=10),
        "crashed",
        LEASE,
        scheduled_at=DAY.replace(hour=10),
    )
    assert on_demand is not None
    assert worn_out is not None
    for _ in range(MAX_ATTEMPTS - 1):  # every takeover counts an attempt
        clock.advance(minutes=3)
        assert claim_window(store, schedule_id, *(worn_out.window_start, worn_out.window_end), "x", LEASE)
    clock.advance(minutes=3)

    assert runner.tick() == []

    rows = {row.id: row for row in executions(store, schedule_id)}
    assert {rows[on_demand.id].status, rows[worn_out.id].status} == {ExecutionStatus.FAILED}
    assert rows[on_demand.id].failure_reason == ORPHAN_REASON


def test_serve_forever_ticks_until_stopped(
    store: Store, settings: RunnerSettings, clock: Clock, make_schedule: MakeSchedule
) -> None:
    stop = threading.Event()
    runner = Runner(store, settings, clock, on_finished=lambda execution: stop.set())
    schedule_id = make_schedule()
    serving = threading.Thread(target=runner.serve_forever, args=(stop,))

    serving.start()
    serving.join(timeout=60)

    assert not serving.is_alive()
    assert [row.status for row in executions(store, schedule_id)] == [ExecutionStatus.COMPLETED]


def test_a_stopping_server_releases_its_execution_for_a_rerun(
    store: Store, settings: RunnerSettings, clock: Clock, make_schedule: MakeSchedule
) -> None:
    schedule_id = make_schedule()
    stop = threading.Event()
    runner = Runner(store, settings, clock)
    serving = threading.Thread(target=runner.serve_forever, args=(stop,))
    serving.start()
    deadline = time.monotonic() + 30
    while runner.health().running == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    serving.join(timeout=30)

    [left] = executions(store, schedule_id)
    assert left.status is ExecutionStatus.IN_PROGRESS
    assert left.lease_expires_at == clock()
    clock.advance(seconds=1)
    other = Runner(store, RunnerSettings(owner="other-server", data_dir=settings.data_dir), clock)
    assert other.tick() == [left.id]
    [rerun] = executions(store, schedule_id)
    assert (rerun.status, rerun.attempts, rerun.lease_owner) == (ExecutionStatus.COMPLETED, 2, "other-server")
