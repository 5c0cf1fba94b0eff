"""``/executions``: the ledger of runs, filtered and paged, each with its violations and report files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import AwareDatetime
from sqlalchemy import select

from modelwatch.analysis import VIOLATIONS_FILE
from modelwatch.documents import read_violations
from modelwatch.errors import ModelwatchError, one_line
from modelwatch.service.api.deps import SettingsDep, StoreDep, get
from modelwatch.service.api.errors import ApiError, not_found
from modelwatch.service.api.models import ExecutionDetail, ExecutionOut, ExecutionPage
from modelwatch.service.api.reports import (
    MEDIA_TYPES,
    REPORT_FILES,
    available_files,
    is_local_outside,
    report_file,
    report_folder,
)
from modelwatch.service.store import (
    Execution,
    ExecutionStatus,
    Schedule,
    Store,
    count_executions,
    list_executions,
    request_stop,
)
from modelwatch.service.store.executions import MAX_PAGE

ExecutionId = Annotated[int, PathParam(ge=0, le=2**63 - 1)]

router = APIRouter(prefix="/executions", tags=["executions"])


@router.get("")
def list_all(
    store: StoreDep,
    settings: SettingsDep,
    schedule: Annotated[str | None, Query(description="A schedule's name")] = None,
    status: Annotated[list[ExecutionStatus] | None, Query(description="Repeat for several")] = None,
    start: Annotated[AwareDatetime | None, Query(description="Windows ending after this time")] = None,
    end: Annotated[AwareDatetime | None, Query(description="Windows starting before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ExecutionPage:
    """Executions whose window overlaps ``[start, end)``, latest window first, with the total for paging."""
    schedule_id = None
    if schedule is not None:
        with store.session() as session:
            schedule_id = get(session, Schedule, schedule).id
    statuses = status or ()
    executions = list_executions(
        store, schedule_id=schedule_id, statuses=statuses, since=start, until=end, limit=limit, offset=offset
    )
    names = _schedule_names(store, {execution.schedule_id for execution in executions})
    return ExecutionPage(
        items=[_out(execution, names[execution.schedule_id], settings.data_dir) for execution in executions],
        total=count_executions(store, schedule_id=schedule_id, statuses=statuses, since=start, until=end),
        limit=limit,
        offset=offset,
    )


@router.get("/{execution_id}")
def get_one(
    execution_id: ExecutionId, request: Request, store: StoreDep, settings: SettingsDep
) -> ExecutionDetail:
    execution = _execution(store, execution_id)
    names = _schedule_names(store, {execution.schedule_id})
    summary = _out(execution, names[execution.schedule_id], settings.data_dir)
    folder = report_folder(execution.report_uri, settings.data_dir)
    files = available_files(folder, settings.data_dir)
    violations, violations_error = None, None
    if folder is not None and VIOLATIONS_FILE in files:
        try:
            violations = read_violations(str(folder / VIOLATIONS_FILE)).to_dict()["violations"]
        except ModelwatchError as error:
            violations_error = one_line(error)
    links = {
        name: str(request.url_for("get_report_file", execution_id=execution_id, name=name)) for name in files
    }
    return ExecutionDetail(
        **summary.model_dump(), violations=violations, violations_error=violations_error, files=links
    )


@router.post("/{execution_id}/stop", status_code=202)
def stop(execution_id: ExecutionId, store: StoreDep, settings: SettingsDep) -> ExecutionOut:
    """Ask a Pending or InProgress execution to stop: it becomes Stopping, then Stopped once its runner
    has killed the analysis (at its next lease renewal). A finished execution cannot be stopped (409)."""
    status = request_stop(store, execution_id)
    if status is None:
        raise not_found(f"execution {execution_id}")
    if status != ExecutionStatus.STOPPING:
        raise ApiError(409, f"execution {execution_id} is {status.value}: only a running one can be stopped")
    execution = _execution(store, execution_id)
    return _out(
        execution, _schedule_names(store, {execution.schedule_id})[execution.schedule_id], settings.data_dir
    )


@router.get(
    "/{execution_id}/files/{name}",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
def get_report_file(
    execution_id: ExecutionId, name: str, store: StoreDep, settings: SettingsDep
) -> FileResponse:
    """One file of the execution's report, when the report is a local folder below the data directory."""
    if name not in REPORT_FILES:
        raise ApiError(404, f"no such report file; reports have {', '.join(REPORT_FILES)}", "name")
    execution = _execution(store, execution_id)
    folder = report_folder(execution.report_uri, settings.data_dir)
    file = None if folder is None else report_file(folder, name, settings.data_dir)
    if file is None:
        raise not_found(f"report file {name} of execution {execution_id}")
    return FileResponse(
        file, media_type=MEDIA_TYPES[Path(name).suffix], headers={"X-Content-Type-Options": "nosniff"}
    )


def _execution(store: Store, execution_id: int) -> Execution:
    with store.session() as session:
        execution = session.get(Execution, execution_id)
    if execution is None:
        raise not_found(f"execution {execution_id}")
    return execution


def _schedule_names(store: Store, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with store.session() as session:
        rows = session.execute(select(Schedule.id, Schedule.name).where(Schedule.id.in_(ids)))
        return {row.id: row.name for row in rows}


def _out(execution: Execution, schedule: str, data_dir: Path) -> ExecutionOut:
    report_uri = execution.report_uri
    if report_uri is not None and is_local_outside(report_uri, data_dir):
        report_uri = None
    return ExecutionOut(
        id=execution.id,
        schedule=schedule,
        status=execution.status,
        window_start=execution.window_start,
        window_end=execution.window_end,
        scheduled_at=execution.scheduled_at,
        created_at=execution.created_at,
        started_at=execution.started_at,
        ended_at=execution.ended_at,
        duration_seconds=execution.duration_seconds,
        violation_count=execution.violation_count,
        exit_message=execution.exit_message,
        failure_reason=execution.failure_reason,
        attempts=execution.attempts,
        report_uri=report_uri,
    )
