"""``/schedules``: when to analyse which endpoint against which baseline; starting and stopping them.

A new schedule is Scheduled at once, as SageMaker's is once created; stop and start pause and resume it.
The cron expression and offsets are checked here with the scheduler's own parsers, so a schedule the
scheduler could not run is refused when it is written rather than failing later.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelwatch.service.api.deps import StoreDep, ensure_new, get, referenced
from modelwatch.service.api.models import ScheduleChange, ScheduleCreate, ScheduleOut
from modelwatch.service.store import Baseline, Endpoint, Schedule, ScheduleStatus, Store

router = APIRouter(prefix="/schedules", tags=["schedules"])


@router.post("", status_code=201)
def create_schedule(body: ScheduleCreate, store: StoreDep) -> ScheduleOut:
    with store.session() as session:
        ensure_new(session, Schedule, body.name)
        schedule = Schedule(name=body.name, status=ScheduleStatus.SCHEDULED, created_at=store.clock())
        _apply(session, schedule, body)
        session.add(schedule)
        session.flush()
        return _out(schedule)


@router.get("")
def list_schedules(store: StoreDep) -> list[ScheduleOut]:
    with store.session() as session:
        return [_out(schedule) for schedule in session.scalars(select(Schedule).order_by(Schedule.name))]


@router.get("/{name}")
def get_schedule(name: str, store: StoreDep) -> ScheduleOut:
    with store.session() as session:
        return _out(get(session, Schedule, name))


@router.put("/{name}")
def replace_schedule(name: str, body: ScheduleChange, store: StoreDep) -> ScheduleOut:
    """Replace the schedule's settings; its name and status stay (start and stop change the status)."""
    with store.session() as session:
        schedule = get(session, Schedule, name)
        _apply(session, schedule, body)
        session.flush()
        return _out(schedule)


@router.delete("/{name}", status_code=204)
def delete_schedule(name: str, store: StoreDep) -> Response:
    """Delete the schedule and, through the database's cascade, its executions and their alert records."""
    with store.session() as session:
        session.delete(get(session, Schedule, name))
    return Response(status_code=204)


@router.post("/{name}/start")
def start_schedule(name: str, store: StoreDep) -> ScheduleOut:
    return _set_status(store, name, ScheduleStatus.SCHEDULED)


@router.post("/{name}/stop")
def stop_schedule(name: str, store: StoreDep) -> ScheduleOut:
    return _set_status(store, name, ScheduleStatus.STOPPED)


def _set_status(store: Store, name: str, status: ScheduleStatus) -> ScheduleOut:
    with store.session() as session:
        schedule = get(session, Schedule, name)
        schedule.status = status
        schedule.failure_reason = None
        session.flush()
        return _out(schedule)


def _apply(session: Session, schedule: Schedule, body: ScheduleChange) -> None:
    schedule.endpoint = referenced(session, Endpoint, body.endpoint, "endpoint")
    schedule.baseline = referenced(session, Baseline, body.baseline, "baseline")
    schedule.cron_expression = body.cron_expression
    schedule.start_offset = body.start_offset
    schedule.end_offset = body.end_offset
    schedule.alert_settings = body.alert_settings
    schedule.max_runtime_seconds = body.max_runtime_seconds


def _out(schedule: Schedule) -> ScheduleOut:
    return ScheduleOut(
        name=schedule.name,
        endpoint=schedule.endpoint.name,
        baseline=schedule.baseline.name,
        cron_expression=schedule.cron_expression,
        start_offset=schedule.start_offset,
        end_offset=schedule.end_offset,
        status=schedule.status,
        failure_reason=schedule.failure_reason,
        alert_settings=schedule.alert_settings,
        max_runtime_seconds=schedule.max_runtime_seconds,
        created_at=schedule.created_at,
    )
