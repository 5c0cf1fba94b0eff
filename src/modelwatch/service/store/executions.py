"""Claiming windows, holding leases and recording outcomes: how each (schedule, window) runs exactly once.

The database decides who runs a window. Claiming inserts the execution row, and the unique (schedule,
window) turns a second claimer's insert into a no-op (``ON CONFLICT DO NOTHING``), so two threads on SQLite
or two servers sharing PostgreSQL cannot both win. The winner holds a lease and renews it while it runs. A
runner that dies stops renewing; once its lease has expired, the next claim of the window takes the row
over with one conditional UPDATE, which again only one claimer can win. A runner's later writes are
conditional on still holding the lease (same owner, same attempt), so a runner that was taken over cannot
overwrite its successor's record. Leases are compared with each server's clock: servers sharing a store
must agree on the time to well within a lease (NTP does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sized
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, Result, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from modelwatch.service.store.models import ACTIVE_STATUSES, REASON_LENGTH, Execution, ExecutionStatus

if TYPE_CHECKING:
    from modelwatch.service.store.database import Store

ORPHAN_REASON = "runner stopped (lease expired)"
MAX_PAGE = 1000
FINAL_STATUSES = frozenset(
    {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        ExecutionStatus.FAILED,
        ExecutionStatus.STOPPED,
    }
)
_WINDOW = ("schedule_id", "window_start", "window_end")


class AnalysisOutcome(Protocol):
    """What `finish` records of an execution's result; `modelwatch.analysis.AnalysisResult` is one."""

    @property
    def status(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def violations(self) -> Sized: ...


def claim_window(
    store: Store,
    schedule_id: int,
    window_start: datetime,
    window_end: datetime,
    owner: str,
    lease: timedelta,
    *,
    scheduled_at: datetime | None = None,
) -> Execution | None:
    """The execution of this window, now InProgress and held by `owner` for `lease`; None if another holds it.

    A new window is inserted; a window whose runner's lease expired while Pending or InProgress is taken
    over (`attempts` goes up). A window that has finished is never claimed again. `owner` names the runner
    (host, process, thread) and should be unique to it.
    """
    now = store.clock()
    held = {
        "status": ExecutionStatus.IN_PROGRESS,
        "started_at": now,
        "lease_owner": owner,
        "lease_expires_at": now + lease,
    }
    with store.session() as session:
        insert = _insert_for(session.get_bind().dialect.name)
        row = {"schedule_id": schedule_id, "window_start": window_start, "window_end": window_end}
        claimed = session.scalars(
            insert.values(**row, **held, scheduled_at=scheduled_at, created_at=now, attempts=1)
            .on_conflict_do_nothing(index_elements=list(_WINDOW))
            .returning(Execution)
        ).one_or_none()
        if claimed is None:
            claimed = session.scalars(
                update(Execution)
                .where(*_same_window(schedule_id, window_start, window_end))
                .where(Execution.status.in_(ACTIVE_STATUSES), Execution.lease_expires_at < now)
                .values(**held, attempts=Execution.attempts + 1)
                .returning(Execution)
                .execution_options(synchronize_session=False)
            ).one_or_none()
        return claimed


def renew_lease(store: Store, execution: Execution, lease: timedelta) -> bool:
    """Extend the lease of a claimed execution to now + `lease`; False if it is no longer held (stop work)."""
    with store.session() as session:
        result = session.execute(
            update(Execution)
            .where(*_held_by(execution), Execution.status.in_(ACTIVE_STATUSES))
            .values(lease_expires_at=store.clock() + lease)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)


def finish(
    store: Store, execution: Execution, outcome: AnalysisOutcome, *, report_uri: str | None = None
) -> bool:
    """Record how a claimed execution ended and release its lease; False if the lease was lost.

    The status must be final (Completed, CompletedWithViolations, Failed, Stopped). The message is kept as
    the exit message and, for Failed and Stopped, as the failure reason, both cut to 1024 characters.
    """
    status = ExecutionStatus(outcome.status)
    if status not in FINAL_STATUSES:
        raise ValueError(f"cannot finish an execution as {status.value}: not a final status")
    now = store.clock()
    started = execution.started_at or now
    message = _cut(outcome.message)
    failed = status in {ExecutionStatus.FAILED, ExecutionStatus.STOPPED}
    with store.session() as session:
        result = session.execute(
            update(Execution)
            .where(*_held_by(execution))
            .where(Execution.status.in_((*ACTIVE_STATUSES, ExecutionStatus.STOPPING)))
            .values(
                status=status,
                ended_at=now,
                duration_seconds=(now - started).total_seconds(),
                violation_count=None if failed else len(outcome.violations),
                exit_message=message,
                failure_reason=message if failed else None,
                report_uri=report_uri,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        return _changed(result)


def request_stop(store: Store, execution_id: int) -> ExecutionStatus | None:
    """Ask a Pending or InProgress execution to stop (status Stopping); its status after the request.

    The runner holding it sees the request when it next renews the lease (renewal refuses a Stopping
    execution), kills the worker and records Stopped. None when there is no such execution.
    """
    with store.session() as session:
        session.execute(
            update(Execution)
            .where(Execution.id == execution_id, Execution.status.in_(ACTIVE_STATUSES))
            .values(status=ExecutionStatus.STOPPING)
            .execution_options(synchronize_session=False)
        )
        return session.scalar(select(Execution.status).where(Execution.id == execution_id))


def stop_requested(store: Store, execution: Execution) -> bool:
    with store.session() as session:
        status = session.scalar(select(Execution.status).where(Execution.id == execution.id))
    return status == ExecutionStatus.STOPPING


def mark_orphans_failed(store: Store, now: datetime | None = None) -> int:
    """Fail the Pending and InProgress executions whose lease expired before `now`; how many there were.

    Failed, not Stopped: SageMaker's Stopped means a maximum runtime or a person stopped the job, whereas a
    vanished runner is a failure someone should look at. Their duration stays unknown. A server should
    claim its due windows first, which takes over expired windows it will rerun, and mark orphans after:
    what is left is what no one will run again (windows past catch-up, on-demand runs).
    """
    moment = store.clock() if now is None else now
    with store.session() as session:
        result = session.execute(
            update(Execution)
            .where(Execution.status.in_(ACTIVE_STATUSES), Execution.lease_expires_at < moment)
            .values(
                status=ExecutionStatus.FAILED,
                ended_at=moment,
                exit_message=ORPHAN_REASON,
                failure_reason=ORPHAN_REASON,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], result).rowcount


def list_executions(
    store: Store,
    *,
    schedule_id: int | None = None,
    statuses: Iterable[ExecutionStatus] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    lease_expired_by: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Execution]:
    """Executions matching every filter given, latest window first, one page of at most `limit`.

    `since`/`until` keep windows that overlap ``[since, until)``; `lease_expired_by` keeps Pending and
    InProgress executions whose lease expired before that moment (the ones a claim would take over).
    """
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit must be 1 to {MAX_PAGE} and offset at least 0, got {limit} and {offset}")
    where = _filters(schedule_id, statuses, since, until, lease_expired_by)
    query = (
        select(Execution)
        .where(*where)
        .order_by(Execution.window_start.desc(), Execution.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with store.session() as session:
        return list(session.scalars(query))


def count_executions(
    store: Store,
    *,
    schedule_id: int | None = None,
    statuses: Iterable[ExecutionStatus] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    lease_expired_by: datetime | None = None,
) -> int:
    """How many executions `list_executions` would page through with the same filters."""
    where = _filters(schedule_id, statuses, since, until, lease_expired_by)
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Execution).where(*where)) or 0


def _filters(
    schedule_id: int | None,
    statuses: Iterable[ExecutionStatus],
    since: datetime | None,
    until: datetime | None,
    lease_expired_by: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if schedule_id is not None:
        where.append(Execution.schedule_id == schedule_id)
    wanted = list(statuses)
    if wanted:
        where.append(Execution.status.in_(wanted))
    if since is not None:
        where.append(Execution.window_end > since)
    if until is not None:
        where.append(Execution.window_start < until)
    if lease_expired_by is not None:
        where.append(Execution.status.in_(ACTIVE_STATUSES))
        where.append(Execution.lease_expires_at < lease_expired_by)
    return where


def _insert_for(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL both have one, spelled alike)."""
    return postgresql.insert(Execution) if dialect == "postgresql" else sqlite.insert(Execution)


def _same_window(schedule_id: int, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        Execution.schedule_id == schedule_id,
        Execution.window_start == start,
        Execution.window_end == end,
    ]


def _held_by(execution: Execution) -> list[ColumnElement[bool]]:
    return [
        Execution.id == execution.id,
        Execution.lease_owner == execution.lease_owner,
        Execution.attempts == execution.attempts,
    ]


def _changed(result: Result[Any]) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


def _cut(text: str) -> str:
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"
