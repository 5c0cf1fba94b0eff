"""PostgreSQL restarted while the server runs (issue 5): it keeps running, retries, and runs each window once.

A runner ticks in a thread, as in `modelwatch server`, on an hourly schedule whose clock the test moves.
The cluster is stopped while an execution runs, kept down across a due window, and started again on the
same port. The cut execution cannot record its outcome, so its window is re-run once its lease expires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from modelwatch.service.runner import Runner, RunnerSettings
from modelwatch.service.store import (
    Baseline,
    Endpoint,
    ExecutionStatus,
    Schedule,
    ScheduleStatus,
    Store,
)
from service.runner.conftest import CREATED, DAY, Clock
from service.runner.helpers import executions

from .conftest import Cluster

TIMEOUT_SECONDS = 40.0
RAN = {ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS}
FAILED_TICK = "scheduler pass failed"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_the_runner_survives_a_postgresql_restart_and_runs_each_window_once(
    cluster: Cluster,
    store: Store,
    clock: Clock,
    capture_uri: str,
    baseline_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="modelwatch")
    with store.session() as session:
        schedule = Schedule(
            name="hourly",
            endpoint=Endpoint(name="churn", capture_uri=capture_uri),
            baseline=Baseline(
                name="churn",
                statistics_uri=str(baseline_dir / "statistics.json"),
                constraints_uri=str(baseline_dir / "constraints.json"),
            ),
            cron_expression="0 * * * *",
            status=ScheduleStatus.SCHEDULED,
            created_at=CREATED,
        )
        session.add(schedule)
        session.flush()
        schedule_id = schedule.id
    settings = RunnerSettings("server", tmp_path / "data", poll_interval=timedelta(seconds=0.1))
    runner = Runner(store, settings, clock)
    stop = threading.Event()
    ticking = threading.Thread(target=runner.serve_forever, args=(stop,), name="modelwatch-runner")

    def statuses() -> dict[int, ExecutionStatus]:
        return {row.window_start.hour: row.status for row in executions(store, schedule_id)}

    def failed_ticks() -> int:
        return sum(FAILED_TICK in record.getMessage() for record in caplog.records)

    ticking.start()
    try:
        wait_for(lambda: statuses().get(9) in RAN, "the 09:00 window")
        clock.advance(hours=1)
        wait_for(lambda: statuses().get(10) is ExecutionStatus.IN_PROGRESS, "the 10:00 window to start")
        cluster.stop()  # fast: every connection is cut, the running execution's included
        wait_for(lambda: failed_ticks() >= 3, "ticks to fail while PostgreSQL is down")
        failed = failed_ticks()
        clock.advance(hours=1)  # the 11:00 window falls due during the outage
        wait_for(lambda: failed_ticks() >= failed + 2, "ticks to fail with a window due")
        assert ticking.is_alive()
        cluster.start()
        clock.advance(hours=2)  # the cut execution's lease expires; two more windows fall due
        wait_for(lambda: len(statuses()) == 5 and set(statuses().values()) <= RAN, "every window to run")
        assert ticking.is_alive(), "the runner kept ticking through the outage"
    finally:
        stop.set()
        ticking.join(TIMEOUT_SECONDS)
    assert not ticking.is_alive()

    rows = executions(store, schedule_id)
    per_window = Counter((row.window_start, row.window_end) for row in rows)
    assert per_window == Counter({(DAY.replace(hour=h), DAY.replace(hour=h + 1)): 1 for h in range(9, 14)})
    attempts = {row.window_start.hour: row.attempts for row in rows}
    assert attempts == {9: 1, 10: 2, 11: 1, 12: 1, 13: 1}, "only the execution cut by the outage re-ran"
    assert failed_ticks() >= 3
