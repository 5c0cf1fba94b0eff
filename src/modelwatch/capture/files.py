"""Capture files: SageMaker's key layout, the buffer of the file being filled, and its upload."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from modelwatch import storage
from modelwatch.errors import ModelwatchError

DEFAULT_VARIANT = "AllTraffic"


def capture_file_uri(prefix: str, created: float) -> str:
    """`{prefix}/yyyy/mm/dd/hh/MM-SS-mmm-{uuid4}.jsonl`, UTC; the UUID keeps every writer's files apart."""
    moment = datetime.fromtimestamp(created, UTC)
    name = f"{moment:%M-%S}-{moment.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    return storage.join(prefix, f"{moment:%Y}", f"{moment:%m}", f"{moment:%d}", f"{moment:%H}", name)


@dataclass
class OpenCaptureFile:
    """The records of one roll window, kept in memory until the window closes or the size limit is hit."""

    uri: str
    window: tuple[int, int]
    buffer: bytearray = field(default_factory=bytearray)
    records: int = 0

    def append(self, lines: list[bytes]) -> None:
        self.buffer += b"".join(lines)
        self.records += len(lines)


def roll_window(moment: float, roll_interval: float) -> tuple[int, int]:
    """(hour, interval) a moment falls in: a window never spans two hour folders."""
    return int(moment // 3600), int(moment // roll_interval)


def window_end(window: tuple[int, int], roll_interval: float) -> float:
    hour, interval = window
    return min((hour + 1) * 3600.0, (interval + 1) * roll_interval)


def upload(uri: str, data: bytearray, storage_options: storage.StorageOptions | None) -> None:
    """The file appears whole or not at all: local rename, or one PUT / multipart upload.

    The buffer is passed as it is: copying a minute of records to `bytes` would hold the GIL, and
    so stall requests, for tens of milliseconds.
    """
    storage.atomic_write_bytes(uri, data, storage_options)


def check_writable(prefix: str, storage_options: storage.StorageOptions | None) -> None:
    """Write and remove a hidden probe file, so a bad destination fails at start-up, not later."""
    probe = storage.join(prefix, f".modelwatch-write-check-{uuid.uuid4().hex}")
    try:
        fs, path = storage.filesystem(probe, storage_options)
        if storage.is_local(fs):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        fs.pipe_file(path, b"")
    except ModelwatchError:
        raise
    except Exception as error:
        raise ModelwatchError(f"{prefix}: cannot write capture files there: {_one_line(error)}") from error
    with contextlib.suppress(Exception):  # a store may allow writes but not deletes; the probe is hidden
        fs.rm(path)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
