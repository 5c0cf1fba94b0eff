"""Baselining jobs the server runs: a Baseline created with a `dataset_uri` gets its documents here.

Each runner tick first takes the Pending jobs, oldest first. A job is claimed with one conditional UPDATE
(Pending to InProgress), which only one server sharing the store can win, so each job runs once. It runs
`suggest_baseline` in a spawned worker process, for the same reason executions do (nothing the profiling
does can take the server down), writing ``{data_dir}/baselines/{name}/``; the job then becomes Completed
with the two document locations, or Failed with a one-line reason.

Schedules wait for their baseline: while its job is Pending or InProgress the runner claims none of their
windows (no execution is recorded; the windows stay due, and run once the job completes, within the usual
catch-up). A Failed job fails each execution of its schedules with the job's reason.

A server told to stop kills the job's worker and puts the job back to Pending, for the next tick of any
server. The baselines table has no lease columns, so a server that dies during a job (killed, or its
store gone until it gives up) leaves the job InProgress; creating the baseline again runs it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast, get_args

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import OperationalError

from modelwatch.baseline import suggest_baseline
from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers import DatasetFormat
from modelwatch.service.store import Baseline, JobStatus, Store
from modelwatch.service.store.models import REASON_LENGTH
from modelwatch.service.workers import EXITED, Worker, become_worker

log = logging.getLogger(__name__)

MAX_RUNTIME_SECONDS = 3600.0
"""A job still running after this is killed and Failed (a schedule's default maximum runtime)."""
DATASET_OPTIONS = ("dataset_format", "header", "storage_options")
"""The keys a Baseline's `dataset_options` may have: `suggest_baseline`'s arguments of the same names."""

_POLL_SECONDS = 0.05
_JOIN_SECONDS = 10.0
_RECORD_RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class BaselineJob:
    """What the worker profiles and where it writes the documents."""

    dataset_uri: str
    output: str
    dataset_format: DatasetFormat | None = None
    header: bool = True
    storage_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    """The documents written, or why not (one line)."""

    statistics_uri: str | None = None
    constraints_uri: str | None = None
    failure_reason: str | None = None


def waits_for_job(baseline: Baseline) -> bool:
    """Whether the baseline's job has yet to run or finish (its schedules' windows wait meanwhile)."""
    return baseline.job_status in (JobStatus.PENDING, JobStatus.IN_PROGRESS)


def missing_documents(baseline: Baseline) -> str:
    """Why an execution on a baseline without documents fails: its job failed (with why), or has not run."""
    if baseline.job_status is JobStatus.FAILED:
        return f"baseline {baseline.name!r}: its baselining job failed: {baseline.failure_reason}"
    state = baseline.job_status.value if baseline.job_status else "missing"
    return f"baseline {baseline.name!r} has no documents yet (its job is {state})"


def run_baselining_jobs(store: Store, data_dir: Path, stop: threading.Event) -> list[str]:
    """Claim and run the Pending baselining jobs one at a time, oldest first; the names of those finished."""
    with store.session() as session:
        pending = list(
            session.scalars(
                select(Baseline.id).where(Baseline.job_status == JobStatus.PENDING).order_by(Baseline.id)
            )
        )
    finished: list[str] = []
    for baseline_id in pending:
        if stop.is_set():
            break
        baseline = _claim(store, baseline_id)
        if baseline is None:
            continue  # another server took it
        log.info("baselining job %r started", baseline.name)
        try:
            result = _run(_job(baseline, data_dir), stop)
        except ModelwatchError as error:
            result = JobResult(failure_reason=str(error))
        if result is None:
            _record(store, baseline_id, {"job_status": JobStatus.PENDING}, stop)
            log.warning("baselining job %r put back to Pending: the server is stopping", baseline.name)
            break
        if _record(store, baseline_id, _values(result), stop):
            log.info("baselining job %r: %s", baseline.name, result.failure_reason or "completed")
            finished.append(baseline.name)
    return finished


def _claim(store: Store, baseline_id: int) -> Baseline | None:
    """The baseline, now InProgress, if this server moved it from Pending; None if another did first."""
    with store.session() as session:
        return session.scalars(
            update(Baseline)
            .where(Baseline.id == baseline_id, Baseline.job_status == JobStatus.PENDING)
            .values(job_status=JobStatus.IN_PROGRESS, failure_reason=None)
            .returning(Baseline)
            .execution_options(synchronize_session=False)
        ).one_or_none()


def _job(baseline: Baseline, data_dir: Path) -> BaselineJob:
    """The job of a claimed baseline; ModelwatchError for options `suggest_baseline` cannot take."""
    if baseline.dataset_uri is None:
        raise ModelwatchError("no dataset_uri to baseline")
    if baseline.name in {"", ".", ".."} or Path(baseline.name).name != baseline.name:
        raise ModelwatchError(f"baseline name {baseline.name!r} cannot name a folder")
    options = dict(baseline.dataset_options)
    unknown = sorted(set(options) - set(DATASET_OPTIONS))
    if unknown:
        raise ModelwatchError(
            f"dataset_options: unknown option(s) {', '.join(unknown)}; known: {', '.join(DATASET_OPTIONS)}"
        )
    dataset_format = options.get("dataset_format")
    if dataset_format is not None and dataset_format not in get_args(DatasetFormat):
        formats = ", ".join(get_args(DatasetFormat))
        raise ModelwatchError(f"dataset_options.dataset_format: {dataset_format!r} is not one of {formats}")
    header = options.get("header", True)
    if not isinstance(header, bool):
        raise ModelwatchError(f"dataset_options.header: {header!r} is not true or false")
    storage_options = options.get("storage_options", {})
    if not isinstance(storage_options, dict):
        raise ModelwatchError("dataset_options.storage_options: not an object")
    output = data_dir / "baselines" / baseline.name
    return BaselineJob(baseline.dataset_uri, str(output), dataset_format, header, storage_options)


def _run(job: BaselineJob, stop: threading.Event) -> JobResult | None:
    """Run `job` in a new process and wait for its result; None when `stop` was set (the worker killed)."""
    worker = Worker(_work, job, "modelwatch-baselining")
    deadline = time.monotonic() + MAX_RUNTIME_SECONDS
    try:
        while not worker.ready():
            if stop.is_set() or time.monotonic() >= deadline:
                worker.kill()
                if stop.is_set():
                    return None
                return JobResult(failure_reason=f"exceeded max runtime of {MAX_RUNTIME_SECONDS:g} s")
        result = worker.result()
        if result is EXITED:
            return JobResult(
                failure_reason=f"the baselining worker ended without a result (exit code {worker.exit_code})"
            )
        return cast(JobResult, result)
    finally:
        worker.close()


def _work(job: BaselineJob, results: Connection) -> None:
    """The worker's whole life: its own process group, the profiling, the result sent back."""
    become_worker()
    try:
        done = suggest_baseline(
            job.dataset_uri,
            job.output,
            dataset_format=job.dataset_format,
            header=job.header,
            storage_options=job.storage_options,
        )
        result = JobResult(done.statistics_uri, done.constraints_uri)
    except ModelwatchError as error:
        result = JobResult(failure_reason=one_line(error))
    except Exception as error:  # a bug rather than bad input: fail the job, say what broke
        result = JobResult(
            failure_reason=f"the baselining job crashed: {type(error).__name__}: {one_line(error)}"
        )
    results.send(result)
    results.close()


def _values(result: JobResult) -> dict[str, object]:
    if result.failure_reason is not None:
        reason = one_line(result.failure_reason)
        cut = reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 1] + "…"
        return {"job_status": JobStatus.FAILED, "failure_reason": cut}
    return {
        "job_status": JobStatus.COMPLETED,
        "statistics_uri": result.statistics_uri,
        "constraints_uri": result.constraints_uri,
        "failure_reason": None,
    }


def _record(store: Store, baseline_id: int, values: dict[str, object], stop: threading.Event) -> bool:
    """Write how a claimed job ended, retrying while the store is unreachable; False if it could not.

    The documents are written by then, so losing the outcome to a short outage would strand the job
    InProgress: the write is retried (with growing pauses) until it lands or the server stops.
    """
    pauses = itertools.chain(_RECORD_RETRY_SECONDS, itertools.repeat(_RECORD_RETRY_SECONDS[-1]))
    while True:
        try:
            with store.session() as session:
                result = session.execute(
                    update(Baseline)
                    .where(Baseline.id == baseline_id, Baseline.job_status == JobStatus.IN_PROGRESS)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            return cast(CursorResult[Any], result).rowcount == 1
        except OperationalError:
            pause = next(pauses)
            log.warning("could not record baseline %d's job; trying again in %g s", baseline_id, pause)
            if stop.wait(pause):
                log.error(
                    "baseline %d left InProgress: the server stopped before its job was recorded", baseline_id
                )
                return False
