from __future__ import annotations

from modelwatch.engines.capture import MIN_GROUP_BYTES, _groups
from modelwatch.readers.capture import CaptureFile

MIB = 2**20


def files(*sizes: int) -> tuple[CaptureFile, ...]:
    return tuple(CaptureFile(f"f{index:02d}.jsonl", size) for index, size in enumerate(sizes))


def test_groups_hold_every_file_once_with_about_equal_bytes() -> None:
    window = files(*[7 * MIB] * 60, 90 * MIB, 3 * MIB)
    groups = _groups(window, 8)
    assert sorted(file for group in groups for file in group) == sorted(window)
    loads = [sum(file.size for file in group) for group in groups]
    assert len(groups) == 8
    assert max(loads) - min(loads) <= 7 * MIB or max(loads) == 90 * MIB
    assert all(list(group) == sorted(group) for group in groups)


def test_uneven_files_are_balanced_largest_first() -> None:
    groups = _groups(files(20 * MIB, 80 * MIB, 30 * MIB, 50 * MIB, 20 * MIB, 40 * MIB), 2)
    assert [[file.path for file in group] for group in groups] == [
        ["f01.jsonl", "f02.jsonl", "f04.jsonl"],  # 130 MiB: 80 first, then the lighter side's turns
        ["f00.jsonl", "f03.jsonl", "f05.jsonl"],  # 110 MiB
    ]


def test_a_small_window_is_one_group_and_no_window_is_one_empty_group() -> None:
    small = files(*[MIN_GROUP_BYTES // 4] * 3)
    assert _groups(small, 8) == [small]
    assert _groups((), 8) == [()]


def test_never_more_groups_than_files() -> None:
    assert len(_groups(files(100 * MIB, 100 * MIB), 8)) == 2


def test_files_of_unknown_size_are_dealt_out_by_count() -> None:
    groups = _groups(files(*[0] * 10), 4)
    assert sorted(len(group) for group in groups) == [2, 2, 3, 3]
