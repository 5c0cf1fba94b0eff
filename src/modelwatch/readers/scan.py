"""Byte-level scans of text files with numpy: record boundaries, line numbers, bad UTF-8.

A CSV newline ends a record iff the number of `"` bytes before it is even (RFC 4180: quotes
only appear in quoted fields, doubled inside them), so record boundaries can be found without
parsing, block by block, vectorized.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from typing import IO

import numpy as np

from modelwatch.readers.files import RangeReader

NEWLINE = 10
QUOTE = 34
_FIRST_BLOCK = 64 * 2**10
_MAX_BLOCK = 16 * 2**20


def _blocks(handle: IO[bytes], start: int, stop: int | None = None) -> Iterable[np.ndarray]:
    """The bytes from `start` (to `stop`, or the end), small blocks first: a header needs only one."""
    handle.seek(start)
    remaining = float("inf") if stop is None else stop - start
    size = _FIRST_BLOCK
    while remaining > 0:
        data = handle.read(int(min(size, remaining)))
        if not data:
            return
        remaining -= len(data)
        size = min(size * 4, _MAX_BLOCK)
        yield np.frombuffer(data, dtype=np.uint8)


def record_cuts(
    handle: IO[bytes], wanted: Iterable[int], start: int = 0, start_line: int = 1
) -> list[tuple[int, int]]:
    """For each offset in `wanted` (sorted), the record boundary just after the first record-ending
    newline at or past it, as (offset, 1-based line number), duplicates dropped.

    `start` must be a record boundary on physical line `start_line`; scanning stops as soon as
    every wanted offset is resolved, and offsets with no record end after them are dropped.
    """
    targets = np.asarray(list(wanted), dtype=np.int64)
    cuts: list[tuple[int, int]] = []
    if not len(targets):
        return cuts
    done, parity, lines_before, position = 0, 0, start_line - 1, start
    for block in _blocks(handle, start):
        end = position + len(block)
        newlines = np.flatnonzero(block == NEWLINE)
        quotes = block == QUOTE
        if targets[done] < end:
            quote_parity = np.bitwise_xor.accumulate(quotes.view(np.uint8)) ^ parity
            ends = newlines[quote_parity[newlines] == 0]
            in_block = targets[done : np.searchsorted(targets, end)]
            found = np.searchsorted(ends, np.maximum(in_block - position, 0))
            found = found[found < len(ends)]
            local = ends[found]
            lines = lines_before + np.searchsorted(newlines, local) + 2
            cuts.extend(zip((position + local + 1).tolist(), lines.tolist(), strict=True))
            done += len(found)
        if done == len(targets):
            break
        parity ^= int(np.count_nonzero(quotes)) & 1
        lines_before += len(newlines)
        position = end
    return list(dict.fromkeys(cuts))


def count_newlines(handle: IO[bytes], start: int, stop: int) -> int:
    return sum(int(np.count_nonzero(block == NEWLINE)) for block in _blocks(handle, start, stop))


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
