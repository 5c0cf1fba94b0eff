"""Profiling a window of captured traffic on every core: capture files split into groups, one per task."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from modelwatch.engines.local import Progress, merge_profiles, run_tasks
from modelwatch.profiling.profile import Profile, profile_batches
from modelwatch.readers.capture import Problems, ReadOptions, load_preprocessor, read_capture_rows

POSITION_NOTE = "CSV payloads carry no column names: their columns were matched to the baseline's by position"


@dataclass(frozen=True)
class CaptureTask:
    """Capture files of one window and how to read them; picklable, so it can go to a worker."""

    files: tuple[str, ...]
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
    """The profile of every record of the window, with the bad records counted per kind."""
    groups = _split(task.files, parts=max(1, 2 * (workers or 2)))
    results = run_tasks(
        _profile_group, [replace(task, files=group) for group in groups], workers=workers, progress=progress
    )
    problems = Problems()
    by_position = False
    for _, part_problems, part_by_position in results:
        problems.merge(part_problems)
        by_position = by_position or part_by_position
    profile = merge_profiles([Profile.from_bytes(data) for data, _, _ in results])
    return CaptureProfile(profile, problems, [POSITION_NOTE] if by_position else [])


def _split(files: tuple[str, ...], parts: int) -> list[tuple[str, ...]]:
    """Files dealt round-robin into at most `parts` groups (none empty); a window of no files is one group."""
    groups = [files[index::parts] for index in range(min(parts, len(files)))]
    return groups or [()]


def _profile_group(task: CaptureTask) -> tuple[bytes, Problems, bool]:
    options = ReadOptions(
        feature_names=list(task.feature_names),
        output_columns_position=task.output_columns_position,
        preprocessor=load_preprocessor(task.preprocessor) if task.preprocessor else None,
    )
    rows = read_capture_rows(list(task.files), task.start, task.end, options, task.storage_options)
    profile = profile_batches(rows.batches)
    return profile.to_bytes(), rows.problems, rows.matched_by_position
