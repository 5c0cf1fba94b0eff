"""The scheduler of `modelwatch server`: which windows are due, who runs them, and what is recorded.

Every `poll_interval` a tick computes, for each Scheduled schedule, the fire times since its last one (the
latest `scheduled_at` among its executions, or its creation) and claims each window in the store; only the
claimer that wins a window runs it, so servers sharing a store run each window exactly once. A tick claims
and runs one window at a time, oldest first, so several servers spread a backlog between them. After
downtime at most `max_catch_up` of the latest windows are due (`due_windows`); older ones can be run with
`run_now`.

A tick first runs the Pending baselining jobs (`service.baselining`). Windows of a schedule whose baseline
job is Pending or InProgress are deferred, not failed: nothing is claimed until the job completes. An
execution on a baseline whose job Failed fails with the job's reason.

A server killed during an execution leaves it InProgress with a lease that runs out. We **re-run** such a
window rather than skip it: an interrupted analysis left no complete report (the re-run writes it whole),
and a gap in monitoring is worse than a late report. Any server's next tick takes it over (the
claim of an expired lease, one winner). Only what cannot be retried is failed by `mark_orphans_failed`:
on-demand runs (whoever asked is gone), windows of schedules no longer Scheduled, and windows already
attempted `MAX_ATTEMPTS` times (an execution that keeps killing its server must not loop forever). A server
told to stop kills its running worker and releases the lease, so the window is re-run at once elsewhere.

Reports go to SageMaker's layout (reference §6.3), ``{data_dir}/reports/{endpoint}/{schedule}/yyyy/mm/dd/hh/``
with the scheduled hour. Cron here may fire more often than hourly, and a report folder is replaced whole,
so a fire time off the hour writes beside it to ``.../hh-MM/``, and an on-demand run to
``.../on-demand/{execution id}/``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from modelwatch.analysis import FAILED
from modelwatch.errors import ModelwatchError
from modelwatch.service.baselining import missing_documents, run_baselining_jobs, waits_for_job
from modelwatch.service.cron import as_utc
from modelwatch.service.metrics import SchedulerHealth
from modelwatch.service.runner_worker import Interrupted, Job, Outcome, analyse_in_worker
from modelwatch.service.schedule import CronSchedule, ScheduleError, Window, due_windows, parse_offset
from modelwatch.service.store import (
    Execution,
    ExecutionStatus,
    Schedule,
    ScheduleStatus,
    Store,
    claim_window,
    finish,
    mark_orphans_failed,
    renew_lease,
    stop_requested,
)
from modelwatch.service.store.models import ACTIVE_STATUSES, REASON_LENGTH, utc_now

log = logging.getLogger(__name__)
STOPPED_ON_REQUEST = "stopped on request"

MAX_ATTEMPTS = 3
"""Runners that may hold one window before an expired lease is failed instead of taken over again."""


@dataclass(frozen=True)
class RunnerSettings:
    owner: str
    """This server's id (host:pid:uuid), recorded as the lease owner."""
    data_dir: Path
    lease: timedelta = timedelta(minutes=2)
    max_catch_up: int = 24
    poll_interval: timedelta = timedelta(seconds=10)


class Runner:
    """Runs the due executions of every schedule in a store, one at a time, each in a worker process."""

    def __init__(
        self,
        store: Store,
        settings: RunnerSettings,
        clock: Callable[[], datetime] = utc_now,
        on_finished: Callable[[Execution], None] | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._on_finished = on_finished
        self._stop = threading.Event()
        self._running = 0
        self._running_lock = threading.Lock()

    def tick(self) -> list[int]:
        """One pass: baselining jobs, expired windows retried, orphans failed, due windows; the ids run."""
        run_baselining_jobs(self._store, self._settings.data_dir, self._stop)
        ran = [self._run(execution) for execution in self._take_over_expired()]
        failed = mark_orphans_failed(self._store)
        if failed:
            log.warning("failed %d execution(s) whose runner stopped and that will not be retried", failed)
        for schedule in self._scheduled():
            if waits_for_job(schedule.baseline):
                continue  # its windows stay due until the baseline's job completes (see `baselining`)
            for fire, (start, end) in self._due(schedule):
                if self._stop.is_set():
                    break
                owner, lease = self._settings.owner, self._settings.lease
                execution = claim_window(
                    self._store, schedule.id, start, end, owner, lease, scheduled_at=fire
                )
                if execution is not None:
                    ran.append(self._run(execution))
        return [execution_id for execution_id in ran if execution_id is not None]

    def run_now(self, schedule_name: str, start: datetime, end: datetime) -> int:
        """Run the schedule over [start, end) now, whatever its status; the execution's id, once recorded.

        ModelwatchError when there is no such schedule, the window is empty, or the window already has an
        execution (finished, or running elsewhere). An on-demand run cut short by the server stopping is
        left InProgress, and failed as an orphan by the next tick.
        """
        start, end = as_utc(start), as_utc(end)
        if start >= end:
            raise ModelwatchError(f"window [{start.isoformat()}, {end.isoformat()}) is empty")
        with self._store.session() as session:
            schedule = session.scalars(select(Schedule).where(Schedule.name == schedule_name)).one_or_none()
        if schedule is None:
            raise ModelwatchError(f"no schedule named {schedule_name!r}")
        owner, lease = self._settings.owner, self._settings.lease
        execution = claim_window(self._store, schedule.id, start, end, owner, lease)
        if execution is None:
            with self._store.session() as session:
                existing = session.scalars(
                    select(Execution).where(
                        Execution.schedule_id == schedule.id,
                        Execution.window_start == start,
                        Execution.window_end == end,
                    )
                ).one()
            raise ModelwatchError(
                f"schedule {schedule_name!r} already ran window [{start.isoformat()}, {end.isoformat()}): "
                f"execution {existing.id} is {existing.status.value}"
            )
        self._run(execution)
        return execution.id

    def serve_forever(self, stop: threading.Event) -> None:
        """Tick every `poll_interval` until `stop` is set; a running execution is then left to a retry."""
        self._stop = stop
        interval = self._settings.poll_interval.total_seconds()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a database outage must not end the server; the next tick tries again
                log.exception("scheduler pass failed; trying again in %g s", interval)
            stop.wait(interval)

    def health(self) -> SchedulerHealth:
        """For the metrics: how long the oldest due window has waited, how many wait, how many run here."""
        waiting: list[datetime] = []
        for schedule in self._scheduled():
            with contextlib.suppress(ScheduleError):  # the next tick fails the schedule
                waiting += [fire for fire, _ in self._due_windows(schedule)]
        lag = (self._clock() - min(waiting)).total_seconds() if waiting else 0.0
        return SchedulerHealth(lag_seconds=max(lag, 0.0), queued=len(waiting), running=self._running)

    def _take_over_expired(self) -> list[Execution]:
        """Claim the scheduled windows whose runner's lease expired and that may be tried again."""
        query = (
            select(Execution)
            .join(Schedule)
            .where(
                Execution.status.in_(ACTIVE_STATUSES),
                Execution.lease_expires_at < self._store.clock(),
                Execution.scheduled_at.is_not(None),
                Execution.attempts < MAX_ATTEMPTS,
                Schedule.status == ScheduleStatus.SCHEDULED,
            )
            .order_by(Execution.window_start)
        )
        with self._store.session() as session:
            expired = list(session.scalars(query))
        claimed = [
            claim_window(
                self._store,
                row.schedule_id,
                row.window_start,
                row.window_end,
                self._settings.owner,
                self._settings.lease,
                scheduled_at=row.scheduled_at,
            )
            for row in expired
        ]
        return [execution for execution in claimed if execution is not None]

    def _scheduled(self) -> list[Schedule]:
        with self._store.session() as session:
            query = select(Schedule).where(Schedule.status == ScheduleStatus.SCHEDULED).order_by(Schedule.id)
            return list(session.scalars(query))

    def _due(self, schedule: Schedule) -> list[tuple[datetime, Window]]:
        """The schedule's due windows; a schedule whose expression or offsets cannot be used is Failed."""
        try:
            return self._due_windows(schedule)
        except ScheduleError as error:
            log.error("schedule %r failed: %s", schedule.name, error)
            with self._store.session() as session:
                session.execute(
                    update(Schedule)
                    .where(Schedule.id == schedule.id)
                    .values(status=ScheduleStatus.FAILED, failure_reason=str(error)[:REASON_LENGTH])
                )
            return []

    def _due_windows(self, schedule: Schedule) -> list[tuple[datetime, Window]]:
        """The fire times since the schedule's last one (none of them claimed yet), with their windows."""
        with self._store.session() as session:
            last = session.scalar(
                select(func.max(Execution.scheduled_at)).where(Execution.schedule_id == schedule.id)
            )
        return due_windows(
            CronSchedule.parse(schedule.cron_expression),
            last or schedule.created_at,
            self._clock(),
            start_offset=parse_offset(schedule.start_offset),
            end_offset=parse_offset(schedule.end_offset),
            max_catch_up=self._settings.max_catch_up,
        )

    def _run(self, execution: Execution) -> int | None:
        """Run a claimed execution and record it; its id, or None when it was abandoned (lease, stop)."""
        if not renew_lease(self._store, execution, self._settings.lease):
            # Taken over while earlier executions of this tick ran, or asked to stop before it began.
            return self._stopped_on_request(execution)
        with self._store.session() as session:
            schedule = session.get_one(Schedule, execution.schedule_id)
        output = self._report_folder(schedule, execution)
        with self._running_lock:
            self._running += 1
        try:
            outcome = self._analyse(schedule, execution, output)
        finally:
            with self._running_lock:
                self._running -= 1
        if isinstance(outcome, Interrupted):
            if outcome is Interrupted.SHUTDOWN:
                log.warning("execution %d abandoned: %s", execution.id, outcome.value)
                renew_lease(self._store, execution, timedelta(0))  # released: the next claimer re-runs it
                return None
            return self._stopped_on_request(execution)
        report = str(output) if outcome.wrote_report else None
        if not finish(self._store, execution, outcome, report_uri=report):
            log.warning("execution %d was taken over by another runner; its outcome is dropped", execution.id)
            return None
        if self._on_finished is not None:
            self._notify(self._on_finished, execution.id)
        return execution.id

    def _stopped_on_request(self, execution: Execution) -> int | None:
        """Record Stopped for an execution whose lease was refused because someone asked it to stop."""
        if not stop_requested(self._store, execution):
            log.warning("execution %d abandoned: its lease was lost", execution.id)
            return None
        if not finish(self._store, execution, Outcome(ExecutionStatus.STOPPED, STOPPED_ON_REQUEST)):
            return None
        if self._on_finished is not None:
            self._notify(self._on_finished, execution.id)
        return execution.id

    def _analyse(self, schedule: Schedule, execution: Execution, output: Path) -> Outcome | Interrupted:
        baseline = schedule.baseline
        if baseline.statistics_uri is None or baseline.constraints_uri is None:
            return Outcome(FAILED, missing_documents(baseline))
        job = Job(
            capture_uri=schedule.endpoint.capture_uri,
            statistics_uri=baseline.statistics_uri,
            constraints_uri=baseline.constraints_uri,
            start=execution.window_start,
            end=execution.window_end,
            output=str(output),
            storage_options=dict(schedule.endpoint.storage_options),
        )
        lease = self._settings.lease
        return analyse_in_worker(
            job,
            max_runtime=float(schedule.max_runtime_seconds),
            renew=lambda: renew_lease(self._store, execution, lease),
            renew_every=lease.total_seconds() / 3,
            stop=self._stop,
        )

    def _report_folder(self, schedule: Schedule, execution: Execution) -> Path:
        base = self._settings.data_dir / "reports" / schedule.endpoint.name / schedule.name
        fire = execution.scheduled_at
        if fire is None:
            return base / "on-demand" / str(execution.id)
        hour = fire.strftime("%Y/%m/%d/%H")
        return base / (hour if fire.minute == 0 else f"{hour}-{fire.minute:02d}")

    def _notify(self, hook: Callable[[Execution], None], execution_id: int) -> None:
        """Hand the finished execution (schedule loaded) to the hook; a failing hook is only logged."""
        with self._store.session() as session:
            execution = session.scalars(
                select(Execution).where(Execution.id == execution_id).options(joinedload(Execution.schedule))
            ).one()
        try:
            hook(execution)
        except Exception:
            log.exception("the on_finished hook failed for execution %d", execution_id)
