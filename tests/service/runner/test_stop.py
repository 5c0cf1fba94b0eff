"""A stop request ends a running execution: its worker is killed and it is recorded Stopped."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from modelwatch.service.runner import STOPPED_ON_REQUEST, Runner, RunnerSettings
from modelwatch.service.store import Execution, ExecutionStatus, Store, request_stop

from .conftest import DAY, Clock, MakeSchedule


def test_a_stop_request_stops_the_running_execution(
    store: Store, tmp_path: Path, clock: Clock, make_schedule: MakeSchedule
) -> None:
    make_schedule()
    settings = RunnerSettings(owner="test-server", data_dir=tmp_path / "data", lease=timedelta(seconds=0.9))
    runner = Runner(store, settings, clock)
    finished: list[int] = []
    start = DAY.replace(hour=8)
    running = threading.Thread(
        target=lambda: finished.append(runner.run_now("hourly", start, start + timedelta(hours=1)))
    )
    running.start()
    deadline = time.monotonic() + 60
    while True:
        with store.session() as session:
            execution_id = session.scalar(select(Execution.id))
        if execution_id is not None:
            break
        assert time.monotonic() < deadline, "the execution was never claimed"
        time.sleep(0.01)
    assert request_stop(store, execution_id) == ExecutionStatus.STOPPING
    running.join(60)
    assert finished == [execution_id]
    with store.session() as session:
        execution = session.get_one(Execution, execution_id)
        assert execution.status == ExecutionStatus.STOPPED
        assert execution.failure_reason == STOPPED_ON_REQUEST
        assert execution.lease_expires_at is None
    assert request_stop(store, execution_id) == ExecutionStatus.STOPPED
