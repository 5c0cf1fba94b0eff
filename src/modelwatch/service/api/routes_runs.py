"""``POST /schedules/{name}/runs``: run a schedule now, on any window (SageMaker's NOW, for any window).

The execution runs on the server's runner, beside the schedule's own windows, in a background thread:
the request returns at once (202) and the execution appears under ``/executions`` as it starts.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import AwareDatetime

from modelwatch.errors import ModelwatchError
from modelwatch.service.api.deps import StoreDep, get
from modelwatch.service.api.errors import ApiError
from modelwatch.service.api.models import RequestBody
from modelwatch.service.runner import Runner
from modelwatch.service.store import Schedule

router = APIRouter(prefix="/schedules", tags=["schedules"])
log = logging.getLogger(__name__)


class RunRequest(RequestBody):
    start: AwareDatetime
    end: AwareDatetime


class RunAccepted(RequestBody):
    schedule: str
    start: datetime
    end: datetime


@router.post("/{name}/runs", status_code=202)
def run_now(name: str, body: RunRequest, store: StoreDep, request: Request) -> RunAccepted:
    if body.start >= body.end:
        raise ApiError(422, "end: the window must end after it starts", "end")
    with store.session() as session:
        get(session, Schedule, name)
    runner: Runner = request.app.state.runner
    threading.Thread(target=_run, args=(runner, name, body.start, body.end), daemon=True).start()
    return RunAccepted(schedule=name, start=body.start, end=body.end)


def _run(runner: Runner, name: str, start: datetime, end: datetime) -> None:
    try:
        runner.run_now(name, start, end)
    except ModelwatchError as error:
        log.warning("run of schedule %r on [%s, %s) refused: %s", name, start, end, error)
