"""The capture engine: groups of files read here and in a spawned worker, merged in order."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from modelwatch.engines import capture as engine
from modelwatch.engines.capture import CaptureTask, profile_capture
from modelwatch.errors import ModelwatchError
from modelwatch.profiling.document import to_statistics
from modelwatch.readers.capture import CaptureFile, capture_files

from .captures import END, FEATURES, START, T0, capture_file, record


def window(root: Path, files: int, bad_in: int | None = None) -> tuple[CaptureFile, ...]:
    for index in range(files):
        moment = T0 + timedelta(minutes=index)
        lines = [record(f"{row % 2},{row},{index}.5,x{row % 3}", moment=moment) for row in range(40)]
        if index == bad_in:
            lines.append("not json\n")
        capture_file(root, moment, lines)
    return tuple(capture_files(str(root), START, END))


def task(files: tuple[CaptureFile, ...]) -> CaptureTask:
    return CaptureTask(files=files, start=START, end=END, feature_names=tuple(FEATURES))


def test_groups_read_here_and_in_a_worker_give_the_one_process_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = window(tmp_path, 6, bad_in=4)
    monkeypatch.setattr(engine, "MIN_GROUP_BYTES", 1)  # six groups of one small file, either way
    monkeypatch.setattr(engine, "_GROUPS_PER_WORKER", 6)
    seen: list[tuple[int, int]] = []
    shared = profile_capture(task(files), workers=2, progress=lambda done, total: seen.append((done, total)))
    alone = profile_capture(task(files), workers=1)
    assert shared.profile.item_count == alone.profile.item_count == 6 * 40
    assert to_statistics(shared.profile).to_dict() == to_statistics(alone.profile).to_dict()
    assert shared.problems.counts == alone.problems.counts == {"not JSON": 1}
    [example] = shared.problems.examples["not JSON"]
    assert example.startswith(f"{files[4].path}:41: ")
    assert seen[0] == (0, 6)
    assert seen[-1] == (6, 6)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_failing_group_in_a_worker_fails_the_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = window(tmp_path, 4)
    gone = CaptureFile(str(tmp_path / "gone.jsonl"), 10)
    monkeypatch.setattr(engine, "MIN_GROUP_BYTES", 1)
    with pytest.raises(ModelwatchError, match=r"gone\.jsonl"):
        profile_capture(task((*files, gone)), workers=2)
