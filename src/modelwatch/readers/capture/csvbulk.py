"""CSV payloads in bulk: all payloads of a block joined into one buffer and parsed by pyarrow.csv.

A payload with many lines (a batch request) is many rows; the output lines of a record pair with
its input lines by order, so both sides are parsed separately and put side by side. Per record the
non-empty lines are counted from the joined buffer with numpy, which maps every row back to its
record (and so to its `file:line`) without a Python loop. Payloads with a quote and a line break
(a quoted value may hold a newline) are left to the per-record path.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from modelwatch import _textkernels
from modelwatch.readers.arrow import string_array

NEWLINE, QUOTE, CARRIAGE_RETURN = 10, 34, 13
_SEPARATORS = np.frombuffer(b',"', dtype=np.uint8)
_SAMPLE_BYTES = 16 * 2**10
_SAMPLE_LINES = 100


@dataclass
class SideLines:
    """One side's payloads joined with a newline after each, and where their non-empty lines are."""

    payloads: pa.Array
    buffer: np.ndarray
    rows: np.ndarray
    """Non-empty lines per record."""
    line_record: np.ndarray
    """The record of each non-empty line."""
    quoted_lines: np.ndarray
    breaks: int
    """Line breaks in `buffer` (one per payload when no payload has one)."""
    """Records whose payload has a quote and a line break: not splittable by lines."""


def split_lines(payloads: pa.Array) -> SideLines:
    payloads = payloads.cast(pa.string())
    joined = join_payloads(payloads)
    if bool((joined == CARRIAGE_RETURN).any()):
        payloads = pc.replace_substring(pc.replace_substring(payloads, "\r\n", "\n"), "\r", "\n")
        joined = join_payloads(payloads)
    count = len(payloads)
    offsets = payload_offsets(payloads)
    separators = offsets[1:] - offsets[0] + np.arange(count)
    newlines = np.flatnonzero(joined == NEWLINE)
    line_starts = np.concatenate(([0], newlines[:-1] + 1))
    line_record = np.searchsorted(separators, newlines)
    nonempty = newlines > line_starts
    quoted = np.zeros(count, dtype=bool)
    quotes = np.flatnonzero(joined == QUOTE)
    if len(quotes):
        quoted[np.searchsorted(separators, quotes)] = True
        quoted &= np.bincount(line_record, minlength=count) > 1
    return SideLines(
        payloads,
        joined,
        np.bincount(line_record[nonempty], minlength=count),
        line_record[nonempty],
        quoted,
        len(newlines),
    )


def payload_offsets(payloads: pa.Array) -> np.ndarray:
    return np.frombuffer(payloads.buffers()[1], dtype=np.int32)[
        payloads.offset : payloads.offset + len(payloads) + 1
    ]


def join_payloads(payloads: pa.Array) -> np.ndarray:
    """The payloads' bytes with a newline after each (a null payload is empty), read-only."""
    joined = pc.binary_join_element_wise(payloads, "", "\n", null_handling="replace")
    if not len(joined):
        return np.zeros(0, dtype=np.uint8)
    offsets = payload_offsets(joined)
    return np.frombuffer(joined.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]


def field_count(lines: SideLines) -> int:
    """The most common number of fields among the first 100 lines (a bad first line does not
    decide; a hundred, not 16 KiB: that is 8,000 one-value lines, 3.5 ms of Python's csv)."""
    head = lines.buffer[:_SAMPLE_BYTES]
    ends = np.flatnonzero(head == NEWLINE)[:_SAMPLE_LINES]
    if len(ends) == _SAMPLE_LINES or len(lines.buffer) > len(head):  # whole lines only
        head = head[: int(ends[-1]) + 1 if len(ends) else 0]
    sample = bytes(head)
    rows = [len(row) for row in csv.reader(io.StringIO(sample.decode("utf-8", "replace"), newline="")) if row]
    return Counter(rows).most_common(1)[0][0] if rows else 0


def parse(lines: SideLines, names: list[str]) -> tuple[pa.Table, np.ndarray, dict[int, int]]:
    """The lines as string columns (empty fields null), which lines were parsed, and the field
    count of each line that has the wrong number of fields (skipped)."""
    wrong: dict[int, int] = {}

    def reject(row: pacsv.InvalidRow) -> str:
        wrong[row.number - 1] = row.actual_columns
        return "skip"

    if _single_values(lines, names):
        values = lines.payloads
        return (
            pa.table({names[0]: pc.if_else(pc.equal(values, ""), None, values)}),
            np.ones(len(values), bool),
            {},
        )
    split = _split_plain(lines, names)
    if split is not None:
        return split, np.ones(len(lines.line_record), dtype=bool), {}
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(lines.buffer)),
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=max(len(lines.buffer), 1)
        ),  # one thread: rows are numbered for the handler, and worker processes are not oversubscribed
        parse_options=pacsv.ParseOptions(invalid_row_handler=reject),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            check_utf8=False,  # the payloads were valid Arrow strings, split here at ASCII bytes
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    parsed = np.ones(len(lines.line_record), dtype=bool)
    parsed[list(wrong)] = False
    return table, parsed, wrong


def _split_plain(lines: SideLines, names: list[str]) -> pa.Table | None:
    """The lines split by the C kernel of the CSV reader (a third cheaper than pyarrow's here), or
    None when one is outside the plain dialect: pyarrow then parses them and names the lines with
    the wrong number of fields."""
    count = len(lines.line_record)
    split = _textkernels.split_csv(lines.buffer, 0, len(names), max(count, 1))
    if split is None or split[0] != len(lines.buffer) or split[1] != count:
        return None
    return pa.table(dict(zip(names, [string_array(count, *column) for column in split[2]], strict=True)))


def _single_values(lines: SideLines, names: list[str]) -> bool:
    """Whether each payload is one value on one line (a typical CSV prediction): no parse needed."""
    return (
        len(names) == 1
        and lines.breaks == len(lines.payloads)
        and bool((lines.rows == 1).all())
        and not bool(np.isin(lines.buffer, _SEPARATORS).any())
    )
