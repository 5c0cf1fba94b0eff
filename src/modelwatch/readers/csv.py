"""CSV datasets: every column as text (the profiler classifies values), split at record boundaries.

Records are split into Arrow string columns by a C kernel (`_textkernels.split_csv`, a third of
pyarrow's CPU time per value) where the text is in the plain dialect; from the first record that is
not (a lone carriage return, a quote inside an unquoted field, or bad input), pyarrow's CSV reader
reads the rest of the chunk, with the same results, and its errors are explained by line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator, Sequence
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv

from modelwatch import _textkernels
from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers.arrow import string_array
from modelwatch.readers.files import chunk_bytes, file_size, open_file
from modelwatch.readers.scan import first_invalid_utf8, line_of, nth_record_offset, record_cuts
from modelwatch.readers.spec import Chunk, DatasetSpec

BLOCK_SIZE = 8 * 2**20
BATCH_ROWS = 64 * 2**10
"""Rows per batch of the C splitter: as many as the profiler takes in one update."""


def spark_names(header: Sequence[str]) -> list[str]:
    """Column names as Spark's CSV reader makes them from a header: an empty name becomes `_c{i}`,
    a name that occurs more than once (ignoring case) gets its 0-based index appended."""
    lowered = [name.lower() for name in header if name]
    duplicates = {name for name in lowered if lowered.count(name) > 1}
    return [
        f"_c{index}" if not name else f"{name}{index}" if name.lower() in duplicates else name
        for index, name in enumerate(header)
    ]


def plan_csv(spec: DatasetSpec, files: Sequence[str], target_bytes: int) -> list[Chunk]:
    """Chunks of about `target_bytes` per file; every file must have the first file's header."""
    header: list[str] | None = None
    header_file = ""
    columns: tuple[str, ...] = ()
    chunks: list[Chunk] = []
    for file in files:
        size = file_size(spec, file)
        if size == 0:
            continue
        with open_file(spec, file) as handle:
            first_record = record_cuts(handle, [0])
            header_end, data_line = first_record[0] if first_record else (size, 2)
            fields = _first_record(handle, file, header_end)
            if header is None:
                header, header_file = fields, file
                columns = tuple(
                    spark_names(fields) if spec.header else (f"_c{i}" for i in range(len(fields)))
                )
            elif spec.header and fields != header:
                raise ModelwatchError(f"{file}:1: {_header_difference(fields, header, header_file)}")
            start, line = (header_end, data_line) if spec.header else (0, 1)
            if start >= size:
                continue
            cuts = [(start, line)]
            if size - start > target_bytes:
                wanted = range(start + target_bytes, size, target_bytes)
                cuts += [cut for cut in record_cuts(handle, wanted, start, line) if cut[0] < size]
        stops = [offset for offset, _ in cuts[1:]] + [size]
        chunks += [
            Chunk(file, offset, stop, line, columns) for (offset, line), stop in zip(cuts, stops, strict=True)
        ]
    return chunks


def _first_record(handle: IO[bytes], file: str, end: int) -> list[str]:
    handle.seek(0)
    try:
        text = handle.read(end).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ModelwatchError(f"{file}:1: the first line is not valid UTF-8 ({error.reason})") from error
    fields = next(csv.reader(io.StringIO(text, newline="")), [])
    if not fields:
        raise ModelwatchError(f"{file}:1: the first line is empty")
    return fields


def _header_difference(fields: list[str], expected: list[str], expected_file: str) -> str:
    if len(fields) != len(expected):
        return f"the header has {len(fields)} columns but the header of {expected_file} has {len(expected)}"
    index = next(i for i, (a, b) in enumerate(zip(fields, expected, strict=True)) if a != b)
    return f"header column {index + 1} is {fields[index]!r} but {expected[index]!r} in {expected_file}"


def read_csv(spec: DatasetSpec, chunk: Chunk) -> Iterator[pa.RecordBatch]:
    """The chunk's rows, all columns `string`, empty fields null.

    Both parsers read an in-memory view of the chunk (a memory map on local disk), never a Python
    file object: pyarrow's read-ahead thread would call back into Python, and a thread left doing
    that when the interpreter exits aborts the process. Memory is bounded by the chunk size.
    """
    names = list(chunk.columns)
    with open_file(spec, chunk.file) as handle:
        data = chunk_bytes(spec, chunk, handle)
        position = 0
        while position < len(data):
            split = _textkernels.split_csv(data, position, len(names), BATCH_ROWS)
            if split is None:
                yield from _read_with_arrow(handle, _rest_of(handle, chunk, position), data[position:])
                return
            position, rows, columns = split
            if rows:
                yield pa.RecordBatch.from_arrays([string_array(rows, *column) for column in columns], names)


def _rest_of(handle: IO[bytes], chunk: Chunk, position: int) -> Chunk:
    """The part of the chunk from `position` (a record boundary) on, with its first line number."""
    if position == 0:
        return chunk
    start = chunk.start + position
    return dataclasses.replace(
        chunk, start=start, first_line=line_of(handle, start, chunk.start, chunk.first_line or 1)
    )


def _read_with_arrow(handle: IO[bytes], chunk: Chunk, data: pa.Buffer) -> Iterator[pa.RecordBatch]:
    names = list(chunk.columns)
    try:
        yield from pacsv.open_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise _explain(handle, chunk, error) from error
    except OSError as error:
        raise ModelwatchError(f"{chunk.file}: cannot read this file: {one_line(error)}") from error


_RAGGED = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)")


def _explain(handle: IO[bytes], chunk: Chunk, error: pa.ArrowInvalid) -> ModelwatchError:
    """The user error for what pyarrow rejected, naming the physical line.

    A ragged row is read from pyarrow's message: an invalid-row handler would be handed the row as
    text, which fails (and prints a traceback) when the row is not UTF-8.
    """
    first_line = chunk.first_line or 1
    ragged = _RAGGED.search(str(error))
    if ragged:
        number, expected, found = (int(group) for group in ragged.groups())
        offset = nth_record_offset(handle, chunk.start, chunk.stop, number)
        line = line_of(handle, offset, chunk.start, first_line)
        return ModelwatchError(f"{chunk.file}:{line}: expected {expected} fields, found {found}")
    if "UTF8" in str(error) or "UTF-8" in str(error):
        offset = first_invalid_utf8(handle, chunk.start, chunk.stop)
        if offset is not None:
            handle.seek(offset)
            byte = handle.read(1)[0]
            line = line_of(handle, offset, chunk.start, first_line)
            return ModelwatchError(f"{chunk.file}:{line}: byte 0x{byte:02x} is not valid UTF-8 text")
    return ModelwatchError(
        f"{chunk.file}:{first_line}: cannot parse CSV from this line on: {one_line(error)}"
    )
