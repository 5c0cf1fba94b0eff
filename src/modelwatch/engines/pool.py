"""Worker processes for the local engine, which a command can start before it knows its tasks.

A spawned worker spends ~0.4-0.5 s of CPU starting Python and importing pyarrow, numpy, DataSketches
and the profiler before its first task. Started when the tasks are ready, that is serial time on top
of the command's own imports, baseline reading and planning; started first thing (`started_workers`),
the worker imports on the core the command leaves idle meanwhile, and `run_tasks` takes the warm pool.

This module imports only the standard library, so that starting the pool costs the command nothing
before the spawn.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from types import TracebackType
from typing import Any, TypeVar

from modelwatch.process import exit_quietly_at_interpreter_exit

Result = TypeVar("Result")

ENGINE_MODULES = ("modelwatch.engines.local",)
"""What every task of the local engine needs imported (profiler, readers, pyarrow)."""

CHUNK_BYTES = 64 * 2**20
"""How much of a data set one task of the local engine profiles."""


class WorkerPool:
    """`processes` spawned worker processes, each importing `preload` as soon as it starts.

    Workers ignore Ctrl-C: the process that owns the pool ends them (`close`), which a worker
    interrupted mid-task or mid-import could not do cleanly (a traceback per worker).
    """

    def __init__(self, processes: int, preload: Sequence[str] = ENGINE_MODULES) -> None:
        self.processes = processes
        self._executor = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
        )
        # A spawn context starts one process per submission until there are `processes`.
        for _ in range(processes):
            self._executor.submit(_import_modules, tuple(preload))

    def submit(self, function: Callable[[Any], Result], task: object) -> Future[Result]:
        return self._executor.submit(function, task)

    def close(self) -> None:
        """End the workers now, whatever they are doing, and wait until they are gone.

        By the time a command closes its pool the results it needs are in, so nothing is lost by
        not letting a worker finish: a task abandoned after an error, or a warm-up import that an
        input too small for workers never needed.
        """
        # ProcessPoolExecutor.terminate_workers() does this from Python 3.14 on.
        processes = list((self._executor._processes or {}).values())
        for process in processes:
            process.terminate()
        self._executor.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            process.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


_started: ContextVar[WorkerPool | None] = ContextVar("started_workers", default=None)


@contextmanager
def started_workers(
    workers: int | None = None, preload: Sequence[str] = ENGINE_MODULES, *, needed: bool = True
) -> Iterator[None]:
    """Start the workers of `workers` processes in all (default: every core) now, for every
    `run_tasks` inside the block, and end them when the block ends, however it ends.

    This process is one of the `workers` (it takes tasks too), so `workers - 1` are spawned: none
    for a single process, nor when the caller knows that the work is one task (`needed=False`).
    """
    spawned = (workers or os.cpu_count() or 1) - 1
    if spawned < 1 or not needed:
        yield
        return
    with WorkerPool(spawned, preload) as pool:
        token = _started.set(pool)
        try:
            yield
        finally:
            _started.reset(token)


def may_need_workers(dataset: str) -> bool:
    """False only where one stat call tells that the data set is one local file of one chunk, which
    this process profiles alone: a worker started for it would cost ~0.4 s of CPU for nothing.

    A folder, a glob or a URI is taken to need workers: sizing it means listing it.
    """
    try:
        status = os.stat(dataset)
    except (OSError, ValueError):
        return True
    return not stat.S_ISREG(status.st_mode) or status.st_size > CHUNK_BYTES


def started_pool() -> WorkerPool | None:
    """The pool `started_workers` started for the code running now, if any."""
    return _started.get()


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_quietly_at_interpreter_exit()


def _import_modules(names: tuple[str, ...]) -> None:
    from modelwatch.arrow_start import start_arrow_without_pandas

    for name in names:
        import_module(name)
    start_arrow_without_pandas()  # a worker: nothing here hands pandas objects to Arrow
