from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from modelwatch.errors import ModelwatchError
from modelwatch.readers.capture import CaptureFile, capture_files, list_capture_files

from .captures import capture_file, read, record

HOUR = timedelta(hours=1)
T = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def names(files: list[str]) -> list[str]:
    return ["/".join(file.split("/")[-5:-1]) + "/" + file.rsplit("/", 1)[-1][:9] for file in files]


def test_only_the_hours_of_the_window_and_their_edges_are_listed(tmp_path: Path) -> None:
    for created in [
        T - 2 * HOUR,  # 08:00, far before
        T - timedelta(minutes=30),  # 09:30: created long before start, cannot roll into 10:00
        T - timedelta(minutes=2),  # 09:58: a minute-rolled file that can hold 10:00 records
        T + timedelta(minutes=10),
        T + timedelta(minutes=59, seconds=59),
        T + HOUR + timedelta(minutes=1),  # 11:01: may hold a slow request started before 11:00
        T + HOUR + timedelta(minutes=30),  # 11:30: only records after the window
        T + 5 * HOUR,
    ]:
        capture_file(tmp_path, created, [])
    files = list_capture_files(str(tmp_path), T, T + HOUR)
    assert names(files) == [
        "2026/03/01/09/58-00-000",
        "2026/03/01/10/10-00-000",
        "2026/03/01/10/59-59-000",
        "2026/03/01/11/01-00-000",
    ]
    assert files == sorted(files)


def test_a_window_across_days_and_months(tmp_path: Path) -> None:
    start = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    for created in [start + timedelta(minutes=10), start + timedelta(minutes=40), start + 3 * HOUR]:
        capture_file(tmp_path, created, [])
    (tmp_path / "2026" / "02" / "31").mkdir()  # a folder that names no date
    (tmp_path / "notes").mkdir()
    files = list_capture_files(str(tmp_path), start, start + HOUR)
    assert names(files) == ["2026/02/28/23/40-00-000", "2026/03/01/00/10-00-000"]


def test_files_outside_the_window_hours_are_never_opened(tmp_path: Path) -> None:
    good = capture_file(tmp_path, T + timedelta(minutes=5), [record("1,2,3", "0")])
    capture_file(tmp_path, T - 6 * HOUR, ["{not json at all\n"])
    capture_file(tmp_path, T + 6 * HOUR, ["{not json at all\n"])
    files = list_capture_files(str(tmp_path), T, T + HOUR)
    rows, result = read(files)
    assert files == [good]
    assert rows == [{"_c0": "0", "_c1": "1", "_c2": "2", "_c3": "3"}]
    assert result.problems.total == 0


def test_hidden_and_other_files_are_ignored(tmp_path: Path) -> None:
    good = capture_file(tmp_path, T + timedelta(minutes=5), [])
    folder = Path(good).parent
    (folder / ".05-00-000-x.jsonl.tmp").write_text("")
    (folder / "_SUCCESS").write_text("")
    (folder / "notes.txt").write_text("")
    assert list_capture_files(str(tmp_path), T, T + HOUR) == [good]


def test_a_missing_location_is_an_empty_window(tmp_path: Path) -> None:
    assert list_capture_files(str(tmp_path / "nothing"), T, T + HOUR) == []
    assert list_capture_files(str(tmp_path), T + HOUR, T) == []


def test_a_file_as_location_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ModelwatchError, match="not a folder of capture files"):
        list_capture_files(str(path), T, T + HOUR)


def test_an_unreadable_location_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    capture_file(tmp_path, T + timedelta(minutes=5), [])

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied\n(by policy)")

    monkeypatch.setattr(LocalFileSystem, "ls", denied)
    with pytest.raises(ModelwatchError, match=r"cannot list capture files: .*Permission denied") as error:
        list_capture_files(str(tmp_path), T, T + HOUR)
    assert "\n" not in str(error.value)


def test_naive_times_are_utc(tmp_path: Path) -> None:
    good = capture_file(tmp_path, T + timedelta(minutes=5), [])
    assert list_capture_files(str(tmp_path), T.replace(tzinfo=None), (T + HOUR).replace(tzinfo=None)) == [
        good
    ]


def test_memory_uris_are_listed_and_read() -> None:
    root = f"memory://capture-{uuid.uuid4().hex}/endpoint/AllTraffic"
    fs = fsspec.filesystem("memory")
    inside = f"{root}/2026/03/01/10/05-00-000-{uuid.uuid4()}.jsonl"
    outside = f"{root}/2026/03/01/14/05-00-000-{uuid.uuid4()}.jsonl"
    fs.pipe(inside, record("1,2,3", "0").encode())
    fs.pipe(outside, b"garbage")
    files = list_capture_files(root, T, T + HOUR)
    assert len(files) == 1
    assert files[0].startswith("memory://")
    assert files[0].endswith(inside[len("memory://") :])
    rows, result = read(files, feature_names=["label", "a", "b", "c"])
    assert rows == [{"label": "0", "a": "1", "b": "2", "c": "3"}]
    assert result.matched_by_position


def test_capture_files_come_with_their_sizes(tmp_path: Path) -> None:
    path = capture_file(tmp_path, T + timedelta(minutes=1), [record("1,2", moment=T) + "\n"])
    [listed] = capture_files(str(tmp_path), T, T + HOUR)
    assert listed == CaptureFile(path, Path(path).stat().st_size)
    assert listed.size > 0
