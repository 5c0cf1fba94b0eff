"""Capture files → Arrow columns of the fields we use, block by block, records outside the window dropped.

A C scanner (`_capturejson.c`) validates a block's lines and copies out only the fields we use. A
block it declines (anything but plain records) goes to pyarrow's JSON reader, with an explicit
schema; a block that rejects too (a truncated last line, a line that is not JSON, a field of the
wrong type) is decoded again line by line with Python's json, for that block only, and each bad
line is counted with its `file:line`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from modelwatch import _textkernels
from modelwatch.errors import ModelwatchError, one_line
from modelwatch.formats.capture import parse_inference_time
from modelwatch.readers.arrow import string_array
from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.arrays import bools, int64s, whole
from modelwatch.readers.capture.problems import Problems
from modelwatch.storage import StorageOptions, filesystem

BLOCK_SIZE = 8 * 2**20
NEWLINE = 10
_PEEK = 4096
_NON_ASCII = 0x80
SIDES = ("endpointInput", "endpointOutput")
SIDE_FIELDS = ("data", "encoding", "observedContentType", "truncated")
_SIDE = pa.struct(
    [
        ("data", pa.string()),
        ("encoding", pa.string()),
        ("observedContentType", pa.string()),
        ("truncated", pa.bool_()),
    ]
)
_SCHEMA = pa.schema(
    [
        ("captureData", pa.struct([(side, _SIDE) for side in SIDES])),
        ("eventMetadata", pa.struct([("inferenceTime", pa.string())])),
    ]
)
_PARSE = pajson.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
_TIME = pa.timestamp("us", tz="UTC")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COLUMNS = [f"{side}.{name}" for side in SIDES for name in SIDE_FIELDS]
_SCANNED_TEXT = [f"{side}.{name}" for side in SIDES for name in SIDE_FIELDS if name != "truncated"]
_SCANNED_TEXT.append("inferenceTime")
_FLAG_TRUE, _FLAG_NULL = 1, 2


class BlockLines:
    """Where the lines of a block are; computed only when a problem or the preprocessor needs it."""

    def __init__(self, data: bytes, first_line: int) -> None:
        self.data = data
        self.first_line = first_line

    @cached_property
    def spans(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) byte offsets of every line."""
        raw = np.frombuffer(self.data, dtype=np.uint8)
        newlines = np.flatnonzero(raw == NEWLINE)
        starts = np.concatenate(([0], newlines + 1))
        ends = np.append(newlines, len(self.data))
        keep = starts < len(self.data)
        return starts[keep], ends[keep]

    @cached_property
    def nonblank(self) -> np.ndarray:
        """Indices of the lines pyarrow reads as records (it skips whitespace-only lines)."""
        starts, ends = self.spans
        data = self.data
        return np.array(
            [
                index
                for index, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True))
                if data[a:b].strip()
            ],
            dtype=np.int64,
        )


@dataclass
class RecordBlock:
    """The in-window records of one block, as flat columns (`endpointInput.data`, ...)."""

    file: str
    lines: BlockLines
    table: pa.Table
    source: np.ndarray | None
    """The line index of each decoded record; None: the non-blank lines, in order."""
    kept: np.ndarray | None
    """Which decoded records are in `table`; None: all of them."""

    def _line(self, index: int) -> int:
        decoded = int(self.kept[index]) if self.kept is not None else index
        return int(self.source[decoded] if self.source is not None else self.lines.nonblank[decoded])

    def where(self, index: int) -> str:
        return f"{self.file}:{self.lines.first_line + self._line(index)}"

    def line_text(self, index: int) -> bytes:
        starts, ends = self.lines.spans
        line = self._line(index)
        return self.lines.data[int(starts[line]) : int(ends[line])]


def read_blocks(
    file: str, start: datetime, end: datetime, problems: Problems, storage_options: StorageOptions | None
) -> Iterator[tuple[int, RecordBlock]]:
    """(records read, in-window block) for each block of `file`; memory is one block."""
    fs, path = filesystem(file, storage_options)
    first_line = 1
    try:
        with fs.open(path, "rb") as handle:
            rest = b""
            while True:
                data = handle.read(BLOCK_SIZE)
                lines = rest + data
                cut = len(lines) if not data else lines.rfind(b"\n") + 1
                block, rest = lines[:cut], lines[cut:]
                if block:
                    yield _decode(file, BlockLines(block, first_line), start, end, problems, last=not data)
                    first_line += int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == NEWLINE))
                if not data:
                    return
    except FileNotFoundError as error:
        raise ModelwatchError(f"{file}: the capture file disappeared while reading") from error
    except OSError as error:
        raise ModelwatchError(f"{file}: cannot read this capture file: {one_line(error)}") from error


def _decode(
    file: str, lines: BlockLines, start: datetime, end: datetime, problems: Problems, last: bool
) -> tuple[int, RecordBlock]:
    """(records read, in-window records). pyarrow crashes on a block whose first line is not an
    object, so such a block goes line by line; any other bad line makes pyarrow reject the block.
    Text that is not UTF-8 is looked for only in blocks that are not pure ASCII."""
    table = None
    if lines.data[:_PEEK].lstrip()[:1] == b"{":
        table = _scanned(lines.data)
        if table is None:
            table = _decoded_by_pyarrow(lines.data)
    source = None
    if table is None:
        table, source = _decode_lines(file, lines, problems, last)
    block = RecordBlock(file, lines, table, source, None)
    inside = _in_window(table, start, end, block.where, problems)
    if not inside.all():
        block.kept = np.flatnonzero(inside)
        block.table = table.filter(pa.array(inside))
    return table.num_rows, block


def _scanned(data: bytes) -> pa.Table | None:
    """The block's columns as the C scanner copies them out, or None where it leaves the block to a
    full JSON parser."""
    scanned = _textkernels.scan_capture(data)
    if scanned is None:
        return None
    rows, texts, (input_truncated, output_truncated, capture) = scanned
    columns = {name: string_array(rows, *text) for name, text in zip(_SCANNED_TEXT, texts, strict=True)}
    columns["endpointInput.truncated"] = _flags(input_truncated)
    columns["endpointOutput.truncated"] = _flags(output_truncated)
    columns["captureData"] = pa.array(np.frombuffer(capture, dtype=np.uint8) == _FLAG_TRUE)
    return pa.table({name: columns[name] for name in [*COLUMNS, "captureData", "inferenceTime"]})


def _flags(codes: bytearray) -> pa.Array:
    values = np.frombuffer(codes, dtype=np.uint8)
    return pa.array(values == _FLAG_TRUE, mask=values == _FLAG_NULL)


def _decoded_by_pyarrow(data: bytes) -> pa.Table | None:
    try:
        options = _read_options(data)
        table = _columns(pajson.read_json(pa.BufferReader(data), read_options=options, parse_options=_PARSE))
        if int(np.frombuffer(data, dtype=np.uint8).max()) >= _NON_ASCII:
            table.validate(full=True)  # pyarrow's JSON parser lets invalid UTF-8 through
    except pa.ArrowInvalid:
        return None
    return table


def _read_options(block: bytes) -> pajson.ReadOptions:
    """One block, one thread: worker processes are not oversubscribed, and the next block is
    decoded in parallel anyway (`prefetch.py`)."""
    return pajson.ReadOptions(use_threads=False, block_size=max(len(block), 1))


def _columns(table: pa.Table) -> pa.Table:
    """The nested capture table as flat columns named `side.field`, and `inferenceTime`."""
    capture = whole(table.column("captureData"))
    columns = {}
    for side in SIDES:
        side_array = pc.struct_field(capture, side)
        for name in SIDE_FIELDS:
            columns[f"{side}.{name}"] = pc.struct_field(side_array, name)
    columns["captureData"] = capture.is_valid()
    columns["inferenceTime"] = pc.struct_field(whole(table.column("eventMetadata")), "inferenceTime")
    return pa.table(columns)


def _decode_lines(
    file: str, lines: BlockLines, problems: Problems, last: bool
) -> tuple[pa.Table, np.ndarray]:
    """The block line by line: bad lines counted and left out; returns the table and each row's line."""
    values: dict[str, list[Any]] = {name: [] for name in [*COLUMNS, "captureData", "inferenceTime"]}
    source = []
    starts, ends = lines.spans
    for index, (begin, stop) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        text = lines.data[begin:stop]
        if not text.strip():
            continue
        where = f"{file}:{lines.first_line + index}"
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            final = last and index == len(starts) - 1 and not lines.data.endswith(b"\n")
            problems.add(kinds.TRUNCATED_LINE if final else kinds.NOT_JSON, where, one_line(error))
            continue
        if not isinstance(document, dict):
            problems.add(kinds.NOT_A_RECORD, where, f"a JSON {type(document).__name__}, not an object")
            continue
        source.append(index)
        _record_values(document, values)
    columns = {
        name: pa.array(items, pa.bool_() if name.endswith(("truncated", "captureData")) else pa.string())
        for name, items in values.items()
    }
    return pa.table(columns), np.array(source, dtype=np.int64)


def _record_values(document: dict[str, Any], values: dict[str, list[Any]]) -> None:
    capture = document.get("captureData")
    capture = capture if isinstance(capture, dict) else None
    values["captureData"].append(capture is not None)
    for side in SIDES:
        payload = capture.get(side) if capture is not None else None
        payload = payload if isinstance(payload, dict) else {}
        for name in SIDE_FIELDS:
            item = payload.get(name)
            if name == "truncated":
                item = item is True
            elif item is not None and not isinstance(item, str):
                item = json.dumps(item) if name == "data" else str(item)
            values[f"{side}.{name}"].append(item)
    metadata = document.get("eventMetadata")
    moment = metadata.get("inferenceTime") if isinstance(metadata, dict) else None
    values["inferenceTime"].append(moment if isinstance(moment, str) else None)


def _in_window(table: pa.Table, start: datetime, end: datetime, where: Any, problems: Problems) -> np.ndarray:
    """Which records have an inferenceTime in [start, end); a missing or bad one is counted."""
    texts = whole(table.column("inferenceTime"))
    try:
        moments = pc.cast(texts, _TIME)
    except pa.ArrowInvalid:
        moments = _parse_times(texts, where, problems)
    else:
        for index in np.flatnonzero(bools(texts.is_null())):
            problems.add(kinds.BAD_INFERENCE_TIME, where(index), "no eventMetadata.inferenceTime")
    if not len(moments):
        return np.zeros(0, dtype=bool)
    micros = int64s(moments)
    return (micros >= _micros(start)) & (micros < _micros(end)) & bools(moments.is_valid())


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _parse_times(texts: pa.Array, where: Any, problems: Problems) -> pa.Array:
    """Times one by one (other ISO-8601 spellings, zone-less times as UTC); bad ones counted as null."""
    moments = []
    for index, text in enumerate(texts.to_pylist()):
        if text is None:
            problems.add(kinds.BAD_INFERENCE_TIME, where(index), "no eventMetadata.inferenceTime")
            moments.append(None)
            continue
        try:
            moments.append(parse_inference_time(text, "eventMetadata"))
        except ModelwatchError:
            problems.add(kinds.BAD_INFERENCE_TIME, where(index), f"not an ISO-8601 time: {text!r}")
            moments.append(None)
    return pa.array(moments, _TIME)
