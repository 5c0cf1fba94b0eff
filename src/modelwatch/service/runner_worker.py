"""One execution in a worker process of its own, watched by the runner: lease kept, runtime bounded.

The analysis runs in a spawned process so that nothing it does (a crash in a native library, memory
exhaustion, a hang) can take the server down with it; the server only waits, renews the lease from a
thread, and kills the worker when it runs too long, when the lease is lost to another server, or when the
server stops. The worker makes its own process group first, so killing the group also ends the engine's
worker processes it may have started. Only a small summary crosses back through a pipe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from multiprocessing.connection import Connection
from typing import Any, cast

from modelwatch.analysis import FAILED, analyze
from modelwatch.errors import one_line
from modelwatch.service.store import ExecutionStatus
from modelwatch.service.workers import EXITED, Worker, become_worker

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.05
_JOIN_SECONDS = 10.0


@dataclass(frozen=True)
class Job:
    """What the worker analyses and where it writes the report."""

    capture_uri: str
    statistics_uri: str
    constraints_uri: str
    start: datetime
    end: datetime
    output: str
    storage_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How an execution ended, as `store.finish` records it; only the violations' number crosses over."""

    status: str
    message: str
    violation_count: int = 0
    wrote_report: bool = False

    @property
    def violations(self) -> range:
        return range(self.violation_count)


class Interrupted(Enum):
    """Why a run was abandoned without an outcome to record."""

    LEASE_LOST = "lease lost"
    SHUTDOWN = "server stopping"


def analyse_in_worker(
    job: Job,
    *,
    max_runtime: float,
    renew: Callable[[], bool],
    renew_every: float,
    stop: threading.Event,
) -> Outcome | Interrupted:
    """Run `job` in a new process and wait for it; `renew` is called every `renew_every` seconds meanwhile.

    Stopped when `max_runtime` seconds pass first; Interrupted when `renew` says the lease is gone or
    `stop` is set (the worker is killed in every one of those cases).
    """
    keeper = _LeaseKeeper(renew, renew_every)
    deadline = time.monotonic() + max_runtime
    worker = Worker(_work, job, "modelwatch-execution")
    keeper.start()
    try:
        while not worker.ready():
            if keeper.lost.is_set() or stop.is_set() or time.monotonic() >= deadline:
                worker.kill()
                if keeper.lost.is_set():
                    return Interrupted.LEASE_LOST
                if stop.is_set():
                    return Interrupted.SHUTDOWN
                return Outcome(ExecutionStatus.STOPPED, f"exceeded max runtime of {max_runtime:g} s")
        outcome = worker.result()
        if outcome is EXITED:
            return Outcome(
                FAILED, f"the analysis worker ended without a result (exit code {worker.exit_code})"
            )
        return cast(Outcome, outcome)
    finally:
        keeper.finish()
        worker.close()


def _work(job: Job, results: Connection) -> None:
    """The worker's whole life: its own process group, the analysis, the summary sent back."""
    become_worker()
    try:
        result = analyze(
            job.capture_uri,
            job.output,
            baseline_statistics=job.statistics_uri,
            baseline_constraints=job.constraints_uri,
            start=job.start,
            end=job.end,
            storage_options=job.storage_options,
        )
        outcome = Outcome(result.status, result.message, len(result.violations), bool(result.files))
    except Exception as error:  # a bug rather than bad input (analyze reports those): fail the execution
        outcome = Outcome(FAILED, f"the analysis crashed: {type(error).__name__}: {one_line(error)}")
    results.send(outcome)
    results.close()


class _LeaseKeeper(threading.Thread):
    """Renews the lease every `every` seconds until finished; sets `lost` when a renewal is refused."""

    def __init__(self, renew: Callable[[], bool], every: float) -> None:
        super().__init__(name="modelwatch-lease", daemon=True)
        self._renew = renew
        self._every = every
        self._done = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self._every):
            try:
                held = self._renew()
            except Exception:  # the database may be back by the next renewal; the lease outlasts a few
                log.warning("could not renew an execution's lease; trying again", exc_info=True)
                continue
            if not held:
                self.lost.set()
                return

    def finish(self) -> None:
        self._done.set()
        self.join()
