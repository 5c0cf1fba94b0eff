"""Resolving a dataset location to its data files, and opening them (or a byte range of them)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import fsspec
import pyarrow as pa

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers.spec import FORMATS, Chunk, DatasetFormat, DatasetSpec
from modelwatch.storage import filesystem, is_local

EXTENSIONS: dict[str, DatasetFormat] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_GLOB_CHARACTERS = frozenset("*?[")


def list_files(spec: DatasetSpec) -> list[str]:
    """The data files of the dataset, sorted; hidden (`.x`) and Spark metadata (`_x`) files skipped."""
    fs, path = filesystem(spec.uri, spec.storage_options)
    try:
        if fs.isdir(path):
            found = _walk(fs, path)
            if not found:
                raise ModelwatchError(f"{spec.uri}: the folder holds no data files")
        elif fs.isfile(path):
            found = [path]
        elif _GLOB_CHARACTERS.intersection(path):
            found = []
            for match in sorted(fs.glob(path)):
                if _is_hidden(match.rstrip("/").rsplit("/", 1)[-1]):
                    continue
                found.extend(_walk(fs, match) if fs.isdir(match) else [match])
            if not found:
                raise ModelwatchError(f"{spec.uri}: no data files match this pattern")
        else:
            raise ModelwatchError(f"{spec.uri}: no such file or folder")
    except OSError as error:
        raise ModelwatchError(f"{spec.uri}: cannot list the dataset: {one_line(error)}") from error
    return [_uri(fs, path) for path in sorted(found)]


def _walk(fs: fsspec.AbstractFileSystem, folder: str) -> list[str]:
    root = folder.rstrip("/")
    return [
        path
        for path in fs.find(root)
        if not any(_is_hidden(part) for part in path[len(root) :].strip("/").split("/"))
    ]


def _is_hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def _uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    return path if is_local(fs) else fs.unstrip_protocol(path)


def dataset_format(spec: DatasetSpec, files: list[str]) -> DatasetFormat:
    """The format given in the spec, or the one every file's extension names."""
    if spec.format is not None:
        if spec.format not in FORMATS:
            raise ModelwatchError(
                f"{spec.uri}: unknown dataset format {spec.format!r}; use one of {', '.join(FORMATS)}"
            )
        return spec.format
    formats: dict[DatasetFormat, str] = {}
    for file in files:
        extension = os.path.splitext(file)[1].lower()
        if extension not in EXTENSIONS:
            raise ModelwatchError(
                f"{file}: cannot tell the dataset format from the file name; "
                f"pass --dataset-format ({', '.join(FORMATS)})"
            )
        formats.setdefault(EXTENSIONS[extension], file)
    if len(formats) > 1:
        found = ", ".join(f"{name} ({file})" for name, file in sorted(formats.items()))
        raise ModelwatchError(f"{spec.uri}: files of several formats: {found}; pass --dataset-format")
    return next(iter(formats))


@contextmanager
def open_file(spec: DatasetSpec, file: str) -> Iterator[IO[bytes]]:
    """The file opened for binary reading; an unreadable file is a user error naming it."""
    fs, path = filesystem(file, spec.storage_options)
    try:
        handle = fs.open(path, "rb")
    except OSError as error:
        reason = error.strerror or one_line(error)
        raise ModelwatchError(f"{file}: cannot read this file: {reason}") from error
    with handle:
        yield handle


def chunk_bytes(spec: DatasetSpec, chunk: Chunk, handle: IO[bytes]) -> pa.Buffer:
    """The chunk's byte range as an Arrow buffer: a zero-copy memory map of a local file."""
    fs, path = filesystem(chunk.file, spec.storage_options)
    if is_local(fs):
        with pa.memory_map(path) as mapped:
            mapped.seek(chunk.start)
            return mapped.read_buffer(chunk.stop - chunk.start)
    handle.seek(chunk.start)
    return pa.py_buffer(handle.read(chunk.stop - chunk.start))


def file_size(spec: DatasetSpec, file: str) -> int:
    fs, path = filesystem(file, spec.storage_options)
    try:
        return int(fs.size(path))
    except OSError as error:
        raise ModelwatchError(f"{file}: cannot read this file: {one_line(error)}") from error


class RangeReader(io.RawIOBase):
    """A read-only view of bytes [start, stop) of a seekable file: readers stop at the range end."""

    def __init__(self, handle: IO[bytes], start: int, stop: int) -> None:
        super().__init__()
        self._handle = handle
        self._remaining = stop - start
        handle.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._remaining)
        if wanted <= 0:
            return 0
        data = self._handle.read(wanted)
        buffer[: len(data)] = data
        self._remaining -= len(data)
        return len(data)

    def iter_blocks(self, size: int) -> Iterator[bytes]:
        while data := self.read(size):
            yield data
