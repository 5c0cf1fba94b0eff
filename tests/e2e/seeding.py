"""The dashboard's test data: real executions on the churn data, set up through the server's API.

The demo's steps (`modelwatch.demo`) with the demo's data: the churn training set baselined, and an
endpoint whose capture holds four past hours of traffic: the test rows as sent, other test rows drifted and
damaged as in the demo, an hour with no traffic at all (its execution fails: nothing was captured), and
drifted rows again. An hourly schedule runs each of the four hours (the latest one drifting), a daily
schedule the empty one (its latest execution failed). Each hour holds 100 rows and the executions run
side by side, so seeding is quick.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelwatch.client import Client
from modelwatch.client.types import Execution, ExecutionDetail
from modelwatch.demo import ENDPOINT, VARIANT, churn_test_inputs, drift, run_baseline, write_capture

BASELINE = "churn-training"
HOURLY = "churn-hourly"
DAILY = "churn-daily"
ROWS_PER_HOUR = 100
HOUR = timedelta(hours=1)
ACTIVE = ("Pending", "InProgress", "Stopping")


@dataclass(frozen=True)
class Seeded:
    url: str
    capture_uri: str
    statistics_uri: str
    constraints_uri: str
    clean: ExecutionDetail
    """The hourly schedule's first hour: the test rows as sent, no violation."""
    drifted: ExecutionDetail
    """The hourly schedule's latest execution, with violations."""
    failed: ExecutionDetail
    """The daily schedule's latest execution, on the hour without traffic."""


def seed(api: Client, root: Path) -> Seeded:
    first = first_hour(datetime.now(UTC))
    baseline = run_baseline(root)
    capture_hours(root / "capture", first)
    capture_uri = str(root / "capture" / ENDPOINT / VARIANT)
    api.endpoints.create(ENDPOINT, capture_uri)
    api.baselines.create(
        BASELINE, statistics_uri=baseline.statistics_uri, constraints_uri=baseline.constraints_uri
    )
    api.schedules.create(HOURLY, endpoint=ENDPOINT, baseline=BASELINE, cron_expression="0 * * * *")
    api.schedules.create(DAILY, endpoint=ENDPOINT, baseline=BASELINE, cron_expression="0 6 * * *")
    # Started one after the other, so the executions' ids follow their windows; then they run side by side.
    started = [start_window(api, HOURLY, first + number * HOUR) for number in range(4)]
    started.append(start_window(api, DAILY, first + 2 * HOUR))
    clean, _, _, drifted, failed = [finished(api, execution_id) for execution_id in started]
    return Seeded(
        url=api.url,
        capture_uri=capture_uri,
        statistics_uri=baseline.statistics_uri,
        constraints_uri=baseline.constraints_uri,
        clean=clean,
        drifted=drifted,
        failed=failed,
    )


def first_hour(now: datetime) -> datetime:
    """Four whole hours before the current one, so every window lies in the past."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - 4 * HOUR


def capture_hours(capture: Path, first: datetime) -> None:
    """Four hours from `first`: clean, drifted with a malformed line, nothing, drifted."""
    rows = churn_test_inputs().slice(1)  # the first test row has fractional one-hot values; the demo skips it
    write_capture(capture, rows.slice(0, ROWS_PER_HOUR), first)
    write_capture(capture, drift(rows.slice(ROWS_PER_HOUR, ROWS_PER_HOUR)), first + HOUR, malformed_line=True)
    write_capture(capture, drift(rows.slice(2 * ROWS_PER_HOUR, ROWS_PER_HOUR)), first + 3 * HOUR)


def start_window(api: Client, schedule: str, start: datetime) -> int:
    """Run `schedule` now on the hour from `start`; the execution's id once the server has recorded it."""
    api.schedules.run(schedule, start, start + HOUR)
    return wait_for_execution(api, schedule, lambda execution: _starts(execution, start))


def wait_for_execution(api: Client, schedule: str, wanted: Callable[[Execution], bool]) -> int:
    """The id of the first of the schedule's executions that is `wanted`, waiting up to two minutes for it."""
    deadline = time.monotonic() + 120
    while True:
        items = api.executions.list(schedule=schedule)["items"]
        found = [item["id"] for item in items if wanted(item)]
        if found:
            return found[0]
        assert time.monotonic() < deadline, items
        time.sleep(0.1)


def wait_for_status(api: Client, schedule: str, status: str) -> None:
    deadline = time.monotonic() + 10
    while api.schedules.get(schedule)["status"] != status:
        assert time.monotonic() < deadline, f"schedule {schedule} did not become {status}"
        time.sleep(0.1)


def finished(api: Client, execution_id: int) -> ExecutionDetail:
    deadline = time.monotonic() + 120
    while (execution := api.executions.get(execution_id))["status"] in ACTIVE:
        assert time.monotonic() < deadline, execution
        time.sleep(0.2)
    return execution


def _starts(execution: Execution, start: datetime) -> bool:
    return datetime.fromisoformat(execution["window_start"]) == start
