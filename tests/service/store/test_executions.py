"""The execution ledger: claims, leases and takeovers, outcomes, orphans, and the queries over them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from modelwatch.analysis import AnalysisResult
from modelwatch.formats.violations import Violation
from modelwatch.service.store import (
    ORPHAN_REASON,
    Execution,
    ExecutionStatus,
    Store,
    claim_window,
    count_executions,
    finish,
    list_executions,
    mark_orphans_failed,
    renew_lease,
)

from .conftest import Clock

HOUR = timedelta(hours=1)
LEASE = timedelta(minutes=5)
W0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _claim(store: Store, schedule_id: int, owner: str, start: datetime = W0) -> Execution | None:
    return claim_window(store, schedule_id, start, start + HOUR, owner, LEASE)


def _stored(store: Store, execution: Execution) -> Execution:
    with store.session() as session:
        return session.get_one(Execution, execution.id)


def test_a_window_is_claimed_once(store: Store, clock: Clock, make_schedule: Callable[[str], int]) -> None:
    schedule_id = make_schedule("hourly")
    scheduled = W0 + HOUR
    claimed = claim_window(store, schedule_id, W0, W0 + HOUR, "runner-a", LEASE, scheduled_at=scheduled)
    assert claimed is not None
    assert (claimed.status, claimed.lease_owner, claimed.attempts) == (
        ExecutionStatus.IN_PROGRESS,
        "runner-a",
        1,
    )
    assert (claimed.started_at, claimed.lease_expires_at) == (clock.now, clock.now + LEASE)
    assert claimed.scheduled_at == scheduled
    assert _claim(store, schedule_id, "runner-b") is None
    assert _claim(store, schedule_id, "runner-a") is None
    assert count_executions(store) == 1


def test_an_expired_lease_is_taken_over(
    store: Store, clock: Clock, make_schedule: Callable[[str], int]
) -> None:
    schedule_id = make_schedule("takeover")
    first = _claim(store, schedule_id, "runner-a")
    assert first is not None
    clock.advance(minutes=4)
    assert renew_lease(store, first, LEASE)
    clock.advance(minutes=4)
    assert _claim(store, schedule_id, "runner-b") is None, "the renewed lease runs to 4 + 5 minutes"
    clock.advance(minutes=2)
    second = _claim(store, schedule_id, "runner-b")
    assert second is not None
    assert (second.id, second.lease_owner, second.attempts) == (first.id, "runner-b", 2)
    assert second.started_at == clock.now
    assert _claim(store, schedule_id, "runner-c") is None

    assert not renew_lease(store, first, LEASE), "the first runner lost its lease"
    assert not finish(store, first, AnalysisResult(status="Completed", message="late"))
    assert _stored(store, second).lease_owner == "runner-b"


def test_the_same_owner_retaking_its_window_fences_its_old_attempt(
    store: Store, clock: Clock, make_schedule: Callable[[str], int]
) -> None:
    schedule_id = make_schedule("restarted")
    before_restart = _claim(store, schedule_id, "host-1")
    assert before_restart is not None
    clock.advance(minutes=10)
    after_restart = _claim(store, schedule_id, "host-1")
    assert after_restart is not None
    assert not renew_lease(store, before_restart, LEASE)
    assert renew_lease(store, after_restart, LEASE)


def test_finish_records_the_analysis(store: Store, clock: Clock, make_schedule: Callable[[str], int]) -> None:
    schedule_id = make_schedule("finished")
    execution = _claim(store, schedule_id, "runner-a")
    assert execution is not None
    clock.advance(seconds=42)
    violations = [
        Violation("age", "data_type_check", "wrong type"),
        Violation("x", "baseline_drift_check", "drift"),
    ]
    result = AnalysisResult(
        status="CompletedWithViolations",
        message="CompletedWithViolations: Job completed successfully with 2 violations.",
        violations=violations,
    )
    assert finish(store, execution, result, report_uri="/reports/finished/2026/03/01/11")
    stored = _stored(store, execution)
    assert stored.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert (stored.violation_count, stored.duration_seconds) == (2, 42.0)
    assert stored.ended_at == clock.now
    assert stored.exit_message == result.message
    assert stored.failure_reason is None
    assert stored.report_uri == "/reports/finished/2026/03/01/11"
    assert stored.lease_expires_at is None
    assert not finish(store, execution, result), "a finished execution is not finished twice"
    clock.advance(hours=1)
    assert _claim(store, schedule_id, "runner-b") is None, "a finished window is never claimed again"


def test_a_failure_keeps_its_reason_cut_to_1024_characters(
    store: Store, make_schedule: Callable[[str], int]
) -> None:
    execution = _claim(store, make_schedule("failing"), "runner-a")
    assert execution is not None
    reason = "Job inputs had no data: " + "x" * 2000
    assert finish(store, execution, AnalysisResult(status="Failed", message=reason))
    stored = _stored(store, execution)
    assert stored.status is ExecutionStatus.FAILED
    assert stored.failure_reason is not None
    assert len(stored.failure_reason) == 1024
    assert stored.failure_reason.startswith("Job inputs had no data: xxx")
    assert stored.failure_reason.endswith("…")
    assert stored.violation_count is None


def test_finish_refuses_a_status_that_is_not_final(store: Store, make_schedule: Callable[[str], int]) -> None:
    execution = _claim(store, make_schedule("refused"), "runner-a")
    assert execution is not None
    with pytest.raises(ValueError, match="InProgress: not a final status"):
        finish(store, execution, AnalysisResult(status="InProgress", message=""))
    with pytest.raises(ValueError, match="'Done' is not a valid ExecutionStatus"):
        finish(store, execution, AnalysisResult(status="Done", message=""))


def test_orphans_are_marked_failed(store: Store, clock: Clock, make_schedule: Callable[[str], int]) -> None:
    schedule_id = make_schedule("orphans")
    crashed = _claim(store, schedule_id, "crashed")
    alive = _claim(store, schedule_id, "alive", W0 + HOUR)
    done = _claim(store, schedule_id, "done", W0 + 2 * HOUR)
    assert crashed is not None
    assert alive is not None
    assert done is not None
    assert finish(store, done, AnalysisResult(status="Completed", message="ok"))
    clock.advance(minutes=4)
    assert renew_lease(store, alive, LEASE)
    clock.advance(minutes=2)

    assert mark_orphans_failed(store) == 1
    orphan = _stored(store, crashed)
    assert (orphan.status, orphan.failure_reason) == (ExecutionStatus.FAILED, ORPHAN_REASON)
    assert orphan.ended_at == clock.now
    assert _stored(store, alive).status is ExecutionStatus.IN_PROGRESS
    assert _stored(store, done).status is ExecutionStatus.COMPLETED
    assert _claim(store, schedule_id, "late") is None, "a failed orphan is not run again"
    assert mark_orphans_failed(store, clock.now + timedelta(minutes=10)) == 1
    assert _stored(store, alive).status is ExecutionStatus.FAILED


def test_filters_and_pages(store: Store, clock: Clock, make_schedule: Callable[[str], int]) -> None:
    first, second = make_schedule("first"), make_schedule("second")
    for hour in range(6):
        for schedule_id in (first, second):
            execution = _claim(store, schedule_id, "runner", W0 + hour * HOUR)
            assert execution is not None
            if hour % 2 == 0:
                assert finish(store, execution, AnalysisResult(status="Completed", message="ok"))

    def windows(**filters: object) -> list[tuple[int, int]]:
        return [
            (execution.schedule_id, (execution.window_start - W0) // HOUR)
            for execution in list_executions(store, **filters)  # type: ignore[arg-type]
        ]

    assert windows(schedule_id=first) == [(first, hour) for hour in range(5, -1, -1)]
    assert windows(schedule_id=first, limit=2, offset=2) == [(first, 3), (first, 2)]
    assert windows(schedule_id=second, statuses=[ExecutionStatus.IN_PROGRESS]) == [
        (second, 5),
        (second, 3),
        (second, 1),
    ]
    overlapping = windows(since=W0 + 2 * HOUR + timedelta(minutes=30), until=W0 + 4 * HOUR)
    assert sorted(overlapping) == sorted((s, h) for s in (first, second) for h in (2, 3))
    assert count_executions(store, statuses=[ExecutionStatus.COMPLETED]) == 6
    assert count_executions(store, since=W0 + 5 * HOUR) == 2
    assert windows(lease_expired_by=clock.now) == []
    clock.advance(minutes=6)
    assert len(windows(lease_expired_by=clock.now)) == 6
    assert count_executions(store, schedule_id=first, lease_expired_by=clock.now) == 3


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_a_page_must_be_sensible(store: Store, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit must be 1 to 1000"):
        list_executions(store, limit=limit, offset=offset)
