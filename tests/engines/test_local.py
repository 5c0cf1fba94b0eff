"""The local engine: chunks profiled in worker processes merge to the single-process profile."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from modelwatch.demo import churn_training_data
from modelwatch.engines.local import profile_chunk, profile_dataset, run_tasks
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


def pandas_after_profiling(task: tuple[DatasetSpec, Chunk]) -> bool:
    profile_chunk(task)
    return "pandas" in sys.modules


def test_workers_profile_without_importing_pandas() -> None:
    """pyarrow's first conversion would import pandas, ~0.4 s of CPU in every worker."""
    spec = DatasetSpec(str(churn_training_data()))
    tasks = [(spec, chunk) for chunk in plan_chunks(spec, 30_000)]
    assert len(tasks) >= 2
    assert run_tasks(pandas_after_profiling, tasks, workers=2) == [False] * len(tasks)


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
