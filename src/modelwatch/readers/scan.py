"""Byte-level scans of text files: record boundaries, line numbers, bad UTF-8.

A CSV newline ends a record iff the number of `"` bytes before it is even (RFC 4180: quotes
only appear in quoted fields, doubled inside them), so record boundaries can be found without
parsing: one pass of a C kernel (`_textkernels.record_ends`) counts newlines and quotes at memory
speed, block by block.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import IO

import numpy as np

from modelwatch import _textkernels
from modelwatch.readers.files import RangeReader

NEWLINE = 10
QUOTE = 34
_FIRST_BLOCK = 64 * 2**10
_MAX_BLOCK = 4 * 2**20


def _blocks(handle: IO[bytes], start: int, stop: int | None = None) -> Iterator[memoryview]:
    """The bytes from `start` (to `stop`, or the end), small blocks first (a header needs only one),
    read into one buffer: a block is valid until the next. Blocks of a few MiB stay in the CPU's
    cache for the scan, and neither a copy per block nor a memory map of the file adds to the RSS."""
    handle.seek(start)
    buffer = memoryview(bytearray(_MAX_BLOCK))
    remaining = float("inf") if stop is None else stop - start
    size = _FIRST_BLOCK
    while remaining > 0:
        read = handle.readinto(buffer[: int(min(size, remaining))])  # type: ignore[attr-defined]
        if not read:
            return
        remaining -= read
        size = min(size * 4, _MAX_BLOCK)
        yield buffer[:read]


def record_cuts(
    handle: IO[bytes], wanted: Iterable[int], start: int = 0, start_line: int = 1
) -> list[tuple[int, int]]:
    """For each offset in `wanted` (sorted), the record boundary just after the first record-ending
    newline at or past it, as (offset, 1-based line number), duplicates dropped.

    `start` must be a record boundary on physical line `start_line`; scanning stops as soon as
    every wanted offset is resolved, and offsets with no record end after them are dropped.
    """
    targets = list(wanted)
    cuts: list[tuple[int, int]] = []
    if not targets:
        return cuts
    quoted, lines_before, position = False, start_line - 1, start
    for block in _blocks(handle, start):
        ends, newlines, quoted = _textkernels.record_ends(block, position, targets[len(cuts) :], quoted)
        cuts += [(position + end + 1, lines_before + line + 1) for end, line in ends]
        if len(cuts) == len(targets):
            break
        lines_before += newlines
        position += len(block)
    return list(dict.fromkeys(cuts))


def count_newlines(handle: IO[bytes], start: int, stop: int) -> int:
    return sum(_textkernels.record_ends(block, 0, (), False)[1] for block in _blocks(handle, start, stop))


def nth_record_offset(handle: IO[bytes], start: int, stop: int, number: int) -> int:
    """The offset of the `number`-th (1-based) non-empty CSV record of the range, for error messages."""
    data = np.frombuffer(RangeReader(handle, start, stop).read(), dtype=np.uint8)
    newlines = np.flatnonzero(data == NEWLINE)
    parity = np.bitwise_xor.accumulate((data == QUOTE).view(np.uint8))
    ends = np.append(newlines[parity[newlines] == 0], len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    carriage_only = (lengths == 1) & (data[np.minimum(starts, len(data) - 1)] == ord("\r"))
    records = starts[(lengths > 0) & ~carriage_only]
    return start + int(records[min(number, len(records)) - 1])


def first_invalid_utf8(handle: IO[bytes], start: int, stop: int) -> int | None:
    """The offset of the first byte that is not valid UTF-8 in [start, stop), if any."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    position = start
    for block in RangeReader(handle, start, stop).iter_blocks(_MAX_BLOCK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            return position - pending + error.start
        position += len(block)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return position - pending + error.start
    return None


def line_of(handle: IO[bytes], offset: int, start: int = 0, start_line: int = 1) -> int:
    """The 1-based physical line of `offset`, counting from `start` on line `start_line`."""
    return start_line + count_newlines(handle, start, offset)
