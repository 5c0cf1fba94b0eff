"""The local engine: work split into tasks, run by this process and worker processes on every core,
results merged.

A task is a dataset chunk or a group of capture files; each comes back as a serialized profile, and
merging those is the same path a cluster engine takes with per-partition profiles. A single task
stays in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from modelwatch.arrow_start import start_arrow_without_pandas
from modelwatch.engines.pool import CHUNK_BYTES, WorkerPool, started_pool
from modelwatch.profiling.profile import Profile, profile_batches
from modelwatch.readers import Chunk, DatasetSpec, plan_chunks, read_chunk

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as tasks finish."""

Task = TypeVar("Task")
Result = TypeVar("Result")


def run_tasks(
    function: Callable[[Task], Result],
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """`function` over `tasks` on up to `workers` processes (default: every core); results in task order.

    This process is one of them: it takes tasks too (in a thread, so that progress keeps being
    reported), and only `workers - 1` are spawned, which saves one process's start-up and imports
    (~0.5 s of CPU) and puts this one, already warm, to work at once. The spawned ones are those of
    `started_workers` when the caller started them ahead, else started here and ended on return.
    Each process takes its next task as it finishes one. `function` must be a module-level function
    and tasks and results picklable.
    """
    report = progress or (lambda done, total: None)
    total = len(tasks)
    report(0, total)
    workers = min(workers or os.cpu_count() or 1, total)
    if workers <= 1:
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(function(task))
            report(done, total)
        return results
    started = started_pool()
    if started is not None:
        return _share(function, tasks, started, min(workers - 1, started.processes), report)
    with WorkerPool(workers - 1) as pool:
        return _share(function, tasks, pool, workers - 1, report)


def _share(
    function: Callable[[Task], Result],
    tasks: Sequence[Task],
    pool: WorkerPool,
    spawned: int,
    report: Progress,
) -> list[Result]:
    """The tasks taken, one at a time, by this process and `spawned` of the pool's workers."""
    ordered: dict[int, Result] = {}
    waiting = iter(enumerate(tasks))
    running: dict[Future[Result], tuple[int, Executor | WorkerPool]] = {}

    def start_next(executor: Executor | WorkerPool) -> None:
        following = next(waiting, None)
        if following is not None:
            index, task = following
            running[executor.submit(function, task)] = (index, executor)

    here = ThreadPoolExecutor(max_workers=1)
    try:
        start_next(here)
        for _ in range(spawned):
            start_next(pool)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index, executor = running.pop(future)
                ordered[index] = future.result()
                report(len(ordered), len(tasks))
                start_next(executor)
    finally:
        # After an error, this process's task is left to finish in its thread: the error goes
        # up now instead of after it.
        here.shutdown(wait=False, cancel_futures=True)
    return [ordered[index] for index in range(len(tasks))]


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    merged = Profile()
    for profile in profiles:
        merged = merged.merge(profile)
    return merged


def profile_dataset(
    spec: DatasetSpec,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Profile:
    """The profile of every row of the dataset."""
    tasks = [(spec, chunk) for chunk in plan_chunks(spec, chunk_bytes)]
    results = run_tasks(profile_chunk, tasks, workers=workers, progress=progress)
    return merge_profiles([Profile.from_bytes(result) for result in results])


def profile_chunk(task: tuple[DatasetSpec, Chunk]) -> bytes:
    """One chunk's profile, serialized for the trip back from a worker."""
    if multiprocessing.parent_process() is not None:
        start_arrow_without_pandas()  # a worker: nothing here hands pandas objects to Arrow
    spec, chunk = task
    return profile_batches(read_chunk(spec, chunk)).to_bytes()
