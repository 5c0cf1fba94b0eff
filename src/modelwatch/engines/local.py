"""The local engine: work split into tasks, each run in its own process on every core, results merged.

A task is a dataset chunk or a group of capture files; each comes back as a serialized profile, and
merging those is the same path a cluster engine takes with per-partition profiles. A single task
stays in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

from modelwatch.arrow_start import start_arrow_without_pandas
from modelwatch.process import exit_quietly_at_interpreter_exit
from modelwatch.profiling.profile import Profile, profile_batches
from modelwatch.readers import Chunk, DatasetSpec, plan_chunks, read_chunk

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as tasks finish."""

Task = TypeVar("Task")
Result = TypeVar("Result")

CHUNK_BYTES = 64 * 2**20


def run_tasks(
    function: Callable[[Task], Result],
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """`function` over `tasks` on up to `workers` processes (default: every core); results in task order.

    `function` must be a module-level function and tasks and results picklable.
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
    ordered: dict[int, Result] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_quietly_at_interpreter_exit
    ) as pool:
        futures = {pool.submit(function, task): index for index, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            ordered[futures[future]] = future.result()
            report(done, total)
    return [ordered[index] for index in range(total)]


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
