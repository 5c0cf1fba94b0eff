"""The local engine: chunks profiled in worker processes merge to the single-process profile."""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from modelwatch.demo import churn_training_data
from modelwatch.engines.local import profile_chunk, profile_dataset, run_tasks
from modelwatch.engines.pool import CHUNK_BYTES, may_need_workers, started_pool, started_workers
from modelwatch.errors import ModelwatchError
from modelwatch.profiling.document import to_statistics
from modelwatch.readers import Chunk, DatasetSpec, plan_chunks


def square(value: int) -> int:
    return value * value


def test_run_tasks_keeps_task_order_across_processes() -> None:
    seen: list[tuple[int, int]] = []
    results = run_tasks(
        square, list(range(9)), workers=2, progress=lambda done, total: seen.append((done, total))
    )
    assert results == [value * value for value in range(9)]
    assert seen[0] == (0, 9)
    assert seen[-1] == (9, 9)


def _share_with_a_worker(marker: Path) -> None:
    """In a worker, leave `marker`; in the test's process, wait for it, so that workers take tasks too."""
    if multiprocessing.parent_process() is not None:
        marker.touch()
        return
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def pandas_after_profiling(task: tuple[Path, DatasetSpec, Chunk]) -> tuple[int, bool]:
    """(the process, whether pandas is imported) after profiling a chunk."""
    marker, spec, chunk = task
    _share_with_a_worker(marker)
    profile_chunk((spec, chunk))
    return os.getpid(), "pandas" in sys.modules


def test_workers_profile_without_importing_pandas(tmp_path: Path) -> None:
    """pyarrow's first conversion would import pandas, ~0.4 s of CPU in every worker."""
    spec = DatasetSpec(str(churn_training_data()))
    tasks = [(tmp_path / "marker", spec, chunk) for chunk in plan_chunks(spec, 30_000)]
    results = run_tasks(pandas_after_profiling, tasks, workers=2)
    in_workers = [imported for pid, imported in results if pid != os.getpid()]
    assert in_workers
    assert not any(in_workers)


def square_where(task: tuple[Path, int]) -> tuple[int, int]:
    marker, value = task
    _share_with_a_worker(marker)
    return os.getpid(), value * value


def test_this_process_takes_tasks_beside_its_workers(tmp_path: Path) -> None:
    results = run_tasks(square_where, [(tmp_path / "marker", value) for value in range(12)], workers=3)
    assert [square for _, square in results] == [value * value for value in range(12)]
    processes = {pid for pid, _ in results}
    assert os.getpid() in processes
    assert len(processes) >= 2


def test_parallel_chunks_merge_to_the_single_process_profile() -> None:
    spec = DatasetSpec(str(churn_training_data()))
    whole = to_statistics(profile_dataset(spec, workers=1))
    parts = to_statistics(profile_dataset(spec, workers=2, chunk_bytes=30_000))
    assert parts.item_count == whole.item_count == 2333
    for mine, theirs in zip(parts.features, whole.features, strict=True):
        assert mine.name == theirs.name
        assert mine.inferred_type == theirs.inferred_type
        assert mine.num_present == theirs.num_present
        assert mine.numerical is not None
        assert theirs.numerical is not None
        for key in ("mean", "sum", "std_dev"):
            assert math.isclose(getattr(mine.numerical, key), getattr(theirs.numerical, key), rel_tol=1e-9)
        assert (mine.numerical.min, mine.numerical.max) == (theirs.numerical.min, theirs.numerical.max)


def test_an_error_in_a_worker_reaches_the_caller_as_one_line(tmp_path: Path) -> None:
    rows = "".join(f"{index},{index * 2}\n" for index in range(20_000))
    source = tmp_path / "data.csv"
    source.write_text("a,b\n" + rows + "1,2,3\n" + rows)
    with pytest.raises(ModelwatchError, match=r"data\.csv:20002: expected 2 fields, found 3"):
        profile_dataset(DatasetSpec(str(source)), workers=2, chunk_bytes=50_000)


def _gone(pids: set[int]) -> bool:
    """Whether none of `pids` is a process any more (ended and reaped: no orphan, no zombie)."""
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        return False
    return True


def test_run_tasks_takes_the_workers_started_ahead_and_they_end_with_the_block(tmp_path: Path) -> None:
    with started_workers(2):
        assert started_pool() is not None
        workers = {process.pid for process in multiprocessing.active_children()}
        assert len(workers) == 1
        first = run_tasks(square_where, [(tmp_path / "first", value) for value in range(6)], workers=2)
        second = run_tasks(square_where, [(tmp_path / "second", value) for value in range(6)], workers=2)
        assert {process.pid for process in multiprocessing.active_children()} == workers
    assert started_pool() is None
    for results in (first, second):
        assert [square for _, square in results] == [value * value for value in range(6)]
        assert {pid for pid, _ in results} - {os.getpid()} == workers
    assert _gone(workers)


def test_one_process_starts_no_workers() -> None:
    with started_workers(1):
        assert started_pool() is None
        assert run_tasks(square, [1, 2, 3], workers=1) == [1, 4, 9]
        assert not multiprocessing.active_children()


def test_workers_started_for_an_input_that_needs_none_end_with_the_block() -> None:
    """Nothing to do, or a single task (this process alone): the workers, maybe still importing, end."""
    with started_workers(2):
        workers = {process.pid for process in multiprocessing.active_children()}
        assert run_tasks(square, [], workers=2) == []
        assert run_tasks(square, [3], workers=2) == [9]
    assert workers
    assert _gone(workers)


def test_workers_are_not_needed_for_one_local_file_of_one_chunk(tmp_path: Path) -> None:
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_text("a\n1\n")
    with big.open("wb") as handle:
        handle.truncate(CHUNK_BYTES + 1)
    assert not may_need_workers(str(small))
    assert may_need_workers(str(big))
    assert may_need_workers(str(tmp_path))  # a folder: sizing it means listing it
    assert may_need_workers(str(tmp_path / "*.csv"))
    assert may_need_workers("s3://bucket/train.csv")
    with started_workers(2, needed=False):
        assert started_pool() is None
        assert not multiprocessing.active_children()


def fail_here_while_a_worker_is_busy(task: tuple[Path, int]) -> None:
    """In a worker, say so and stay busy; in this process, fail once a worker is busy."""
    marker, _ = task
    if multiprocessing.parent_process() is not None:
        partial = marker.with_suffix(".partial")
        partial.write_text(str(os.getpid()))
        partial.replace(marker)
        time.sleep(600)
        return
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    raise ModelwatchError("this task is bad")


def test_an_error_ends_the_started_workers_without_waiting_for_their_tasks(tmp_path: Path) -> None:
    marker = tmp_path / "busy"
    started = time.monotonic()
    with pytest.raises(ModelwatchError, match="this task is bad"), started_workers(2):
        run_tasks(fail_here_while_a_worker_is_busy, [(marker, 0), (marker, 1)], workers=2)
    assert time.monotonic() - started < 300  # the busy worker's task was not waited for
    assert _gone({int(marker.read_text())})


def test_run_tasks_own_workers_end_after_an_error_without_waiting_for_their_tasks(tmp_path: Path) -> None:
    marker = tmp_path / "busy"
    started = time.monotonic()
    with pytest.raises(ModelwatchError, match="this task is bad"):
        run_tasks(fail_here_while_a_worker_is_busy, [(marker, 0), (marker, 1)], workers=2)
    assert time.monotonic() - started < 300
    assert _gone({int(marker.read_text())})
    assert not multiprocessing.active_children()
