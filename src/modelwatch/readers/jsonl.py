"""JSON Lines datasets: one object per line; typed columns, nested objects flattened.

Blocks of lines go through pyarrow's C++ reader. A block it rejects (a column whose type changes
between rows, a line that is not JSON) is parsed again line by line with Python's json, which
names the bad line or gives a mixed column as text.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from modelwatch.errors import ModelwatchError, one_line
from modelwatch.readers.arrow import flat_table
from modelwatch.readers.files import RangeReader, file_size, open_file
from modelwatch.readers.scan import NEWLINE, line_of
from modelwatch.readers.spec import Chunk, DatasetSpec

BLOCK_SIZE = 8 * 2**20
_SEEK_STEP = 64 * 2**10
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_LINE_STARTS = np.frombuffer(b"{\r\n", dtype=np.uint8)


def plan_json(spec: DatasetSpec, files: Sequence[str], target_bytes: int) -> list[Chunk]:
    """Chunks of about `target_bytes`, each starting at the beginning of a line."""
    chunks: list[Chunk] = []
    for file in files:
        size = file_size(spec, file)
        if size == 0:
            continue
        start = 0
        with open_file(spec, file) as handle:
            while size - start > target_bytes:
                cut = _next_line_start(handle, start + target_bytes)
                if cut is None or cut >= size:
                    break
                chunks.append(Chunk(file, start, cut))
                start = cut
        chunks.append(Chunk(file, start, size))
    return chunks


def _next_line_start(handle: IO[bytes], offset: int) -> int | None:
    """The first line start at or after `offset`."""
    position = offset - 1
    handle.seek(position)
    while data := handle.read(_SEEK_STEP):
        newline = data.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(data)
    return None


def read_json(spec: DatasetSpec, chunk: Chunk) -> Iterator[pa.RecordBatch]:
    with open_file(spec, chunk.file) as handle:
        offset = chunk.start
        if offset == 0 and handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
            offset = len(codecs.BOM_UTF8)
        try:
            for block in _line_blocks(RangeReader(handle, offset, chunk.stop)):
                table = _parse(block, partial(_where, handle, chunk, offset))
                offset += len(block)
                if table.num_rows:
                    yield from flat_table(table).combine_chunks().to_batches()
        except OSError as error:
            raise ModelwatchError(f"{chunk.file}: cannot read this file: {one_line(error)}") from error


def _line_blocks(reader: RangeReader) -> Iterator[bytes]:
    """The range as blocks of whole lines, about BLOCK_SIZE each."""
    rest = b""
    for data in reader.iter_blocks(BLOCK_SIZE):
        lines = rest + data
        end = lines.rfind(b"\n") + 1
        if end:
            yield lines[:end]
        rest = lines[end:]
    if rest:
        yield rest


def _where(handle: IO[bytes], chunk: Chunk, block_offset: int, index: int) -> str:
    """`file:line` of line `index` of the block at `block_offset`; lines are counted only now."""
    return f"{chunk.file}:{line_of(handle, block_offset) + index}"


def _only_objects(block: bytes) -> bool:
    """Whether every line starts with `{` or is empty: pyarrow reads a `null` line as a null row, and
    crashes on one that comes first, so any other line goes to the line-by-line parser."""
    data = np.frombuffer(block, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(data == NEWLINE) + 1))
    return bool(np.isin(data[starts[starts < len(data)]], _LINE_STARTS).all())


def _parse(block: bytes, where: Callable[[int], str]) -> pa.Table:
    if not _only_objects(block):
        return _parse_by_line(block, where)
    try:
        return read_json_block(block)
    except pa.ArrowInvalid:
        return _parse_by_line(block, where)


def read_json_block(block: bytes | pa.Buffer) -> pa.Table:
    """JSON lines decoded by pyarrow in one block, text that looks like a timestamp kept as text.

    Raises pyarrow.ArrowInvalid for anything pyarrow rejects, invalid UTF-8 included (its parser lets
    that through; the validation finds it).
    """
    options = pajson.ReadOptions(use_threads=False, block_size=max(len(block), 1))
    table = pajson.read_json(pa.BufferReader(block), read_options=options)
    schema = pa.schema([field.with_type(_text_timestamps(field.type)) for field in table.schema])
    if schema != table.schema:
        parse_options = pajson.ParseOptions(explicit_schema=schema)
        table = pajson.read_json(pa.BufferReader(block), read_options=options, parse_options=parse_options)
    table.validate(full=True)
    return table


def _text_timestamps(kind: pa.DataType) -> pa.DataType:
    """The type with timestamps as strings: pyarrow guesses timestamps from text, we keep the text."""
    if pa.types.is_timestamp(kind):
        return pa.string()
    if pa.types.is_struct(kind):
        return pa.struct(
            [kind.field(i).with_type(_text_timestamps(kind.field(i).type)) for i in range(kind.num_fields)]
        )
    if pa.types.is_list(kind):
        return pa.list_(kind.value_field.with_type(_text_timestamps(kind.value_type)))
    return kind


def _parse_by_line(block: bytes, where: Callable[[int], str]) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for index, line in enumerate(block.split(b"\n")):
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ModelwatchError(
                f"{where(index)}: byte 0x{line[error.start]:02x} is not valid UTF-8 text"
            ) from error
        except json.JSONDecodeError as error:
            raise ModelwatchError(
                f"{where(index)}: invalid JSON: {error.msg} at column {error.colno}"
            ) from error
        if not isinstance(value, dict):
            raise ModelwatchError(f"{where(index)}: expected a JSON object, found {type(value).__name__}")
        rows.append(dict(_flatten(value)))
    names = list(dict.fromkeys(name for row in rows for name in row))
    if not names:  # lines of `{}`: rows without columns, still counted
        return pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(rows, pa.struct([])))])
    return pa.table([_column([row.get(name) for row in rows]) for name in names], names=names)


def _flatten(value: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, item in value.items():
        if isinstance(item, dict):
            yield from _flatten(item, f"{prefix}{key}.")
        elif isinstance(item, list):
            yield f"{prefix}{key}", _dumps(item)
        else:
            yield f"{prefix}{key}", item


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _column(values: list[Any]) -> pa.Array:
    """Values of one type keep it (ints with floats become float64); a mix becomes JSON text."""
    kinds = {type(value) for value in values if value is not None}
    if not kinds:
        return pa.nulls(len(values))
    if kinds == {bool}:
        return pa.array(values, pa.bool_())
    if kinds == {int} and all(_INT64_MIN <= value <= _INT64_MAX for value in values if value is not None):
        return pa.array(values, pa.int64())
    if kinds <= {int, float}:
        return pa.array([value if value is None else float(value) for value in values], pa.float64())
    if kinds == {str}:
        return pa.array(values, pa.string())
    return pa.array(
        [value if value is None or isinstance(value, str) else _dumps(value) for value in values], pa.string()
    )
