"""Finding an execution's report files on the local disk without ever leaving the data directory.

Only the fixed names of a report are served, only from a report folder that lies below the data directory
once every symlink is resolved, and only regular files that also resolve below it. Everything else is
"not available", with no path in the answer, so the API cannot be used to probe or read the disk.
"""

from __future__ import annotations

from pathlib import Path

from modelwatch import storage
from modelwatch.analysis import METRICS_FILE, REPORT_FILE, VIOLATIONS_FILE
from modelwatch.baseline import CONSTRAINTS_FILE, STATISTICS_FILE
from modelwatch.errors import ModelwatchError
from modelwatch.formats.results import RESULTS_FILE

REPORT_FILES = (STATISTICS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE, METRICS_FILE, RESULTS_FILE, REPORT_FILE)
MEDIA_TYPES = {".json": "application/json", ".html": "text/html; charset=utf-8"}


def is_local_outside(report_uri: str, data_dir: Path) -> bool:
    """Whether the report is a local folder outside the data directory, whose path the API must not show."""
    local = _local_path(report_uri)
    return local is not None and not local.resolve().is_relative_to(data_dir.resolve())


def report_folder(report_uri: str | None, data_dir: Path) -> Path | None:
    """The report's folder, symlinks resolved, when it is a local folder below `data_dir`; else None."""
    local = _local_path(report_uri) if report_uri else None
    if local is None:
        return None
    folder = local.resolve()
    return folder if folder.is_relative_to(data_dir.resolve()) and folder.is_dir() else None


def report_file(folder: Path, name: str, data_dir: Path) -> Path | None:
    """The resolved report file `name` in `folder`; None for any other name or a file leading outside."""
    if name not in REPORT_FILES:
        return None
    file = (folder / name).resolve()
    return file if file.is_relative_to(data_dir.resolve()) and file.is_file() else None


def available_files(folder: Path | None, data_dir: Path) -> list[str]:
    if folder is None:
        return []
    return [name for name in REPORT_FILES if report_file(folder, name, data_dir) is not None]


def _local_path(report_uri: str) -> Path | None:
    try:
        fs, path = storage.filesystem(report_uri)
    except ModelwatchError:
        return None
    return Path(path) if storage.is_local(fs) else None
