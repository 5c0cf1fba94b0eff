"""Profiling a window of captured traffic on every core: capture files split into groups, one per task."""

from __future__ import annotations

import heapq
import multiprocessing
import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from modelwatch.arrow_start import start_arrow_without_pandas
from modelwatch.engines.local import Progress, merge_profiles, run_tasks
from modelwatch.errors import ModelwatchError
from modelwatch.profiling.profile import Profile, profile_batches
from modelwatch.readers.capture import (
    CaptureFile,
    PreprocessorFailedError,
    Problems,
    ReadOptions,
    load_preprocessor,
    read_capture_rows,
)

_GROUPS_PER_WORKER = 4
MIN_GROUP_BYTES = 32 * 2**20
"""Below this a group's fixed costs (a profile to merge, a preprocessor to load) start to show."""

POSITION_NOTE = "CSV payloads carry no column names: their columns were matched to the baseline's by position"


@dataclass(frozen=True)
class CaptureTask:
    """Capture files of one window and how to read them; picklable, so it can go to a worker."""

    files: tuple[CaptureFile, ...]
    start: datetime
    end: datetime
    feature_names: tuple[str, ...]
    output_columns_position: Literal["start", "end"] = "start"
    preprocessor: str | None = None
    storage_options: dict[str, Any] | None = None


@dataclass
class CaptureProfile:
    profile: Profile
    problems: Problems
    notes: list[str]


def profile_capture(
    task: CaptureTask, *, workers: int | None = None, progress: Progress | None = None
) -> CaptureProfile:
    """The profile of every record of the window, with the bad records counted per kind.

    A preprocessor that fails on every record of one group of files fails the execution only when
    no group produced a row: elsewhere its failures are bad records like any other.
    """
    workers = workers or os.cpu_count() or 1
    groups = _groups(task.files, _GROUPS_PER_WORKER * workers)
    results = run_tasks(
        _profile_group, [replace(task, files=group) for group in groups], workers=workers, progress=progress
    )
    problems = Problems()
    for result in results:
        problems.merge(result.problems)
    profile = merge_profiles([Profile.from_bytes(result.profile) for result in results])
    failures = [result.preprocessor_failure for result in results if result.preprocessor_failure]
    if failures and profile.item_count == 0:
        raise ModelwatchError(failures[0])
    notes = [POSITION_NOTE] if any(result.matched_by_position for result in results) else []
    return CaptureProfile(profile, problems, notes)


@dataclass
class _GroupResult:
    profile: bytes
    problems: Problems
    matched_by_position: bool
    preprocessor_failure: str | None


def _groups(files: tuple[CaptureFile, ...], parts: int) -> list[tuple[CaptureFile, ...]]:
    """The files in at most `parts` groups of about equal bytes (none empty, none much smaller than
    MIN_GROUP_BYTES), largest file first into the lightest group (the one with fewer files among
    equals: a store that lists no sizes gets groups of equal counts); a window of no files is one
    group.

    Several groups per worker: a worker that finishes early takes another instead of idling while
    the last group is read.
    """
    total = sum(file.size for file in files)
    by_bytes = -(-total // MIN_GROUP_BYTES) if total else len(files)  # sizes unknown: by count
    parts = max(1, min(parts, len(files), by_bytes))
    groups: list[list[CaptureFile]] = [[] for _ in range(parts)]
    loads = [(0, 0, index) for index in range(parts)]
    for file in sorted(files, key=lambda file: (-file.size, file.path)):
        load, count, index = heapq.heappop(loads)
        groups[index].append(file)
        heapq.heappush(loads, (load + file.size, count + 1, index))
    return [tuple(sorted(group)) for group in groups if group] or [()]


def _profile_group(task: CaptureTask) -> _GroupResult:
    if multiprocessing.parent_process() is not None:
        start_arrow_without_pandas()  # a worker: nothing here hands pandas objects to Arrow
    options = ReadOptions(
        feature_names=list(task.feature_names),
        output_columns_position=task.output_columns_position,
        preprocessor=load_preprocessor(task.preprocessor) if task.preprocessor else None,
    )
    rows = read_capture_rows(
        [file.path for file in task.files], task.start, task.end, options, task.storage_options
    )
    failure = None
    try:
        profile = profile_batches(rows.batches)
    except PreprocessorFailedError as error:
        profile, failure = Profile(), str(error)
    return _GroupResult(profile.to_bytes(), rows.problems, rows.matched_by_position, failure)
