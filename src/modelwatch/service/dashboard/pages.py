"""The dashboard's pages: HTML from the store and the report files, outside `/api/v1`.

Routes are synchronous, like the API's, and run in FastAPI's thread pool. Anything missing (a schedule,
an execution, a baseline, a feature) is a 404 page; a report or baseline document that cannot be read
is said on the page rather than failing it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.formats.statistics import Statistics
from modelwatch.service.api.reports import is_local_outside
from modelwatch.service.dashboard.attention import attention, recent_failures
from modelwatch.service.dashboard.history import feature_history
from modelwatch.service.dashboard.records import baseline_row, execution_row, schedule_row
from modelwatch.service.dashboard.reports import Reports
from modelwatch.service.dashboard.results import rebuild_results
from modelwatch.service.dashboard.session import ViewerDep
from modelwatch.service.store import (
    Baseline,
    Endpoint,
    Execution,
    ExecutionStatus,
    Schedule,
    Store,
    count_executions,
    list_executions,
)
from modelwatch.ui.layout import Viewer
from modelwatch.ui.pages.baselines import render_baseline, render_baselines
from modelwatch.ui.pages.common import message_page
from modelwatch.ui.pages.execution import execution_fragment, execution_title, render_execution_page
from modelwatch.ui.pages.feature_history import render_feature_history
from modelwatch.ui.pages.overview import render_overview
from modelwatch.ui.pages.records import EndpointRow
from modelwatch.ui.pages.schedule import PAGE_SIZE, render_schedule
from modelwatch.ui.pages.schedules import render_schedules
from modelwatch.ui.report import ReportData

OVERVIEW_EXECUTIONS = 48
"""Executions per schedule on the overview's charts."""
HISTORY_EXECUTIONS = 100
FINISHED = (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS, ExecutionStatus.FAILED)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _reports(request: Request) -> Reports:
    reports: Reports = request.app.state.reports
    return reports


def not_found(what: str, viewer: Viewer) -> HTMLResponse:
    return HTMLResponse(message_page("not-found", "Not found", f"{what} not found.", viewer), status_code=404)


def _schedules(session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).order_by(Schedule.name)))


def _find(session: Session, model: type[Schedule] | type[Baseline], name: str) -> Schedule | Baseline | None:
    return session.scalars(select(model).where(model.name == name)).one_or_none()


def _schedule(store: Store, name: str) -> Schedule | None:
    with store.session() as session:
        found = _find(session, Schedule, name)
    return found if isinstance(found, Schedule) else None


@router.get("/")
def overview(request: Request, viewer: ViewerDep) -> HTMLResponse:
    store, reports = _store(request), _reports(request)
    with store.session() as session:
        schedules = _schedules(session)
        endpoints = list(session.scalars(select(Endpoint).order_by(Endpoint.name)))
        baselines = list(session.scalars(select(Baseline).order_by(Baseline.name)))
    recent = {
        schedule.name: list_executions(store, schedule_id=schedule.id, limit=OVERVIEW_EXECUTIONS)
        for schedule in schedules
    }
    latest = {name: executions[0] for name, executions in recent.items() if executions}
    now = datetime.now(UTC)
    failures = {schedule.name: recent_failures(store, schedule, now) for schedule in schedules}
    users: dict[str, list[str]] = {endpoint.name: [] for endpoint in endpoints}
    for schedule in schedules:
        users.setdefault(schedule.endpoint.name, []).append(schedule.name)
    rows = [schedule_row(schedule, recent[schedule.name]) for schedule in schedules]
    endpoint_rows = [EndpointRow(e.name, e.capture_uri, users[e.name]) for e in endpoints]
    return HTMLResponse(
        render_overview(rows, endpoint_rows, attention(latest, failures, baselines, reports), viewer)
    )


@router.get("/schedules")
def schedules(request: Request, viewer: ViewerDep) -> HTMLResponse:
    store = _store(request)
    with store.session() as session:
        found = _schedules(session)
        endpoints = list(session.scalars(select(Endpoint.name).order_by(Endpoint.name)))
        baselines = list(session.scalars(select(Baseline.name).order_by(Baseline.name)))
    rows = [schedule_row(s, list_executions(store, schedule_id=s.id, limit=1)) for s in found]
    return HTMLResponse(render_schedules(rows, endpoints, baselines, viewer))


@router.get("/schedules/{name}")
def schedule(
    name: str, request: Request, viewer: ViewerDep, offset: Annotated[int, Query(ge=0)] = 0
) -> HTMLResponse:
    store = _store(request)
    found = _schedule(store, name)
    if found is None:
        return not_found(f"Schedule {name!r}", viewer)
    executions = list_executions(store, schedule_id=found.id, limit=PAGE_SIZE, offset=offset)
    total = count_executions(store, schedule_id=found.id)
    row = schedule_row(found, executions)
    return HTMLResponse(render_schedule(row, total, offset, datetime.now(UTC), viewer))


@router.get("/schedules/{name}/features/{feature:path}")
def history(
    name: str,
    feature: str,
    request: Request,
    viewer: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = HISTORY_EXECUTIONS,
) -> HTMLResponse:
    store = _store(request)
    found = _schedule(store, name)
    if found is None:
        return not_found(f"Schedule {name!r}", viewer)
    executions = list_executions(store, schedule_id=found.id, statuses=FINISHED, limit=limit)
    points = feature_history(found, feature, executions, _reports(request))
    if points is None:
        return not_found(f"Feature {feature!r} of schedule {name!r}", viewer)
    return HTMLResponse(render_feature_history(name, feature, points, viewer))


@router.get("/executions/{execution_id}")
def execution(execution_id: int, request: Request, viewer: ViewerDep) -> HTMLResponse:
    store = _store(request)
    with store.session() as session:
        found = session.get(Execution, execution_id) if 0 <= execution_id < 2**63 else None
        schedule = found.schedule if found is not None else None
    if found is None or schedule is None:
        return not_found(f"Execution {execution_id}", viewer)
    reports = _reports(request)
    fragment = reports.rendered(
        found, schedule, lambda: execution_fragment(schedule.name, _report(found, schedule, reports))
    )
    return HTMLResponse(
        render_execution_page(schedule.name, execution_title(schedule.name, found.id), fragment, viewer)
    )


def _report(execution: Execution, schedule: Schedule, reports: Reports) -> ReportData:
    """The execution as the report renderer takes it; what cannot be read becomes a note."""
    notes: list[str] = []
    try:
        baseline = reports.baseline_statistics(schedule.baseline)
    except ModelwatchError as error:
        baseline = Statistics(item_count=0, features=[])
        notes.append(f"The baseline's statistics cannot be read: {one_line(error)}")
    documents = reports.documents(execution)
    notes += [f"Part of the report cannot be read: {problem}" for problem in documents.problems]
    if execution.report_uri is not None and reports.folder(execution) is None:
        where = (
            "" if is_local_outside(execution.report_uri, reports.data_dir) else f" ({execution.report_uri})"
        )
        notes.append(f"The report of this execution is no longer available{where}.")
    results = None
    if documents.results is not None:
        notes += documents.results.notes
        results = documents.results.check_results(documents.violations or [])
    elif documents.current is not None and documents.violations is not None:
        try:
            constraints = reports.baseline_constraints(schedule.baseline)
            results = rebuild_results(constraints, documents.current, documents.violations, documents.metrics)
        except ModelwatchError as error:
            notes.append(f"The baseline's constraints cannot be read: {one_line(error)}")
    row = execution_row(execution, schedule.name)
    return ReportData(
        title=execution_title(schedule.name, execution.id),
        status=row.status,
        message=row.message or row.status,
        input_uri=schedule.endpoint.capture_uri,
        window_start=execution.window_start,
        window_end=execution.window_end,
        baseline=baseline,
        current=documents.current,
        results=results,
        notes=notes,
        generated_at=execution.ended_at or execution.created_at,
    )


@router.get("/baselines")
def baselines(request: Request, viewer: ViewerDep) -> HTMLResponse:
    with _store(request).session() as session:
        found = list(session.scalars(select(Baseline).order_by(Baseline.name)))
        users = _users(session)
    return HTMLResponse(render_baselines([baseline_row(b, users.get(b.id, [])) for b in found], viewer))


@router.get("/baselines/{name}")
def baseline(name: str, request: Request, viewer: ViewerDep) -> HTMLResponse:
    with _store(request).session() as session:
        found = _find(session, Baseline, name)
        users = _users(session)
    if not isinstance(found, Baseline):
        return not_found(f"Baseline {name!r}", viewer)
    reports = _reports(request)
    problems: list[str] = []
    statistics = constraints = None
    try:
        statistics = reports.baseline_statistics(found)
        constraints = reports.baseline_constraints(found)
    except ModelwatchError as error:
        problems.append(one_line(error))
    row = baseline_row(found, users.get(found.id, []))
    return HTMLResponse(render_baseline(row, statistics, constraints, problems, viewer))


def _users(session: Session) -> dict[int, list[str]]:
    users: dict[int, list[str]] = {}
    for baseline_id, name in session.execute(
        select(Schedule.baseline_id, Schedule.name).order_by(Schedule.name)
    ):
        users.setdefault(baseline_id, []).append(name)
    return users
