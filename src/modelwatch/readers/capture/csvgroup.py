"""Records whose payloads are all plain CSV, turned into one batch of string columns per block."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from modelwatch.readers.capture import problems as kinds
from modelwatch.readers.capture.arrays import whole
from modelwatch.readers.capture.csvbulk import SideLines, field_count, parse, split_lines
from modelwatch.readers.capture.layout import Layout, Side
from modelwatch.readers.capture.problems import Problems

COLUMN = {"input": "endpointInput.data", "output": "endpointOutput.data"}


def csv_batch(
    table: pa.Table,
    sides: tuple[Side, ...],
    where: Callable[[int], str],
    layout: Layout,
    problems: Problems,
) -> tuple[pa.RecordBatch | None, np.ndarray, np.ndarray]:
    """(batch, rows per record, records left for the per-record path) for records of `table` that
    all have a CSV payload on each of `sides` (and nothing on the other)."""
    count = table.num_rows
    lines = _lines(table, sides, np.arange(count))
    deferred = np.zeros(count, dtype=bool)
    for side_lines in lines.values():
        deferred |= side_lines.quoted_lines
    rows = lines[sides[0]].rows
    bad = rows == 0
    for record in np.flatnonzero(bad & ~deferred):
        problems.add(kinds.EMPTY_PAYLOAD, where(record))
    if len(sides) == 2:
        mismatch = (lines["input"].rows != lines["output"].rows) & ~deferred & ~bad
        for record in np.flatnonzero(mismatch):
            detail = f"{lines['input'].rows[record]} input lines, {lines['output'].rows[record]} output lines"
            problems.add(kinds.ROW_COUNT_MISMATCH, where(record), detail)
        bad |= mismatch
    produced = np.zeros(count, dtype=np.int64)
    kept = np.flatnonzero(~bad & ~deferred)
    if not len(kept):
        return None, produced, np.flatnonzero(deferred)
    if len(kept) < count:
        lines = _lines(table, sides, kept)
    batch, per_record = _parse_sides(lines, sides, lambda record: where(int(kept[record])), layout, problems)
    produced[kept] = per_record
    return batch, produced, np.flatnonzero(deferred)


def _lines(table: pa.Table, sides: tuple[Side, ...], records: np.ndarray) -> dict[Side, SideLines]:
    columns = {side: table.column(COLUMN[side]) for side in sides}
    if len(records) < table.num_rows:
        columns = {side: column.take(records) for side, column in columns.items()}
    return {side: split_lines(whole(column)) for side, column in columns.items()}


def _parse_sides(
    lines: dict[Side, SideLines],
    sides: tuple[Side, ...],
    where: Callable[[int], str],
    layout: Layout,
    problems: Problems,
) -> tuple[pa.RecordBatch | None, np.ndarray]:
    fields = {side: field_count(lines[side]) for side in sides}
    names: dict[Side, list[str] | None] = {
        side: layout.side_names(side, fields[side], sum(fields[other] for other in sides if other != side))
        for side in sides
    }
    line_record = lines[sides[0]].line_record
    records = len(lines[sides[0]].rows)
    if any(side_names is None for side_names in names.values()):
        shape = " and ".join(f"{fields[side]} {side} fields" for side in sides)
        total = len(layout.feature_names or ())
        for record in range(records):
            problems.add(
                kinds.WRONG_FIELD_COUNT, where(record), f"{shape}, but the baseline has {total} features"
            )
        return None, np.zeros(records, dtype=np.int64)
    good = np.ones(len(line_record), dtype=bool)
    parsed: dict[Side, tuple[pa.Table, np.ndarray]] = {}
    for side in sides:
        side_table, side_parsed, wrong = parse(lines[side], names[side] or [])
        parsed[side] = side_table, side_parsed
        good &= side_parsed
        for line, actual in wrong.items():
            detail = f"{side} line has {actual} fields, expected {fields[side]}"
            problems.add(kinds.WRONG_FIELD_COUNT, where(int(line_record[line])), detail)
    columns: dict[str, pa.Array] = {}
    for side in sides:
        side_table, side_parsed = parsed[side]
        if not good.all():
            side_table = side_table.filter(pa.array(good[side_parsed]))
        for name, column in zip(side_table.column_names, side_table.columns, strict=True):
            columns[name] = whole(column)
    per_record = np.bincount(line_record[good], minlength=records)
    if not good.any():
        return None, per_record
    order = layout.ordered(list(columns))
    return pa.RecordBatch.from_arrays([columns[name] for name in order], names=order), per_record
