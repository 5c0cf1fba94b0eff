"""Which capture files can hold records of a window, from the `yyyy/mm/dd/hh` layout alone.

A record's hour folder is not always its inferenceTime's hour:

- SageMaker names a file by its creation time and rolls it about once a minute, so a file created
  at 00:59:30 in folder `00` holds records of 01:00:xx;
- modelwatch's writer never lets a file span two hour folders, but it stamps a record with the
  time its request *started* and files it when the response ends, so a slow request started at
  00:59:59 can land in a file of folder `01` (created just before it finished).

Both effects are bounded by `SLACK` (a roll period or a request's duration is far shorter), so we
list the folders of [start - SLACK, end + SLACK) and, by the `MM-SS-mmm` creation time in the file
name, keep from the folders before start's hour only files created after `start - SLACK`, and
nowhere files created at or after `end + SLACK`. The reader still filters every record by time.
Folders are walked level by level (year, month, day, hour), so only existing folders of the range
are listed, and no file outside them is ever opened.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import fsspec

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.storage import StorageOptions, filesystem, is_local

SLACK = timedelta(minutes=5)
_FILE_TIME = re.compile(r"^(\d{2})-(\d{2})-(\d{3})-")
_HOUR = timedelta(hours=1)


class CaptureFile(NamedTuple):
    path: str
    size: int
    """Bytes, as listed: what the reader will decode, for sharing files out evenly."""


def list_capture_files(
    location: str, start: datetime, end: datetime, storage_options: StorageOptions | None = None
) -> list[str]:
    """The `.jsonl` files under `location` (`{dest}/{endpoint}/{variant}`) that can hold records
    of [start, end), sorted; none when the location does not exist."""
    return [file.path for file in capture_files(location, start, end, storage_options)]


def capture_files(
    location: str, start: datetime, end: datetime, storage_options: StorageOptions | None = None
) -> list[CaptureFile]:
    """`list_capture_files` with each file's size."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    fs, root = filesystem(location, storage_options)
    root = root.rstrip("/")
    first_hour = _floor_hour(start - SLACK)
    last_hour = _floor_hour(end + SLACK - timedelta(microseconds=1))
    try:
        if not fs.isdir(root):
            if fs.exists(root):
                raise ModelwatchError(f"{location}: not a folder of capture files")
            return []
        found = [
            file
            for folder, hour in _hour_folders(fs, root, first_hour, last_hour)
            for file in _hour_files(fs, folder)
            if _may_hold(file.path, hour, start, end)
        ]
    except OSError as error:
        raise ModelwatchError(f"{location}: cannot list capture files: {one_line(error)}") from error
    local = is_local(fs)
    return [file if local else file._replace(path=fs.unstrip_protocol(file.path)) for file in sorted(found)]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hour_folders(
    fs: fsspec.AbstractFileSystem, root: str, first: datetime, last: datetime
) -> list[tuple[str, datetime]]:
    """(folder, hour) for every existing hour folder from `first` to `last`, both included."""
    folders: list[tuple[str, datetime]] = []
    for year_folder, year in _numbered(fs, root, 4, first.year, last.year):
        months = (first.month if year == first.year else 1, last.month if year == last.year else 12)
        for month_folder, month in _numbered(fs, year_folder, 2, *months):
            for day_folder, day in _numbered(fs, month_folder, 2, 1, 31):
                if not first.date() <= _date(year, month, day) <= last.date():
                    continue
                for hour_folder, hour in _numbered(fs, day_folder, 2, 0, 23):
                    moment = datetime(year, month, day, hour, tzinfo=UTC)
                    if first <= moment <= last:
                        folders.append((hour_folder, moment))
    return folders


def _date(year: int, month: int, day: int) -> date:
    """The folder's date; a folder that names no date (`02/31`) sorts before every window."""
    try:
        return date(year, month, day)
    except ValueError:
        return date.min


def _numbered(
    fs: fsspec.AbstractFileSystem, folder: str, digits: int, low: int, high: int
) -> list[tuple[str, int]]:
    """Sub-folders of `folder` named by a `digits`-digit number in [low, high]."""
    found = []
    for entry in _ls(fs, folder):
        name = entry["name"].rstrip("/").rsplit("/", 1)[-1]
        if (
            entry.get("type") == "directory"
            and len(name) == digits
            and name.isdigit()
            and low <= int(name) <= high
        ):
            found.append((entry["name"].rstrip("/"), int(name)))
    return found


def _hour_files(fs: fsspec.AbstractFileSystem, folder: str) -> list[CaptureFile]:
    return [
        CaptureFile(entry["name"], int(entry.get("size") or 0))
        for entry in _ls(fs, folder)
        if entry.get("type") == "file"
        and entry["name"].endswith(".jsonl")
        and not entry["name"].rsplit("/", 1)[-1].startswith((".", "_"))
    ]


def _ls(fs: fsspec.AbstractFileSystem, folder: str) -> list[dict[str, Any]]:
    try:
        return list(fs.ls(folder, detail=True))
    except FileNotFoundError:
        return []


def _may_hold(path: str, hour: datetime, start: datetime, end: datetime) -> bool:
    """Whether a file created at the time its name gives can hold records of [start, end)."""
    match = _FILE_TIME.match(path.rsplit("/", 1)[-1])
    if match is None:
        return hour + _HOUR > start - SLACK and hour < end + SLACK
    minute, second, millisecond = (int(group) for group in match.groups())
    created = hour + timedelta(minutes=minute, seconds=second, milliseconds=millisecond)
    if created >= end + SLACK:
        return False
    return hour >= _floor_hour(start) or created >= start - SLACK
