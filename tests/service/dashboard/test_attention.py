"""The overview's attention list: a failed run stays listed after a later run passed (its window is a gap
in the monitoring), for a day, a few per schedule; the latest-status rules stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from modelwatch.service.dashboard.attention import (
    FAILURES_SHOWN,
    RECENT,
    Failures,
    attention,
    recent_failures,
)
from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.store import Execution, ExecutionStatus, Schedule, Store

from .seeding import DAILY, HOURLY, Seeded

HOUR = timedelta(hours=1)
START = datetime(2026, 3, 1, tzinfo=UTC)


def run(number: int, status: ExecutionStatus, reason: str | None = None) -> Execution:
    """The schedule's run `number` (hourly from START), not stored: attention() reads only its fields."""
    start = START + number * HOUR
    return Execution(
        id=number, status=status, window_start=start, window_end=start + HOUR, failure_reason=reason
    )


def test_a_failed_run_is_listed_after_a_later_run_passed(tmp_path: Path) -> None:
    latest = run(3, ExecutionStatus.COMPLETED)
    failed = run(2, ExecutionStatus.FAILED, "no captured data")
    items = attention({"s": latest}, {"s": Failures([failed], 1)}, [], Reports(tmp_path))
    assert [(item.href, item.title, item.kind) for item in items] == [
        ("/executions/2", "s: the run for 2026-03-01 02:00 – 03:00 UTC failed", "failed")
    ]
    assert items[0].detail == "its window was not analysed: no captured data"


def test_a_failed_latest_run_is_listed_once_and_the_rest_are_counted(tmp_path: Path) -> None:
    newest = [run(number, ExecutionStatus.FAILED, "down") for number in range(9, 9 - FAILURES_SHOWN, -1)]
    items = attention({"s": newest[0]}, {"s": Failures(newest, 12)}, [], Reports(tmp_path))
    assert items[0].title == "s: the latest execution failed"
    assert [item.href for item in items[1:FAILURES_SHOWN]] == [
        f"/executions/{n}" for n in range(8, 9 - FAILURES_SHOWN, -1)
    ]
    assert (items[-1].href, items[-1].title) == ("/schedules/s", "s: 7 more failed runs in the last 24 hours")
    assert len(items) == FAILURES_SHOWN + 1


def test_nothing_to_list_when_every_run_passed(tmp_path: Path) -> None:
    items = attention({"s": run(1, ExecutionStatus.COMPLETED)}, {"s": Failures([], 0)}, [], Reports(tmp_path))
    assert items == []


def test_recent_failures_are_the_failed_runs_whose_window_ended_within_a_day(
    seeded_store: tuple[Store, Seeded],
) -> None:
    store, seeded = seeded_store
    with store.session() as session:
        schedules = {
            s.name: s for s in session.scalars(select(Schedule).where(Schedule.name.in_([DAILY, HOURLY])))
        }
        ended = session.get(Execution, seeded.failed).window_end
    found = recent_failures(store, schedules[DAILY], ended + HOUR)
    assert ([execution.id for execution in found.newest], found.total) == ([seeded.failed], 1)
    assert recent_failures(store, schedules[DAILY], ended + RECENT + HOUR) == Failures([], 0)
    assert recent_failures(store, schedules[HOURLY], ended + HOUR) == Failures([], 0)
